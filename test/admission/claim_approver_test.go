package admission_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// TestApproverMayNotClaimWithoutWebhooks (red team 8): in a group that needs three
// approvals, the first approver, archived to history by the second approval, may not claim the
// round: the claim would refuse the third reviewer's approval while its holder cannot approve
// again. The admission policy refuses it (the webhook through decision.MayClaim).
func TestApproverMayNotClaimWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	policy := fixture.ReadObjects(t, fixture.Path("config", "policies", "jewelry.yaml"))[0]
	policy.SetName("jewelry-six-eyes")
	policy.Object["spec"].(map[string]any)["requiredApprovals"] = int64(3)
	g.Expect(env.Admin.Create(ctx, policy)).To(Succeed())
	t.Cleanup(func() { _ = env.Admin.Delete(context.Background(), policy) })
	for _, u := range []string{"rt8a", "rt8b", "rt8c"} {
		fx.ClusterRole(t, "reviewer_role.yaml", u)
	}
	a, b, c := fx.Client(t, "rt8a"), fx.Client(t, "rt8b"), fx.Client(t, "rt8c")

	appID := fixture.NextAppID()
	ns := fx.Namespace(t, "shop-rt8-six-eyes", map[string]string{qualv1.AnnotationAppIDs: appID})
	fx.Secrets(t, ns)
	app := fixture.SampleApp(t, ns, "gold", appID)
	app.Spec.Category.Group = policy.GetName()
	g.Expect(env.Admin.Create(ctx, app)).To(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.Approvals).To(Equal(&qualv1.RoundApprovals{Required: 3}))

	g.Expect(decideWith(g, a, app, as("rt8a", qualv1.VerdictApproved))).To(Succeed())
	g.Expect(decideWith(g, b, app, as("rt8b", qualv1.VerdictApproved))).To(Succeed())
	fixture.Await(g, func(g Gomega) {
		cur := fx.Get(g, ns, "gold")
		u := meta.FindStatusCondition(cur.Status.Conditions, qualv1.ConditionUnderReview)
		g.Expect(u).NotTo(BeNil())
		g.Expect(u.Reason).To(Equal(qualv1.ReasonAwaitingApprovals))
		g.Expect(cur.Status.Approvals.Approvers).To(Equal([]string{"rt8a", "rt8b"}))
	}).Should(Succeed())

	g.Expect(fx.Claim(a, app, fixture.ClaimFor("rt8a", time.Now, time.Hour))).To(MatchError(ContainSubstring(
		`user "rt8a" already approved generation 1 of gold in this round (2 of 3 approvals (rt8a, rt8b))`)),
		"the first approver's claim would block rt8c's approval, the one the round still needs")
	g.Expect(fx.Claim(c, app, fixture.ClaimFor("rt8c", time.Now, time.Hour))).To(Succeed(), "the third reviewer may claim it")
}
