package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// fourEyesPolicy is the jewelry policy under another name, requiring two approvals (D31).
func fourEyesPolicy(t *testing.T, name string) string {
	t.Helper()
	return createJewelryCopy(t, name, func(spec map[string]any) { spec["requiredApprovals"] = int64(2) }).GetName()
}

// awaitingApprovals waits until the operator reflected a pending approval: UnderReview=True
// with reason AwaitingApprovals. The listing step ran in that same reconcile.
func awaitingApprovals(g Gomega, ns, name string) *qualv1.CategoryApplication {
	var app *qualv1.CategoryApplication
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, name)
		g.Expect(app.Status.ObservedGeneration).To(Equal(app.Generation))
		g.Expect(condition(app, qualv1.ConditionUnderReview).Reason).To(Equal(qualv1.ReasonAwaitingApprovals), "conditions: %v", app.Status.Conditions)
	}).Should(Succeed())
	return app
}

func noListing(g Gomega, app *qualv1.CategoryApplication) {
	err := admin.Get(context.Background(), client.ObjectKeyFromObject(app), &qualv1.ShowcaseListing{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no listing before the last approval: %v", err)
}

func ledgerCount(app *qualv1.CategoryApplication, e qualv1.NotificationEvent) map[int64]int {
	seqs := map[int64]int{}
	for _, r := range app.Status.Notifications {
		if r.Event == e {
			seqs[r.Seq]++
		}
	}
	return seqs
}

// TestFourEyesApproval (D31): with requiredApprovals 2 the first approval keeps the round under
// review with no listing and no Approved notification; the same reviewer cannot approve again;
// another reviewer's approval lists once and notifies once, and history holds both approvers.
func TestFourEyesApproval(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	group := fourEyesPolicy(t, "jewelry-four-eyes")
	ns := newNamespace(t, "shop-four-eyes")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "four-eyes-token")
	bindClusterRole(t, "reviewer_role.yaml", "fay")
	bindClusterRole(t, "reviewer_role.yaml", "finn")
	fay, finn := userClient(t, "fay"), userClient(t, "finn")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Category.Group = group
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.Approvals).To(Equal(&qualv1.RoundApprovals{Required: 2}), "copied from the policy as the round starts")

	g.Expect(decide(fay, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = awaitingApprovals(g, ns, "gold")
	g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
	g.Expect(condition(app, qualv1.ConditionUnderReview).Message).To(HavePrefix("1 of 2 approvals on generation 1; awaiting an approval by another reviewer"))
	g.Expect(app.Status.Approvals.Approvers).To(Equal([]string{"fay"}))
	g.Expect(condition(app, qualv1.ConditionApproved).Status).To(BeEquivalentTo("Absent"))
	g.Expect(condition(app, qualv1.ConditionReady).Status).To(BeEquivalentTo("Absent"), "kstatus Current while waiting")
	noListing(g, app)
	g.Expect(ledgerCount(app, qualv1.EventApproved)).To(BeEmpty(), "no Approved notification yet")
	g.Expect(events(g, ns, "gold")).NotTo(HaveKey(qualv1.ReasonApproved))

	// A minute later (the same approval within the same second would be the stored one: no change).
	start := clock.Now()
	defer clock.SetTime(start)
	clock.SetTime(start.Add(time.Minute))
	err := decide(fay, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring(`user "fay" already approved generation 1 of gold in this round (1 of 2 approvals (fay)): its 2 approvals come from 2 different reviewers (D31)`))

	g.Expect(decide(finn, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(condition(app, qualv1.ConditionReady).Status).To(BeEquivalentTo("True"))
	}).Should(Succeed())
	g.Expect(app.Status.Decision.Reviewer).To(Equal("finn"))
	g.Expect(app.Status.Approvals.Approvers).To(Equal([]string{"fay", "finn"}))
	g.Expect(app.Status.History).To(HaveLen(1))
	g.Expect(app.Status.History[0].Decision.Reviewer).To(Equal("fay"), "the first approval is archived with its round")
	g.Expect(app.Status.History[0].Decision.Verdict).To(Equal(qualv1.VerdictApproved))
	g.Expect(app.Status.History[0].SubmittedAt).To(Equal(app.Status.SubmittedAt))
	eventually(g, merchant.events).Should(Equal(map[qualv1.NotificationEvent]int{
		qualv1.EventSubmitted: 1, qualv1.EventApproved: 1, qualv1.EventListed: 1}))
	g.Expect(ledgerCount(app, qualv1.EventApproved)).To(HaveLen(1), "one Approved event")
	eventually(g, func(g Gomega) { g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue(qualv1.ReasonApproved, 1)) }).Should(Succeed())

	// A third approval is a decision of a decided round (D17).
	bindClusterRole(t, "reviewer_role.yaml", "flo")
	err = decide(userClient(t, "flo"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})
	g.Expect(err).To(MatchError(ContainSubstring("was already approved by finn")))
}

// TestFourEyesRejectionAndEdit (D31): a rejection after one approval ends the round; an edit
// between approvals starts a new round with no approvals, and the pending approval never
// takes effect.
func TestFourEyesRejectionAndEdit(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	group := fourEyesPolicy(t, "jewelry-four-eyes-reject")
	ns := newNamespace(t, "shop-four-eyes-reject")
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "gus")
	bindClusterRole(t, "reviewer_role.yaml", "gwen")
	gus, gwen := userClient(t, "gus"), userClient(t, "gwen")

	for _, name := range []string{"rejected", "edited"} {
		app := sampleApp(t, ns, name, nextAppID(), "gold")
		app.Spec.Category.Group = group
		g.Expect(admin.Create(ctx, app)).To(Succeed())
	}

	app := waitPhase(g, ns, "rejected", qualv1.PhaseUnderReview)
	g.Expect(decide(gus, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = awaitingApprovals(g, ns, "rejected")
	// A pending approval is not approved: nothing to withdraw (D29).
	err := decide(gwen, app, qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "Changed", Message: "m", Generation: app.Generation})
	g.Expect(err).To(MatchError(ContainSubstring("is not approved (phase UnderReview) and has no Active listing")))
	g.Expect(decide(gwen, app, qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "FilingLetterUnsealed", Message: "the seal is not legible",
		Generation: app.Generation})).To(Succeed())
	app = waitPhase(g, ns, "rejected", qualv1.PhaseRejected)
	noListing(g, app)
	g.Expect(app.Status.History).To(HaveLen(1))
	g.Expect(app.Status.History[0].Decision.Reviewer).To(Equal("gus"))
	g.Expect(ledgerCount(app, qualv1.EventApproved)).To(BeEmpty())
	err = decide(gwen, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})
	g.Expect(err).To(MatchError(ContainSubstring("was already rejected by gwen")), "the rejection ended the round")

	app = waitPhase(g, ns, "edited", qualv1.PhaseUnderReview)
	g.Expect(decide(gus, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = awaitingApprovals(g, ns, "edited")
	before := app.DeepCopy()
	app.Spec.Merchant.ShopName += " (renamed)"
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "edited")
		g.Expect(app.Status.SubmittedGeneration).To(Equal(int64(2)))
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
	}).Should(Succeed())
	g.Expect(app.Status.Decision).To(BeNil())
	g.Expect(app.Status.Approvals).To(Equal(&qualv1.RoundApprovals{Required: 2}), "a new round starts with no approvals")
	g.Expect(app.Status.History[0].Decision.Reviewer).To(Equal("gus"))
	noListing(g, app)
	// gus's approval was of generation 1: gwen's approval of generation 2 is its first.
	g.Expect(decide(gwen, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = awaitingApprovals(g, ns, "edited")
	g.Expect(app.Status.Approvals.Approvers).To(Equal([]string{"gwen"}))
	noListing(g, app)
	g.Expect(ledgerCount(app, qualv1.EventApproved)).To(BeEmpty())
}
