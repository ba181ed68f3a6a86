package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// withdrawable puts the sample application, materials in a Secret, under review in a new
// namespace with reviewer bound; it returns the application and its listing's state.
func withdrawable(t *testing.T, g Gomega, ns, reviewer string) (*qualv1.CategoryApplication, func(Gomega) qualv1.ListingState) {
	t.Helper()
	ctx := context.Background()
	ensurePolicies(t)
	newNamespace(t, ns)
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", reviewer)
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Notify = nil // rounds by the dozen: no unreachable sink retrying meanwhile
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.SecretFiles).NotTo(BeEmpty(), "the materials are in a Secret")
	return app, func(g Gomega) qualv1.ListingState {
		l := &qualv1.ShowcaseListing{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, l)).To(Succeed())
		return l.Status.State
	}
}

// editShopName changes the spec as the merchant would and waits for the new round.
func editShopName(g Gomega, app *qualv1.CategoryApplication, name string) *qualv1.CategoryApplication {
	app = getApp(g, app.Namespace, app.Name)
	before := app.DeepCopy()
	app.Spec.Merchant.ShopName = name
	g.Expect(admin.Patch(context.Background(), app, client.MergeFrom(before))).To(Succeed())
	return waitPhase(g, app.Namespace, app.Name, qualv1.PhaseUnderReview)
}

var withdrawal = qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardTightened", Message: "no longer meets the standard"}

// withdrawAndCheckHistory withdraws the approval the listing stands on and checks that the
// listing is Suspended and that history only grew: the approval went to the front, every
// older record is unchanged, and only the oldest beyond MaxHistory was dropped (D13, D29).
func withdrawAndCheckHistory(t *testing.T, g Gomega, app *qualv1.CategoryApplication, reviewer string, listing func(Gomega) qualv1.ListingState) {
	t.Helper()
	app = waitPhase(g, app.Namespace, app.Name, qualv1.PhaseApproved)
	eventually(g, listing).Should(Equal(qualv1.ListingActive))
	approval, before := app.Status.Decision.DeepCopy(), app.Status.History
	w := withdrawal
	w.Generation = app.Generation
	g.Expect(decide(userClient(t, reviewer), app, w)).To(Succeed())
	app = waitPhase(g, app.Namespace, app.Name, qualv1.PhaseWithdrawn)
	eventually(g, listing).Should(Equal(qualv1.ListingSuspended))
	h := app.Status.History
	g.Expect(h).To(HaveLen(min(len(before)+1, qualv1.MaxHistory)))
	g.Expect(h[0].Decision).To(Equal(approval), "the approval is on record, as it was")
	g.Expect(h[0].Generation).To(Equal(app.Generation))
	g.Expect(h[1:]).To(Equal(before[:len(h)-1]), "older records are never rewritten")
}

// TestWithdrawSecondApproval (D29): whatever history holds, a reviewer can withdraw the
// approval an Active listing stands on. Before, the status webhook rewrote older records
// (it cleared their Secret file digests) while the admission policy requires history to be
// append-only, so a withdrawal after a second decided round was refused.
func TestWithdrawSecondApproval(t *testing.T) {
	for _, first := range []qualv1.Verdict{qualv1.VerdictApproved, qualv1.VerdictRejected} {
		t.Run(string(first)+", edited, approved", func(t *testing.T) {
			g := NewWithT(t)
			reviewer := "hanna-" + strings.ToLower(string(first))
			app, listing := withdrawable(t, g, "shop-second-"+strings.ToLower(string(first)), reviewer)
			d := qualv1.Decision{Verdict: first, Generation: app.Generation}
			if first == qualv1.VerdictRejected {
				d.Reason, d.Message = "FilingLetterUnreadable", "the seal is not legible"
			}
			g.Expect(decide(userClient(t, reviewer), app, d)).To(Succeed())
			waitPhase(g, app.Namespace, app.Name, qualv1.ApplicationPhase(first))

			app = editShopName(g, app, "Acme Jewelry Flagship Store")
			g.Expect(app.Status.History).To(HaveLen(1))
			g.Expect(app.Status.History[0].Decision).To(HaveField("Verdict", first))
			g.Expect(decide(userClient(t, reviewer), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
			withdrawAndCheckHistory(t, g, app, reviewer, listing)

			// Nobody but the operator rewrites a record already there.
			app = getApp(g, app.Namespace, app.Name)
			before := app.DeepCopy()
			app.Status.History[1].Decision.Message = "rewritten"
			err := userClient(t, reviewer).Status().Patch(context.Background(), app, client.MergeFrom(before))
			g.Expect(err).To(MatchError(ContainSubstring("status.history: Forbidden: history is append-only")))
		})
	}
}

// TestWithdrawWithHistoryFull (D29): with MaxHistory rounds on record, the withdrawal drops
// the oldest record and changes no other.
func TestWithdrawWithHistoryFull(t *testing.T) {
	g := NewWithT(t)
	app, listing := withdrawable(t, g, "shop-history-full", "hilde")
	hilde := userClient(t, "hilde")
	for i := range qualv1.MaxHistory {
		app = editShopName(g, app, fmt.Sprintf("Acme Jewelry %d", i))
	}
	g.Expect(decide(hilde, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	waitPhase(g, app.Namespace, app.Name, qualv1.PhaseApproved)
	app = editShopName(g, app, "Acme Jewelry Flagship Store")
	g.Expect(app.Status.History).To(HaveLen(qualv1.MaxHistory))
	g.Expect(decide(hilde, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	withdrawAndCheckHistory(t, g, app, "hilde", listing)
}
