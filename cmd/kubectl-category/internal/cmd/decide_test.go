package cmd_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/decide"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
)

const ref = "categoryapplication.qualification.channelshop.dev/acme-gold"

func TestApproveThenWithdraw(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "approve", "acme-gold")

	r := run(t, "alice", approveArgs(t, "approve", "acme-gold", "--message", "materials verified")...)
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(ref + " approved (generation 1)\n"))
	app := waitForPhase(t, "approve", "acme-gold", qualv1.PhaseApproved)
	d := app.Status.Decision
	g.Expect(d.Verdict).To(Equal(qualv1.VerdictApproved))
	g.Expect(d.Reviewer).To(Equal("alice"), "recorded by the server from the authenticated user (D16)")
	g.Expect(d.DecidedAt).NotTo(BeNil())
	g.Expect(d.Message).To(Equal("materials verified"))
	g.Expect(d.Generation).To(Equal(int64(1)))
	g.Expect(meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionApproved)).To(BeTrue())

	// Approving twice, or rejecting an approval, is refused before anything is written.
	for _, args := range [][]string{
		approveArgs(t, "approve", "acme-gold"),
		{"reject", "acme-gold", "-n", "approve", "--reason", "FilingLetterUnsealed", "--message", "m"},
	} {
		r = run(t, "alice", args...)
		g.Expect(r.err).To(HaveOccurred())
		g.Expect(r.errOut).To(HavePrefix("error: generation 1 of acme-gold was already approved by alice; a decision is final for its generation (D17)"))
	}
	g.Expect(getApp(t, "approve", "acme-gold").Status.Decision).To(Equal(d))

	r = run(t, "alice", "queue", "-n", "approve", "--noncompliant")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(BeEmpty(), "a compliant approval is not listed")
	g.Expect(r.errOut).To(Equal("No noncompliant approved applications in namespace approve.\n"))

	r = run(t, "alice", "withdraw", "acme-gold", "-n", "approve", "--message", "m")
	g.Expect(r.err).To(MatchError(ContainSubstring("--reason is required")))

	r = run(t, "alice", "withdraw", "acme-gold", "-n", "approve", "--reason", "StandardRevised", "--message", "only official flagship shops from now on")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(ref + " withdrawn (generation 1)\n"))
	app = waitForPhase(t, "approve", "acme-gold", qualv1.PhaseWithdrawn)
	g.Expect(app.Status.Decision.Verdict).To(Equal(qualv1.VerdictWithdrawn))
	g.Expect(app.Status.Decision.Reason).To(Equal("StandardRevised"))
	g.Expect(app.Status.Decision.Reviewer).To(Equal("alice"))

	r = run(t, "alice", "withdraw", "acme-gold", "-n", "approve", "--reason", "StandardRevised", "--message", "again")
	g.Expect(r.errOut).To(Equal("error: generation 1 of acme-gold was already withdrawn by alice\n"))
	r = run(t, "alice", approveArgs(t, "approve", "acme-gold")...)
	g.Expect(r.errOut).To(HavePrefix("error: generation 1 of acme-gold was already withdrawn by alice"))
}

func TestReject(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "reject", "acme-gold")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--message", "the seal is not legible"}, "error: --reason is required: a CamelCase reason automation can match on, e.g. FilingLetterUnreadable\n"},
		{[]string{"--reason", "filing letter unreadable", "--message", "m"},
			"error: --reason \"filing letter unreadable\" is not CamelCase: start with a capital letter and use only letters and digits, e.g. --reason FilingLetterUnreadable (put the explanation in --message)\n"},
		{[]string{"--reason", "filingLetterUnreadable", "--message", "m"}, "error: --reason \"filingLetterUnreadable\" is not CamelCase"},
		{[]string{"--reason", "FilingLetterUnreadable"}, "error: --message is required: tell the merchant what is wrong and what to fix (D13)\n"},
	} {
		r := run(t, "alice", append([]string{"reject", "acme-gold", "-n", "reject"}, tc.args...)...)
		g.Expect(r.err).To(HaveOccurred())
		g.Expect(r.errOut).To(HavePrefix(tc.want))
	}
	g.Expect(getApp(t, "reject", "acme-gold").Status.Decision).To(BeNil(), "refused locally: nothing written")

	r := run(t, "alice", "reject", "acme-gold", "-n", "reject", "--reason", "FilingLetterUnreadable", "--message", "the seal is not legible; upload a sharper photo")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(ref + " rejected (generation 1)\n"))
	app := waitForPhase(t, "reject", "acme-gold", qualv1.PhaseRejected)
	g.Expect(app.Status.Decision).To(PointTo(MatchFields(IgnoreExtras, Fields{
		"Verdict": Equal(qualv1.VerdictRejected), "Reason": Equal("FilingLetterUnreadable"),
		"Message": Equal("the seal is not legible; upload a sharper photo"), "Reviewer": Equal("alice"), "Generation": Equal(int64(1)),
	})))
	c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionRejected)
	g.Expect(c.Reason).To(Equal("FilingLetterUnreadable"))
}

// bob may read and write status (RBAC) but lacks "approve" on the category group: the
// webhook refuses, and the plugin prints the server's message as it is.
func TestApproveWithoutPermission(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "forbidden", "acme-gold")

	r := run(t, "bob", approveArgs(t, "forbidden", "acme-gold")...)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.out).To(BeEmpty())
	g.Expect(r.errOut).To(HavePrefix("Error from server (Forbidden): "))
	g.Expect(r.errOut).To(ContainSubstring(`user "bob" may not decide jewelry applications: needs verb "approve" on categorypolicies.qualification.channelshop.dev "jewelry" (D16)`))
	g.Expect(getApp(t, "forbidden", "acme-gold").Status.Decision).To(BeNil())
}

// A decision applies to the generation the reviewer looked at (D17).
func TestStaleGeneration(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	newApp(t, "stale", "acme-gold")

	// The merchant changes the application between our read and our write: the write
	// conflicts, the re-read sees generation 2, and the plugin refuses instead of retrying
	// its way into approving something nobody looked at.
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	f := factory.New(streams.ErrOut)
	kc, ns := kubeconfig(t, "alice"), "stale"
	f.ConfigFlags.KubeConfig, f.ConfigFlags.Namespace = &kc, &ns
	changes := 0
	shown := getApp(t, "stale", "acme-gold")
	o := &decide.Options{IOStreams: streams, Factory: f, Verdict: qualv1.VerdictApproved, Name: "acme-gold",
		Generation: shown.Generation, MaterialsDigest: shown.Status.MaterialsDigest, BeforeWrite: func(ctx context.Context) error {
			if changes++; changes > 1 {
				return nil
			}
			app := getApp(t, "stale", "acme-gold")
			pp := &app.Spec.Materials[6]
			pp.MonthlySalesCNY = append([]int64{1300000}, pp.MonthlySalesCNY...)
			return admin.Update(ctx, app)
		}}
	err := o.Run(ctx)
	g.Expect(err).To(MatchError("acme-gold changed since you looked: generation 1 → 2 (D17); describe it again: kubectl category describe acme-gold -n stale --kubeconfig " + kc))
	g.Expect(changes).To(Equal(1), "the refusal comes from the re-read after the conflict")
	g.Expect(getApp(t, "stale", "acme-gold").Status.Decision).To(BeNil())

	// --generation names what the reviewer looked at in describe.
	waitForPhase(t, "stale", "acme-gold", qualv1.PhaseUnderReview)
	digest := getApp(t, "stale", "acme-gold").Status.MaterialsDigest
	r := run(t, "alice", "approve", "acme-gold", "-n", "stale", "--generation", "1", "--materials-digest", digest)
	g.Expect(r.errOut).To(Equal("error: acme-gold changed since you looked: generation 1 → 2 (D17); describe it again: kubectl category describe acme-gold -n stale --kubeconfig " + r.kubeconfig + "\n"))
	r = run(t, "alice", "approve", "acme-gold", "-n", "stale", "--generation", "2")
	g.Expect(r.errOut).To(HavePrefix("error: approve needs --materials-digest: "),
		"a pinned generation without the pinned content is refused: --materials-digest too")
	r = run(t, "alice", "approve", "acme-gold", "-n", "stale", "--generation", "2", "--materials-digest", digest)
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(ref + " approved (generation 2)\n"))
	app := waitForPhase(t, "stale", "acme-gold", qualv1.PhaseApproved)
	g.Expect(app.Status.Decision.Generation).To(Equal(int64(2)))
	g.Expect(app.Status.History).NotTo(BeEmpty())
	g.Expect(app.Status.History[0].Generation).To(Equal(int64(1)))
}
