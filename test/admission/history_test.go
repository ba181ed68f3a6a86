package admission_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// listingState reads the state of the application's listing.
func listingState(app *qualv1.CategoryApplication) func(Gomega) qualv1.ListingState {
	return func(g Gomega) qualv1.ListingState {
		l := &qualv1.ShowcaseListing{}
		g.Expect(env.Admin.Get(context.Background(), client.ObjectKeyFromObject(app), l)).To(Succeed())
		return l.Status.State
	}
}

// approveAndList approves the current round as reviewer and waits for the Active listing.
func approveAndList(g Gomega, app *qualv1.CategoryApplication, reviewer client.Client, name string) *qualv1.CategoryApplication {
	g.Expect(fx.Decide(reviewer, app, as(name, qualv1.VerdictApproved))).To(Succeed())
	app = fx.WaitPhase(g, app.Namespace, app.Name, qualv1.PhaseApproved)
	fixture.Await(g, listingState(app)).Should(Equal(qualv1.ListingActive))
	return app
}

// withdrawWith sends a withdrawal with the policies alone: the client writes history itself,
// as history(cur) says, from the application as it is now. Conflicts (the operator writes
// status too) are retried; refusals are returned.
func withdrawWith(g Gomega, c client.Client, reviewer string, app *qualv1.CategoryApplication, history func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord) error {
	return retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		cur := fx.Get(g, app.Namespace, app.Name)
		before := cur.DeepCopy()
		cur.Status.History = history(cur)
		cur.Status.Decision = as(reviewer, qualv1.VerdictWithdrawn)(cur)
		return c.Status().Patch(context.Background(), cur, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
}

// archived is history as the status webhook writes it when a decision replaces another: the
// replaced decision at the front with its round, every older record as it was, the oldest
// dropped beyond MaxHistory.
func archived(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord {
	st := cur.Status.DeepCopy()
	st.ArchiveDecision(metav1.Now())
	return st.History
}

const appendOnly = "status.history: Forbidden: history is append-only"

// TestWithdrawSecondApprovalWithoutWebhooks (D13, D29) is controllers' TestWithdrawSecondApproval
// with the admission policies alone: after approve → edit → approve, a reviewer who archives
// the approval as the status webhook does may withdraw it; a withdrawal that loses the
// approval, or changes any older record, is refused.
func TestWithdrawSecondApprovalWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "hugo")
	hugo := fx.Client(t, "hugo")
	app := underReview(t, g, "shop-second-approval", "hal")
	app = approveAndList(g, app, hugo, "hugo")

	cur := fx.Get(g, app.Namespace, app.Name)
	before := cur.DeepCopy()
	cur.Spec.Merchant.ShopName += " (renamed)"
	g.Expect(fx.Client(t, "hal").Patch(ctx, cur, client.MergeFrom(before))).To(Succeed())
	app = fx.WaitPhase(g, app.Namespace, app.Name, qualv1.PhaseUnderReview)
	g.Expect(app.Status.History).To(HaveLen(1))
	app = approveAndList(g, app, hugo, "hugo")
	approval, older := app.Status.Decision.DeepCopy(), app.Status.History

	for name, history := range map[string]func(*qualv1.CategoryApplication) []qualv1.ReviewRecord{
		"the approval is lost": func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord { return cur.Status.History },
		"an older record rewritten": func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord {
			h := archived(cur)
			h[1].MaterialsDigest = someDigest
			return h
		},
		"an older record dropped": func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord { return archived(cur)[:1] },
		"the approval's round forged": func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord {
			h := archived(cur)
			h[0].SubmittedAt = ptr(metav1.NewTime(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)))
			return h
		},
	} {
		g.Expect(withdrawWith(g, hugo, "hugo", app, history)).To(MatchError(ContainSubstring(appendOnly)), name)
	}
	g.Expect(withdrawWith(g, hugo, "hugo", app, archived)).To(Succeed())
	app = fx.WaitPhase(g, app.Namespace, app.Name, qualv1.PhaseWithdrawn)
	fixture.Await(g, listingState(app)).Should(Equal(qualv1.ListingSuspended))
	g.Expect(app.Status.History).To(HaveLen(len(older) + 1))
	g.Expect(app.Status.History[0].Decision).To(Equal(approval))
	g.Expect(app.Status.History[1:]).To(Equal(older))
}

// TestWithdrawWithHistoryFullWithoutWebhooks (D29): with MaxHistory records, the withdrawal
// archives the approval and drops the oldest record, and nothing more.
func TestWithdrawWithHistoryFullWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "hedy")
	hedy := fx.Client(t, "hedy")
	app := underReview(t, g, "shop-history-full", "hank")
	app = approveAndList(g, app, hedy, "hedy")

	// MaxHistory earlier rounds on record, as the operator keeps them.
	g.Expect(retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		cur := fx.Get(g, app.Namespace, app.Name)
		before := cur.DeepCopy()
		cur.Status.History = nil
		for i := range qualv1.MaxHistory {
			at := metav1.NewTime(time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC))
			cur.Status.History = append(cur.Status.History, qualv1.ReviewRecord{Generation: 1, SubmittedAt: &at, ArchivedAt: &at,
				MaterialsDigest: someDigest})
		}
		return fx.Operator(t).Status().Patch(ctx, cur, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})).To(Succeed())
	app = fx.Get(g, app.Namespace, app.Name)
	older := app.Status.History
	g.Expect(older).To(HaveLen(qualv1.MaxHistory))

	twoDropped := func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord { h := archived(cur); return h[:len(h)-1] }
	g.Expect(withdrawWith(g, hedy, "hedy", app, twoDropped)).To(MatchError(ContainSubstring(appendOnly)))
	g.Expect(withdrawWith(g, hedy, "hedy", app, archived)).To(Succeed())
	fixture.Await(g, listingState(app)).Should(Equal(qualv1.ListingSuspended))
	app = fx.Get(g, app.Namespace, app.Name)
	g.Expect(app.Status.History).To(HaveLen(qualv1.MaxHistory))
	g.Expect(app.Status.History[0].Decision).To(HaveField("Verdict", qualv1.VerdictApproved))
	g.Expect(app.Status.History[1:]).To(Equal(older[:qualv1.MaxHistory-1]))
}

// TestApprovedAtIsTheOperatorsTime: with the policies alone nobody stamps decidedAt, so it is
// whatever the client sent; the operator dates the listing by its own clock, when the
// approval takes effect.
func TestApprovedAtIsTheOperatorsTime(t *testing.T) {
	g := NewWithT(t)
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "tessa")
	app := underReview(t, g, "shop-approved-at", "tom")
	backdated := metav1.NewTime(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	start := time.Now().Truncate(time.Second)
	g.Expect(fx.Decide(fx.Client(t, "tessa"), app, func(cur *qualv1.CategoryApplication) *qualv1.Decision {
		d := as("tessa", qualv1.VerdictApproved)(cur)
		d.DecidedAt = &backdated
		return d
	})).To(Succeed())
	fixture.Await(g, listingState(app)).Should(Equal(qualv1.ListingActive))
	end := time.Now()
	l := &qualv1.ShowcaseListing{}
	g.Expect(env.Admin.Get(context.Background(), client.ObjectKeyFromObject(app), l)).To(Succeed())
	g.Expect(fx.Get(g, app.Namespace, app.Name).Status.Decision.DecidedAt.Time).To(BeTemporally("==", backdated.Time), "the client's claim, kept as sent")
	g.Expect(l.Spec.ApprovedAt.Time).To(BeTemporally(">=", start))
	g.Expect(l.Spec.ApprovedAt.Time).To(BeTemporally("<=", end))

	// Later reconciles keep the date. A second on, the standard tightens (gold only for official
	// flagships, D24, D29): the operator re-evaluates the approved application, which turns
	// PolicyCompliant=False, and approvedAt stays what it was.
	approvedAt := l.Spec.ApprovedAt
	time.Sleep(time.Until(approvedAt.Add(1100 * time.Millisecond)))
	t.Cleanup(func() { fx.Policies(t) })
	jewelry := fixture.ReadObjects(t, fixture.Path("config", "policies", "jewelry.yaml"))[0]
	for _, sub := range jewelry.Object["spec"].(map[string]any)["subcategories"].([]any) {
		if sub := sub.(map[string]any); sub["id"] == "gold" {
			sub["allowedShopTypes"] = []any{"OfficialFlagship"}
		}
	}
	g.Expect(env.Apply(context.Background(), jewelry)).To(Succeed())
	fixture.Await(g, func(g Gomega) {
		c := meta.FindStatusCondition(fx.Get(g, app.Namespace, app.Name).Status.Conditions, qualv1.ConditionPolicyCompliant)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
	}).Should(Succeed())
	g.Expect(env.Admin.Get(context.Background(), client.ObjectKeyFromObject(app), l)).To(Succeed())
	g.Expect(l.Spec.ApprovedAt).To(Equal(approvedAt))
}
