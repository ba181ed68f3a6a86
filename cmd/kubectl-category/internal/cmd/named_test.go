package cmd_test

import (
	"regexp"
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestApproveNamesWhatWasLookedAt: approve refuses to run without --generation and
// --materials-digest, and says which describe command shows them, in the reviewer's namespace
// and with the connection flags they gave; describe ends with the approve command carrying
// the same flags, which approves as it is copied (D17, D19).
func TestApproveNamesWhatWasLookedAt(t *testing.T) {
	g := NewWithT(t)
	const ns = "named"
	app := newApp(t, ns, "acme-gold")

	r := run(t, "alice", "approve", "acme-gold", "-n", ns, "--context", "envtest", "--message", "looks fine")
	g.Expect(r.err).To(HaveOccurred())
	kc := r.kubeconfig
	describe := "kubectl category describe acme-gold -n named --kubeconfig " + kc + " --context envtest"
	g.Expect(r.errOut).To(Equal("error: approve needs --generation and --materials-digest: an approval names the generation and the materials digest of what you looked at (D17, D19); see them with\n" +
		"  " + describe + "\n" +
		"which ends with the command that approves what it shows\n"))

	// Without -n the namespace is the context's, and the command says which.
	r = run(t, "alice", "approve", "acme-gold", "--generation", "1")
	g.Expect(r.errOut).To(Equal("error: approve needs --materials-digest: an approval names the generation and the materials digest of what you looked at (D17, D19); see them with\n" +
		"  kubectl category describe acme-gold -n default --kubeconfig " + r.kubeconfig + "\n" +
		"which ends with the command that approves what it shows\n"))
	r = run(t, "alice", "approve", "acme-gold", "-n", ns, "--materials-digest", app.Status.MaterialsDigest)
	g.Expect(r.errOut).To(Equal("error: --materials-digest needs --generation: both come from what describe showed\n"))
	g.Expect(getApp(t, ns, "acme-gold").Status.Decision).To(BeNil(), "refused before anything was written")

	// The describe command, as printed, ends with the approve command, as copied.
	shown := runPrinted(t, describe)
	g.Expect(shown.err).NotTo(HaveOccurred())
	approve := "kubectl category approve acme-gold -n named --kubeconfig " + kc + " --context envtest --generation 1 --materials-digest " + app.Status.MaterialsDigest
	g.Expect(shown.out).To(ContainSubstring("\nTo decide what is shown: " + approve + " (or reject ... --reason R --message M)\n"))
	g.Expect(shown.out).To(MatchRegexp(`(?m)^Verify files: +` + regexp.QuoteMeta("kubectl category materials acme-gold -n named --kubeconfig "+kc+" --context envtest") + `$`))

	r = runPrinted(t, approve, "--message", "materials verified")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(ref + " approved (generation 1)\n"))
	d := waitForPhase(t, ns, "acme-gold", qualv1.PhaseApproved).Status.Decision
	g.Expect(d.Reviewer).To(Equal("alice"))
	g.Expect(d.MaterialsDigest).To(Equal(app.Status.MaterialsDigest))
}
