package cmd_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// D29: after the group's standard is revised, an approval the merchant no longer qualifies for
// shows in `queue --noncompliant`, and only then.
func TestQueueNoncompliant(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	// A group of its own, so revising its policy touches no other test.
	gems, err := jewelryPolicy()
	g.Expect(err).NotTo(HaveOccurred())
	gems.Name = "gems"
	g.Expect(admin.Create(ctx, gems)).To(Succeed())
	createApp(t, "noncompliant", "acme-gold", func(app *qualv1.CategoryApplication) { app.Spec.Category.Group = "gems" })
	waitForPhase(t, "noncompliant", "acme-gold", qualv1.PhaseUnderReview)
	g.Expect(run(t, "alice", approveArgs(t, "noncompliant", "acme-gold")...).err).NotTo(HaveOccurred())
	waitForPhase(t, "noncompliant", "acme-gold", qualv1.PhaseApproved)

	r := run(t, "alice", "queue", "-A", "--noncompliant")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).NotTo(ContainSubstring("noncompliant"), "compliant approvals are not listed")

	// The revised standard admits only official flagship shops for gold; acme is a Flagship.
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(gems), gems)).To(Succeed())
	for i := range gems.Spec.Subcategories {
		if gems.Spec.Subcategories[i].ID == "gold" {
			gems.Spec.Subcategories[i].AllowedShopTypes = []qualv1.ShopType{qualv1.ShopOfficialFlagship}
		}
	}
	g.Expect(admin.Update(ctx, gems)).To(Succeed())

	g.Eventually(func(g Gomega) {
		r := run(t, "alice", "queue", "-A", "--noncompliant")
		g.Expect(r.err).NotTo(HaveOccurred())
		g.Expect(r.out).To(MatchRegexp(`(?m)^NAMESPACE +NAME +SHOP +CATEGORY +CHANNEL +SINCE +WHY$`))
		g.Expect(r.out).To(MatchRegexp(`(?m)^noncompliant +acme-gold +Acme Jewelry Flagship +gems/gold +Shop +\d{4}-\d\d-\d\d \d\d:\d\d CST +\[D24\] spec\.merchant\.shopType: `))
	}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	g.Expect(getApp(t, "noncompliant", "acme-gold").Status.Phase).To(Equal(qualv1.PhaseApproved), "still approved until a reviewer withdraws it")

	r = run(t, "alice", "queue", "-A", "--noncompliant", "--group", "jewelry")
	g.Expect(r.out).NotTo(ContainSubstring("acme-gold"))
	r = run(t, "alice", "queue", "-A")
	g.Expect(r.out).NotTo(ContainSubstring("gems/gold"), "an approval is not in the review queue")
}
