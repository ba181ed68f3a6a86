package cmd_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestFourEyesWithThePlugin (D31) walks a four-eyes round as two reviewers see it with the
// plugin: the first approval leaves it under review with "1 of 2 approvals" in queue and
// describe, the same reviewer cannot approve again, a second reviewer's approval lists it, and
// describe then names both approvers. Run with -v to read what they see.
func TestFourEyesWithThePlugin(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	setRequired := func(n int32) {
		p := &qualv1.CategoryPolicy{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Name: "jewelry"}, p)).To(Succeed())
		patch := client.MergeFrom(p.DeepCopy())
		p.Spec.RequiredApprovals = n
		g.Expect(admin.Patch(ctx, p, patch)).To(Succeed())
	}
	setRequired(2)
	t.Cleanup(func() { setRequired(1) })
	// The round copies the policy's number when it starts: wait until this one has.
	newApp(t, "four-eyes", "acme-gold")
	g.Eventually(func() *qualv1.RoundApprovals { return getApp(t, "four-eyes", "acme-gold").Status.Approvals }).
		ShouldNot(BeNil())

	approve := approveArgs(t, "four-eyes", "acme-gold")
	r := run(t, "alice", approve...)
	g.Expect(r.err).NotTo(HaveOccurred(), r.errOut)
	t.Logf("alice: kubectl category %v\n%s", approve, r.out)
	g.Eventually(func() []string {
		a := getApp(t, "four-eyes", "acme-gold").Status.Approvals
		if a == nil {
			return nil
		}
		return a.Approvers
	}).Should(Equal([]string{"alice"}))
	g.Expect(getApp(t, "four-eyes", "acme-gold").Status.Phase).To(Equal(qualv1.PhaseUnderReview), "one approval of two decides nothing")

	r = run(t, "carol", "queue", "-n", "four-eyes")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(MatchRegexp(`(?m)^acme-gold .* 1 of 2 approvals \(alice\) +<none>$`))
	t.Logf("carol: kubectl category queue -n four-eyes\n%s", r.out)
	r = run(t, "carol", "describe", "acme-gold", "-n", "four-eyes")
	g.Expect(r.out).To(ContainSubstring("1 of 2 approvals (alice)"))
	t.Logf("carol: kubectl category describe acme-gold -n four-eyes\n%s", r.out)

	// The very same approval resent within its second is an idempotent retry (the webhook
	// stamps it identical to the stored one, and nothing changes); a reviewer approving again
	// later is refused.
	time.Sleep(1100 * time.Millisecond)
	r = run(t, "alice", approveArgs(t, "four-eyes", "acme-gold")...)
	g.Expect(r.err).To(HaveOccurred(), "the same reviewer approves once")
	g.Expect(r.errOut).To(ContainSubstring(`user "alice" already approved generation 1 of acme-gold in this round`))
	t.Logf("alice again:\n%s", r.errOut)

	r = run(t, "carol", approveArgs(t, "four-eyes", "acme-gold")...)
	g.Expect(r.err).NotTo(HaveOccurred(), r.errOut)
	waitForPhase(t, "four-eyes", "acme-gold", qualv1.PhaseApproved)
	r = run(t, "carol", "describe", "acme-gold", "-n", "four-eyes")
	g.Expect(r.out).To(ContainSubstring("2 of 2 approvals (alice, carol)"))
	t.Logf("carol: kubectl category describe acme-gold -n four-eyes (after her approval)\n%s", r.out)
}
