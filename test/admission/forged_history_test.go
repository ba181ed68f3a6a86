package admission_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// editShop changes the spec as the merchant and waits for the new round.
func editShop(t *testing.T, g Gomega, c client.Client, ns, name, shop string) *qualv1.CategoryApplication {
	t.Helper()
	g.Expect(retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		cur := fx.Get(g, ns, name)
		cur.Spec.Merchant.ShopName = shop
		return c.Update(context.Background(), cur)
	})).To(Succeed())
	return fx.WaitPhase(g, ns, name, qualv1.PhaseUnderReview)
}

// TestForgedHistoryRefusedWithoutWebhooks (found by a red-team review of issue 22): with only
// the admission policies, a withdrawal that replaces status.history with one forged record
// (another generation and digest, backdated), wiping every earlier round, is refused: history
// is append-only (D13). The withdrawer is the merchant, who also holds a reviewer role (a
// withdrawal is not separated, D16).
func TestForgedHistoryRefusedWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "rt-maria") // merchant who also holds a reviewer role
	fx.ClusterRole(t, "reviewer_role.yaml", "rt-rita")
	app := underReview(t, g, "shop-rt-history", "rt-maria")
	ns, name := app.Namespace, app.Name
	maria, rita := fx.Client(t, "rt-maria"), fx.Client(t, "rt-rita")

	// Round 1 approved, round 2 rejected, round 3 approved: two rounds in history.
	g.Expect(fx.Decide(rita, app, as("rt-rita", qualv1.VerdictApproved))).To(Succeed())
	fx.WaitPhase(g, ns, name, qualv1.PhaseApproved)
	app = editShop(t, g, maria, ns, name, "Edited Shop Two")
	g.Expect(fx.Decide(rita, app, as("rt-rita", qualv1.VerdictRejected))).To(Succeed())
	fx.WaitPhase(g, ns, name, qualv1.PhaseRejected)
	app = editShop(t, g, maria, ns, name, "Edited Shop Three")
	g.Expect(fx.Decide(rita, app, as("rt-rita", qualv1.VerdictApproved))).To(Succeed())
	app = fx.WaitPhase(g, ns, name, qualv1.PhaseApproved)
	g.Expect(len(app.Status.History)).To(BeNumerically(">=", 2), "history before: %+v", app.Status.History)
	t.Logf("history before the withdrawal: %d records", len(app.Status.History))

	// maria withdraws her own approval and sends a history of one forged record.
	err := retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		cur := fx.Get(g, ns, name)
		before := cur.DeepCopy()
		old := cur.Status.Decision.DeepCopy()
		now := metav1.Now()
		cur.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reviewer: "rt-maria", DecidedAt: &now,
			Generation: cur.Generation, Reason: "Changed", Message: "x"}
		long := metav1.NewTime(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
		cur.Status.History = []qualv1.ReviewRecord{{Generation: 42, Decision: old, ArchivedAt: &long, SubmittedAt: &long,
			MaterialsDigest: "sha256:forged"}}
		return maria.Status().Patch(ctx, cur, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
	g.Expect(err).To(MatchError(ContainSubstring("history is append-only")))
	after := fx.Get(g, ns, name)
	g.Expect(after.Status.History).To(Equal(app.Status.History), "history unchanged")
	g.Expect(after.Status.Decision.Verdict).To(Equal(qualv1.VerdictApproved))
}
