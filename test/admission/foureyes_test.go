package admission_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// decideWith writes a decision with the policies alone: the client signs it and, when it
// replaces another, archives that one itself (archived), as the status webhook would.
func decideWith(g Gomega, c client.Client, app *qualv1.CategoryApplication, d func(*qualv1.CategoryApplication) *qualv1.Decision) error {
	return retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		cur := fx.Get(g, app.Namespace, app.Name)
		before := cur.DeepCopy()
		if cur.Status.Decision != nil {
			cur.Status.History = archived(cur)
		}
		cur.Status.Decision = d(cur)
		return c.Status().Patch(context.Background(), cur, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
}

// TestFourEyesWithoutWebhooks (D31) is controllers' TestFourEyesApproval with the admission
// policies alone: the first approval keeps the round under review, the same reviewer cannot
// approve again, nor anyone withdraw the pending approval; another reviewer's approval lists.
func TestFourEyesWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	policy := fixture.ReadObjects(t, fixture.Path("config", "policies", "jewelry.yaml"))[0]
	policy.SetName("jewelry-four-eyes")
	policy.Object["spec"].(map[string]any)["requiredApprovals"] = int64(2)
	g.Expect(env.Admin.Create(ctx, policy)).To(Succeed())
	t.Cleanup(func() { _ = env.Admin.Delete(context.Background(), policy) })
	fx.ClusterRole(t, "reviewer_role.yaml", "hugo")
	fx.ClusterRole(t, "reviewer_role.yaml", "ivy")
	hugo, ivy := fx.Client(t, "hugo"), fx.Client(t, "ivy")

	appID := fixture.NextAppID()
	ns := fx.Namespace(t, "shop-four-eyes", map[string]string{qualv1.AnnotationAppIDs: appID})
	fx.Secrets(t, ns)
	app := fixture.SampleApp(t, ns, "gold", appID)
	app.Spec.Category.Group = policy.GetName()
	g.Expect(env.Admin.Create(ctx, app)).To(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.Approvals).To(Equal(&qualv1.RoundApprovals{Required: 2}))

	g.Expect(decideWith(g, hugo, app, as("hugo", qualv1.VerdictApproved))).To(Succeed())
	fixture.Await(g, func(g Gomega) {
		cur := fx.Get(g, ns, "gold")
		c := meta.FindStatusCondition(cur.Status.Conditions, qualv1.ConditionUnderReview)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(qualv1.ReasonAwaitingApprovals))
		g.Expect(cur.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
	}).Should(Succeed())
	g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(app), &qualv1.ShowcaseListing{})).NotTo(Succeed(), "nothing listed yet")

	again := func(cur *qualv1.CategoryApplication) *qualv1.Decision {
		d := as("hugo", qualv1.VerdictApproved)(cur)
		d.Message = "approved again" // not the stored decision, whatever the second
		return d
	}
	g.Expect(decideWith(g, hugo, app, again)).To(MatchError(ContainSubstring(
		`user "hugo" already approved generation 1 of gold in this round (1 of 2 approvals (hugo)): its 2 approvals come from 2 different reviewers (D31)`)))
	g.Expect(decideWith(g, ivy, app, as("ivy", qualv1.VerdictWithdrawn))).To(MatchError(ContainSubstring(
		"gold is not approved (phase UnderReview) and has no Active listing: only an approved application can be withdrawn (D29)")))

	g.Expect(decideWith(g, ivy, app, as("ivy", qualv1.VerdictApproved))).To(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseApproved)
	fixture.Await(g, listingState(app)).Should(Equal(qualv1.ListingActive))
	app = fx.Get(g, ns, "gold")
	g.Expect(app.Status.Decision.Reviewer).To(Equal("ivy"))
	g.Expect(app.Status.History).To(HaveLen(1))
	g.Expect(app.Status.History[0].Decision.Reviewer).To(Equal("hugo"))
	g.Expect(app.Status.Approvals.Approvers).To(Equal([]string{"hugo", "ivy"}))
}
