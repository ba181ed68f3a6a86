package cmd_test

import (
	"context"
	"regexp"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/internal/decision"
)

const (
	oneLineRule = "must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), " +
		"line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	textRule = "must be printable text: no control characters other than tab and newline (C0, DEL, C1), " +
		"line or paragraph separators, or bidirectional controls, which would act on a reader's terminal"
)

// TestControlCharactersAreRefused: the API server refuses control characters, line separators
// and bidirectional controls in every free-text field merchants write, naming the field and
// the rule; text in any script is admitted and shown as it is (item 6 of issue 22).
func TestControlCharactersAreRefused(t *testing.T) {
	const ns = "text"
	ctx := context.Background()
	for _, c := range []struct {
		field string
		edit  func(*qualv1.CategoryApplication)
	}{
		{"spec.merchant.shopName", func(a *qualv1.CategoryApplication) { a.Spec.Merchant.ShopName = "Acme\x1b[8m" }},
		{"spec.merchant.shopName", func(a *qualv1.CategoryApplication) { a.Spec.Merchant.ShopName = "Acme\tFlagship" }},
		{"spec.merchant.legalEntity", func(a *qualv1.CategoryApplication) { a.Spec.Merchant.LegalEntity = "Acme\u009b2J" }},
		{"spec.materials[0].subject", func(a *qualv1.CategoryApplication) { a.Spec.Materials[0].Subject = "Acme\u202eLtd" }},
		{"spec.materials[2].brand", func(a *qualv1.CategoryApplication) { a.Spec.Materials[2].Brand = "ACME\r" }},
		{"spec.materials[2].trademarkNumber", func(a *qualv1.CategoryApplication) { a.Spec.Materials[2].TrademarkNumber = "5678\x00" }},
		{"spec.materials[2].owner", func(a *qualv1.CategoryApplication) { a.Spec.Materials[2].Owner = "Acme\nLtd" }},
		{"spec.materials[6].account", func(a *qualv1.CategoryApplication) { a.Spec.Materials[6].Account = "acme\x7f" }},
		{"spec.materials[1].files[0].url", func(a *qualv1.CategoryApplication) { a.Spec.Materials[1].Files[0].URL += "\u0085" }},
		{"spec.materials[0].files[0].secretKeyRef.name", func(a *qualv1.CategoryApplication) {
			a.Spec.Materials[0].Files[0].SecretKeyRef.Name = "m\u2028"
		}},
		{"spec.notify[0].secretRef.name", func(a *qualv1.CategoryApplication) {
			a.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: "n\x1b"}}}
		}},
	} {
		g := NewWithT(t)
		err := admin.Create(ctx, buildApp(t, ns, "refused", c.edit))
		g.Expect(err).To(HaveOccurred(), c.field)
		g.Expect(err.Error()).To(MatchRegexp(regexp.QuoteMeta(c.field)+`: Invalid value: ".+": `+regexp.QuoteMeta(oneLineRule)), c.field)
	}

	g := NewWithT(t)
	shop := "阿克美珠宝　旗舰店 “Acme” 💍"
	createApp(t, ns, "acme-gold", func(a *qualv1.CategoryApplication) { a.Spec.Merchant.ShopName = shop })
	waitForPhase(t, ns, "acme-gold", qualv1.PhaseUnderReview)
	r := run(t, "alice", "describe", "acme-gold", "-n", ns)
	g.Expect(r.out).To(MatchRegexp(`(?m)^  Shop: +` + shop + `$`))
}

// TestDecisionMessageIsPrintable: a reviewer's message reaches the merchant and other
// reviewers: the plugin refuses control characters in --message before writing, and the API
// server refuses them from any client; newlines are kept (item 6 of issue 22).
func TestDecisionMessageIsPrintable(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	const ns = "text-decision"
	newApp(t, ns, "acme-gold")

	r := run(t, "alice", "reject", "acme-gold", "-n", ns, "--reason", "FilingLetterUnsealed", "--message", "fix it\x1b[2J")
	g.Expect(r.errOut).To(Equal("error: --message must be printable text: no control characters other than tab and newline, line or paragraph separators, or bidirectional controls\n"))

	alice, err := client.New(users["alice"], client.Options{Scheme: factory.Scheme})
	g.Expect(err).NotTo(HaveOccurred())
	app := getApp(t, ns, "acme-gold")
	d := qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "FilingLetterUnsealed", Message: "fix it\u202e", Generation: app.Generation}
	patch, err := decision.Patch(app.ResourceVersion, d)
	g.Expect(err).NotTo(HaveOccurred())
	err = alice.Status().Patch(ctx, app, client.RawPatch(types.MergePatchType, patch))
	g.Expect(err).To(MatchError(ContainSubstring("status.decision.message: Invalid value: " + textRule)))
	g.Expect(getApp(t, ns, "acme-gold").Status.Decision).To(BeNil())

	r = run(t, "alice", "reject", "acme-gold", "-n", ns, "--reason", "FilingLetterUnsealed", "--message", "the seal is not legible:\n\tupload a sharper photo")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(waitForPhase(t, ns, "acme-gold", qualv1.PhaseRejected).Status.Decision.Message).To(Equal("the seal is not legible:\n\tupload a sharper photo"))
}
