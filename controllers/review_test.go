package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

// TestReviewCycle: submit, approve, listed and Ready (D14); submit, reject with a reason, fix,
// resubmit, approve (D13, D17). Decisions are made by a real user through the status subresource.
func TestReviewCycle(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-cycle")
	sampleSecrets(t, ns)
	bindMerchant(t, ns, "mike")
	bindClusterRole(t, "reviewer_role.yaml", "alice")
	merchant, alice := userClient(t, "mike"), userClient(t, "alice", "reviewers")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(merchant.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Annotations[qualv1.AnnotationCreatedBy]).To(Equal("mike"), "the webhook records the creator (D16)")
	g.Expect(app.Status.SubmittedAt.Time).To(BeTemporally("==", clock.Now().Truncate(time.Second)))
	// Monday 18:00 in Shanghai + 5 working days = end of next Monday, Shanghai (D5).
	g.Expect(app.Status.ReviewDeadline.Time).To(BeTemporally("==", time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)))
	// A reviewer decides next: UnderReview says so, and there is no Ready, which kstatus would read
	// as "in progress" when False (README, "Conditions and GitOps health").
	g.Expect(condition(app, qualv1.ConditionUnderReview).Reason).To(Equal(qualv1.ReasonAwaitingReview))
	g.Expect(condition(app, qualv1.ConditionReady).Status).To(Equal(metav1.ConditionStatus("Absent")))

	// A forged reviewer name is replaced by the authenticated user (D16).
	g.Expect(decide(alice, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Message: "ok", Generation: app.Generation, Reviewer: "mallory"})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	g.Expect(app.Status.Decision.Reviewer).To(Equal("alice"))
	g.Expect(app.Status.Decision.DecidedAt).NotTo(BeNil())
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(condition(app, qualv1.ConditionListed).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(condition(app, qualv1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	}).Should(Succeed())
	listing := &qualv1.ShowcaseListing{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, listing)).To(Succeed())
	g.Expect(listing.Status.State).To(Equal(qualv1.ListingActive))
	g.Expect(listing.Spec.ApprovedGeneration).To(Equal(app.Generation))
	g.Expect(listing.Spec.ValidUntil).NotTo(BeNil())
	g.Expect(string(*listing.Spec.ValidUntil)).To(Equal("2031-06-30"), "earliest validUntil of the materials (D20)")
	g.Expect(metav1.IsControlledBy(listing, app)).To(BeTrue())

	// Second application: rejected, fixed, resubmitted, approved.
	app2 := sampleApp(t, ns, "jadeite", app.Spec.Merchant.AppID, "jadeite")
	g.Expect(merchant.Create(ctx, app2)).To(Succeed())
	app2 = waitPhase(g, ns, "jadeite", qualv1.PhaseUnderReview)
	g.Expect(decide(alice, app2, qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "FilingLetterUnreadable",
		Message: "the seal is not legible", Generation: app2.Generation})).To(Succeed())
	app2 = waitPhase(g, ns, "jadeite", qualv1.PhaseRejected)
	g.Expect(condition(app2, qualv1.ConditionRejected).Reason).To(Equal("FilingLetterUnreadable"))
	g.Expect(condition(app2, qualv1.ConditionStalled).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(condition(app2, qualv1.ConditionStalled).Message).To(ContainSubstring("the seal is not legible"))
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "jadeite"}, &qualv1.ShowcaseListing{})).NotTo(Succeed(),
		"no listing before an approval")

	// Resubmission: the merchant fixes the materials (any spec change) (D13).
	before := app2.DeepCopy()
	app2.Spec.Materials[0].Files = append(app2.Spec.Materials[0].Files, qualv1.FileRef{
		URL: "https://files.acme.example/filing-letter-rescan.jpg", SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
	g.Expect(merchant.Patch(ctx, app2, client.MergeFrom(before))).To(Succeed())
	app2 = waitPhase(g, ns, "jadeite", qualv1.PhaseUnderReview)
	g.Expect(app2.Status.Decision).To(BeNil())
	g.Expect(app2.Status.History).To(HaveLen(1))
	g.Expect(app2.Status.History[0].Decision.Verdict).To(Equal(qualv1.VerdictRejected))
	g.Expect(app2.Status.History[0].Generation).To(Equal(app2.Generation - 1))
	g.Expect(app2.Status.SubmittedGeneration).To(Equal(app2.Generation))

	// D17: a decision about the old generation is refused.
	err := decide(alice, app2, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app2.Generation - 1})
	g.Expect(err).To(MatchError(ContainSubstring("changed since you looked: generation")))
	g.Expect(decide(alice, app2, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app2.Generation})).To(Succeed())
	waitPhase(g, ns, "jadeite", qualv1.PhaseApproved)
	eventually(g, func(g Gomega) { // events are recorded asynchronously
		g.Expect(events(g, ns, "jadeite")).To(And(HaveKey("Rejected"), HaveKey("Approved"), HaveKey("Submitted")))
	}).Should(Succeed())
}

// TestWhoMayDecide is the authorization matrix of D16 against real users and RBAC.
func TestWhoMayDecide(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-authz")
	sampleSecrets(t, ns)
	bindMerchant(t, ns, "maria")
	bindClusterRole(t, "reviewer_role.yaml", "maria") // a reviewer who is also the applicant
	bindClusterRole(t, "reviewer_role.yaml", "rita")
	// A reviewer of jewelry only, and one of watches only (same shape as the shipped example).
	bindClusterRole(t, "reviewer_jewelry_role.yaml", "jules")
	watchesRole := shippedRole(t, "reviewer_jewelry_role.yaml")
	watchesRole.Name = "category-reviewer-watches"
	watchesRole.Rules[2].ResourceNames = []string{"watches"}
	g.Expect(env.Grant(ctx, watchesRole, "", testenv.User("walt"))).To(Succeed())

	maria := userClient(t, "maria")
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(maria.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	approve := qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation}

	cases := []struct {
		who    client.Client
		denial string
	}{
		{userClient(t, "walt"), `user "walt" may not decide jewelry applications: needs verb "approve" on categorypolicies.qualification.channelshop.dev "jewelry"`},
		{maria, `user "maria" created this application and cannot decide it`},
		{userClient(t, "mo"), `cannot patch resource "categoryapplications/status"`}, // no RBAC at all
		{operatorClient(t), "the operator may archive a decision but never make or change one"},
	}
	for _, c := range cases {
		err := decide(c.who, app.DeepCopy(), approve)
		g.Expect(err).To(MatchError(ContainSubstring(c.denial)))
	}
	// A reviewer may touch status.decision only.
	rita := userClient(t, "rita", "reviewers")
	// (Merge patches without a resourceVersion: the operator's own writes must not turn the
	// refusal into a conflict.)
	forged := app.DeepCopy()
	forged.Status.Phase = qualv1.PhaseApproved
	g.Expect(rita.Status().Patch(ctx, forged, client.MergeFrom(app))).To(MatchError(ContainSubstring("a reviewer may set status.decision only")))

	// jules, reviewer of jewelry only, may decide; then the decision is immutable.
	jules := userClient(t, "jules")
	g.Expect(decide(jules, app.DeepCopy(), approve)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	err := decide(rita, app.DeepCopy(), qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "DetailsMismatch", Message: "m", Generation: app.Generation})
	g.Expect(err).To(MatchError(ContainSubstring("a decision is final for its generation")))
	removed := app.DeepCopy()
	removed.Status.Decision = nil
	g.Expect(rita.Status().Patch(ctx, removed, client.MergeFrom(app))).To(MatchError(ContainSubstring("a decision cannot be removed")))
}

// TestDecisionNeedsReview: no decision on an application whose requirements are unmet.
func TestDecisionNeedsReview(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-unmet")
	bindClusterRole(t, "reviewer_role.yaml", "rhea")
	app := sampleApp(t, ns, "gold", nextAppID(), "gold") // its Secrets are missing (D19)
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	err := decide(userClient(t, "rhea"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})
	g.Expect(err).To(MatchError(ContainSubstring("is not under review (phase Incomplete): its requirements are not met")))
}

// TestReviewOverdue: at the deadline with no decision, ReviewOverdue and an event (D5).
func TestReviewOverdue(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-overdue")
	sampleSecrets(t, ns)
	app := sampleApp(t, ns, "showcase", nextAppID(), "gold")
	app.Spec.Channel = qualv1.ChannelShowcase
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "showcase", qualv1.PhaseUnderReview)
	submitted := app.Status.SubmittedAt.Time
	// 7 working days for the showcase channel (D5), weekends skipped.
	g.Expect(app.Status.ReviewDeadline.Sub(submitted)).To(BeNumerically(">=", 9*24*time.Hour))
	g.Expect(condition(app, qualv1.ConditionReviewOverdue).Status).To(Equal(metav1.ConditionFalse))

	clock.SetTime(app.Status.ReviewDeadline.Add(time.Second))
	defer clock.SetTime(submitted)
	touch(t, app) // the real controller requeues at the deadline; the test clock needs a nudge
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "showcase")
		g.Expect(condition(app, qualv1.ConditionReviewOverdue).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(events(g, ns, "showcase")).To(HaveKey("ReviewOverdue"))
	}).Should(Succeed())
}

// touch makes the controller reconcile an application now (an annotation change).
func touch(t *testing.T, app *qualv1.CategoryApplication) {
	t.Helper()
	cur := &qualv1.CategoryApplication{}
	if err := admin.Get(context.Background(), client.ObjectKeyFromObject(app), cur); err != nil {
		t.Fatal(err)
	}
	before := cur.DeepCopy()
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations["test/touch"] = time.Now().Format(time.RFC3339Nano)
	if err := admin.Patch(context.Background(), cur, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
}

func operatorClient(t *testing.T) client.Client {
	t.Helper()
	c, err := client.New(env.OperatorConfig, client.Options{Scheme: testenv.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
