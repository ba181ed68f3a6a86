package cmd_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
)

// TestDescribeThenApproveWhatWasShown: describe ends with the exact command that approves what
// it showed. When the merchant replaces a file in a Secret after that, the command is refused;
// describe then marks the changed file and gives the new command (D17, D19).
func TestDescribeThenApproveWhatWasShown(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	newApp(t, "pinned", "acme-gold")
	r := run(t, "alice", approveArgs(t, "pinned", "acme-gold")...)
	g.Expect(r.err).NotTo(HaveOccurred())
	waitForPhase(t, "pinned", "acme-gold", qualv1.PhaseApproved)

	// The merchant replaces the filing letter's photo after the approval: a new round.
	sec := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: "pinned", Name: "acme-gold-materials"}, sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = filekind.JPEG("another letter")
	g.Expect(admin.Update(ctx, sec)).To(Succeed())
	app := waitForPhase(t, "pinned", "acme-gold", qualv1.PhaseUnderReview)

	r = run(t, "alice", "describe", "acme-gold", "-n", "pinned")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(MatchRegexp(`file: secret acme-gold-materials, key filing-letter\.jpg sha256:[0-9a-f]{12}… \(pinned by the operator for this round; CHANGED since the last decision\)(?: REUSED[^\n]*)?\n`))
	g.Expect(r.out).To(MatchRegexp(`file: secret acme-gold-materials, key trademark-registration\.jpg sha256:[0-9a-f]{12}… \(pinned by the operator for this round\)(?: REUSED[^\n]*)?\n`), "unchanged files are not marked")
	shown := regexp.MustCompile(`kubectl category approve acme-gold -n pinned --kubeconfig \S+ --generation 1 --materials-digest (sha256:[0-9a-f]{64})`).FindStringSubmatch(r.out)
	g.Expect(shown).To(HaveLen(2), r.out)
	g.Expect(shown[1]).To(Equal(app.Status.MaterialsDigest))

	// Another change between describe and approve: the command describe gave is refused, with
	// the command that shows what is there now.
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(sec), sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = filekind.JPEG("yet another letter")
	g.Expect(admin.Update(ctx, sec)).To(Succeed())
	var now string
	g.Eventually(func() string { now = getApp(t, "pinned", "acme-gold").Status.MaterialsDigest; return now }).ShouldNot(Equal(shown[1]))
	stale := runPrinted(t, shown[0])
	g.Expect(stale.errOut).To(Equal("error: the materials of acme-gold changed since you looked: the files in its Secrets now have digest " + now + ", not " + shown[1] +
		" (D17, D19); describe it again: kubectl category describe acme-gold -n pinned --kubeconfig " + r.kubeconfig + "\n"))

	again := runPrinted(t, strings.TrimPrefix(stale.errOut[strings.LastIndex(stale.errOut, ": kubectl "):], ": "))
	g.Expect(again.err).NotTo(HaveOccurred())
	shown = regexp.MustCompile(`kubectl category approve acme-gold -n pinned --kubeconfig \S+ --generation 1 --materials-digest sha256:[0-9a-f]{64}`).FindStringSubmatch(again.out)
	g.Expect(shown).To(HaveLen(1))
	r = runPrinted(t, shown[0])
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(waitForPhase(t, "pinned", "acme-gold", qualv1.PhaseApproved).Status.History).To(HaveLen(2),
		"the first approval, then the round whose content changed before a decision")
}
