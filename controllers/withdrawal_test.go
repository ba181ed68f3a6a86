package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestWithdrawal walks D29 end to end: approve; the policy tightens (gold now needs an
// official flagship, D24); the approved application keeps its listing, gains
// PolicyCompliant=False with the finding, and the merchant and the reviewers are notified; a
// reviewer withdraws it: the listing is Suspended and history keeps the approval; the merchant
// fixes it: a new round; approved again: Active.
func TestWithdrawal(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	policy := createJewelryCopy(t, "jewelry-withdrawal", nil) // tightened by this test only

	ns := newNamespace(t, "shop-withdraw")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "wd-token")
	bindClusterRole(t, "reviewer_role.yaml", "wanda")
	bindClusterRole(t, "reviewer_role.yaml", "vera")
	wanda, vera := userClient(t, "wanda"), userClient(t, "vera")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Category.Group = "jewelry-withdrawal"
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(wanda, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Message: "welcome", Generation: app.Generation})).To(Succeed())
	listingState := func(g Gomega) qualv1.ListingState {
		l := &qualv1.ShowcaseListing{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, l)).To(Succeed())
		return l.Status.State
	}
	eventually(g, listingState).Should(Equal(qualv1.ListingActive))
	approvedGen := app.Generation

	// The platform tightens its standard: gold only for official flagship shops (D24, D29).
	tighten := func(types ...any) {
		cur := readObjects(t, repoPath("config", "policies", "jewelry.yaml"))[0]
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
		cur.SetName(policy.GetName())
		cur.SetResourceVersion(policy.GetResourceVersion())
		for _, s := range cur.Object["spec"].(map[string]any)["subcategories"].([]any) {
			if s := s.(map[string]any); s["id"] == "gold" {
				s["allowedShopTypes"] = types
			}
		}
		g.Expect(admin.Update(ctx, cur)).To(Succeed())
	}
	tighten("OfficialFlagship")
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		c := condition(app, qualv1.ConditionPolicyCompliant)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(qualv1.ReasonNoncompliant))
		g.Expect(app.Status.Findings).To(ContainElement(And(
			HaveField("Rule", "D24"), HaveField("Field", "spec.merchant.shopType"))))
	}).Should(Succeed())
	g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseApproved), "nothing changes for the shop until a reviewer acts (D29)")
	g.Expect(listingState(g)).To(Equal(qualv1.ListingActive))
	eventually(g, merchant.events).Should(HaveKeyWithValue(qualv1.EventPolicyNoncompliant, 1))
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "gold") }).
		Should(HaveKeyWithValue(qualv1.EventPolicyNoncompliant, 1))
	eventually(g, func(g Gomega) { g.Expect(events(g, ns, "gold")).To(HaveKey("PolicyNoncompliant")) }).Should(Succeed())

	// A reviewer withdraws it, with the same authorization as approve (D16, D29).
	withdraw := qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardTightened",
		Message: "gold now requires an official flagship shop", Generation: app.Generation}
	g.Expect(decide(vera, app, withdraw)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseWithdrawn)
	g.Expect(app.Status.Decision.Reviewer).To(Equal("vera"))
	g.Expect(app.Status.History).NotTo(BeEmpty())
	g.Expect(app.Status.History[0].Generation).To(Equal(approvedGen))
	g.Expect(app.Status.History[0].Decision).To(HaveField("Verdict", qualv1.VerdictApproved))
	g.Expect(app.Status.History[0].Decision).To(HaveField("Reviewer", "wanda"), "the withdrawn approval stays on record")
	g.Expect(condition(app, qualv1.ConditionStalled).Message).To(ContainSubstring("gold now requires an official flagship shop"))
	eventually(g, listingState).Should(Equal(qualv1.ListingSuspended))
	eventually(g, merchant.events).Should(And(
		HaveKeyWithValue(qualv1.EventWithdrawn, 1), HaveKeyWithValue(qualv1.EventListingSuspended, 1)))

	// The merchant upgrades the shop: a new round (D13), the listing stays suspended meanwhile.
	app = getApp(g, ns, "gold")
	before := app.DeepCopy()
	app.Spec.Merchant.ShopType = qualv1.ShopOfficialFlagship
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.Findings).To(BeEmpty())
	g.Expect(app.Status.History).To(HaveLen(2))
	g.Expect(app.Status.History[0].Decision).To(HaveField("Verdict", qualv1.VerdictWithdrawn))
	g.Expect(app.Status.History[1].Decision).To(HaveField("Verdict", qualv1.VerdictApproved))
	g.Expect(listingState(g)).To(Equal(qualv1.ListingSuspended))
	withdraw.Generation = app.Generation
	g.Expect(decide(vera, app, withdraw)).To(MatchError(ContainSubstring("only an approved application can be withdrawn (D29)")))

	g.Expect(decide(wanda, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	eventually(g, listingState).Should(Equal(qualv1.ListingActive))
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	g.Expect(condition(app, qualv1.ConditionPolicyCompliant).Status).To(Equal(metav1.ConditionTrue))
}
