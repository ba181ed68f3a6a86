package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestListingLifecycle: approved → Active; a later round rejected → Suspended (kept, not
// deleted); approved again → Active; validUntil passes → Expired (D14, D20).
func TestListingLifecycle(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-listing")
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "lena")
	lena := userClient(t, "lena")
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	// No merchant sink: the sample's is unreachable here, and when the clock jumps to 2031
	// every pending retry fails at once; their NotificationFailed warnings would use up the
	// event recorder's per-object burst and crowd out the ListingExpired event this test awaits.
	app.Spec.Notify = nil
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(lena, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	listingState := func(g Gomega) qualv1.ListingState {
		l := &qualv1.ShowcaseListing{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, l)).To(Succeed())
		return l.Status.State
	}
	eventually(g, listingState).Should(Equal(qualv1.ListingActive))

	// A new round under review does not suspend the listing (renewal) ...
	app = getApp(g, ns, "gold")
	before := app.DeepCopy()
	app.Spec.Merchant.ShopName = "Acme Jewelry Official Flagship"
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(listingState(g)).To(Equal(qualv1.ListingActive))
	// ... a rejection of it does.
	g.Expect(decide(lena, app, qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "DetailsMismatch",
		Message: "the new shop name is not registered", Generation: app.Generation})).To(Succeed())
	eventually(g, listingState).Should(Equal(qualv1.ListingSuspended))
	eventually(g, func(g Gomega) {
		g.Expect(condition(getApp(g, ns, "gold"), qualv1.ConditionListed).Reason).To(Equal(qualv1.ReasonListingSuspended))
		g.Expect(events(g, ns, "gold")).To(HaveKey("ListingSuspended"))
	}).Should(Succeed())

	// Fixed and approved again: Active, with the new generation's facts.
	app = getApp(g, ns, "gold")
	before = app.DeepCopy()
	app.Spec.Merchant.ShopName = "Acme Jewelry Flagship"
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(lena, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	eventually(g, listingState).Should(Equal(qualv1.ListingActive))
	l := &qualv1.ShowcaseListing{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, l)).To(Succeed())
	g.Expect(l.Spec.ApprovedGeneration).To(Equal(app.Generation))

	// A deleted listing is made again: the approval still stands.
	g.Expect(admin.Delete(ctx, l)).To(Succeed())
	eventually(g, func(g Gomega) {
		again := &qualv1.ShowcaseListing{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, again)).To(Succeed())
		g.Expect(again.UID).NotTo(Equal(l.UID))
		g.Expect(again.Status.State).To(Equal(qualv1.ListingActive))
	}).Should(Succeed())

	// The business license ends 2031-06-30 (D20): the day after, the listing expires.
	now := clock.Now()
	clock.SetTime(time.Date(2031, 6, 30, 16, 0, 1, 0, time.UTC)) // 00:00:01 on 1 July in Shanghai
	defer clock.SetTime(now)
	touch(t, app)
	eventually(g, listingState).Should(Equal(qualv1.ListingExpired))
	eventually(g, func(g Gomega) {
		a := getApp(g, ns, "gold")
		g.Expect(condition(a, qualv1.ConditionListed).Reason).To(Equal(qualv1.ReasonListingExpired))
		g.Expect(condition(a, qualv1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
		g.Expect(events(g, ns, "gold")).To(HaveKey("ListingExpired"))
	}).Should(Succeed())
}

// TestOnlyTheOperatorWritesListings: a merchant cannot create a listing for itself.
func TestOnlyTheOperatorWritesListings(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t, "shop-forge")
	bindMerchant(t, ns, "fred")
	// Even with RBAC that allows it, the webhook refuses anyone but the operator.
	bindClusterRole(t, "reviewer_role.yaml", "nobody")
	forged := &qualv1.ShowcaseListing{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gold"},
		Spec: qualv1.ShowcaseListingSpec{ApplicationRef: qualv1.LocalObjectReference{Name: "gold"}, AppID: "wx0123456789abcdef",
			ShopName: "Fred", Category: qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}, Channel: qualv1.ChannelShop,
			ApprovedGeneration: 1, ApprovedAt: metav1.Now()}}
	g.Expect(userClient(t, "fred").Create(context.Background(), forged)).To(MatchError(ContainSubstring(`cannot create resource "showcaselistings"`)))
	err := admin.Create(context.Background(), forged)
	g.Expect(err).To(MatchError(ContainSubstring("ShowcaseListings are made by the operator when an application is approved")))
}

// TestImmutableIdentity: AppID and category never change on an existing application (D18).
func TestImmutableIdentity(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-immutable")
	sampleSecrets(t, ns)
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	for _, c := range []struct {
		mutate func(a *qualv1.CategoryApplication)
		msg    string
	}{
		{func(a *qualv1.CategoryApplication) { a.Spec.Merchant.AppID = "wx00000000000000ff" }, "appID is immutable: a different merchant is a new application (D18)"},
		{func(a *qualv1.CategoryApplication) { a.Spec.Category.Level2 = "jadeite" }, "category is immutable: a different category is a new application (D18, D1, D2)"},
	} {
		cur := getApp(g, ns, "gold")
		before := cur.DeepCopy()
		c.mutate(cur)
		g.Expect(admin.Patch(ctx, cur, client.MergeFrom(before))).To(MatchError(ContainSubstring(c.msg)))
	}
}
