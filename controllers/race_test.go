package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
)

// whileOperatorAway runs act with the webhooks served (every write goes through admission as
// usual) but no controller running, then starts the operator again: whatever act wrote, the
// operator first sees all at once, as when an edit lands before it reconciled a decision.
func whileOperatorAway(t *testing.T, g Gomega, act func()) {
	t.Helper()
	stopManager()
	o := managerOptions()
	o.WebhooksOnly = true
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			stopManager()
			if err := startManager(); err != nil {
				t.Error(err)
			}
		}
	})
	g.Expect(startManagerWith(o)).To(Succeed())
	act()
	stopManager()
	restarted = true
	g.Expect(startManager()).To(Succeed())
}

func listingOf(g Gomega, app *qualv1.CategoryApplication) *qualv1.ShowcaseListing {
	l := &qualv1.ShowcaseListing{}
	g.Expect(admin.Get(context.Background(), client.ObjectKeyFromObject(app), l)).To(Succeed())
	return l
}

// TestDecisionsRacingAnEdit: a decision that was valid when the API server accepted it takes
// effect for the round it was made on, even when the merchant changed the spec or a Secret
// file before the operator saw it; then the new round opens, as after any edit of a decided
// application (README, "What a listing does while a post-approval edit is open"). Before, the
// operator archived such a decision with no listing, no event and no notice, and a withdrawal
// followed (or preceded) by an edit left the listing Active.
func TestDecisionsRacingAnEdit(t *testing.T) {
	ctx := context.Background()
	ensurePolicies(t)
	setup := func(t *testing.T, g Gomega, ns, reviewer string) (*qualv1.CategoryApplication, *sink, client.Client) {
		newNamespace(t, ns)
		sampleSecrets(t, ns)
		merchant := merchantSink(t, ns, ns+"-token")
		bindClusterRole(t, "reviewer_role.yaml", reviewer)
		app := sampleApp(t, ns, "gold", nextAppID(), "gold")
		g.Expect(admin.Create(ctx, app)).To(Succeed())
		return waitPhase(g, ns, "gold", qualv1.PhaseUnderReview), merchant, userClient(t, reviewer)
	}
	edit := func(g Gomega, app *qualv1.CategoryApplication, name string) {
		cur := &qualv1.CategoryApplication{}
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(app), cur)).To(Succeed())
		before := cur.DeepCopy()
		cur.Spec.Merchant.ShopName = name
		g.Expect(admin.Patch(ctx, cur, client.MergeFrom(before))).To(Succeed())
	}

	t.Run("approval, then an edit: listed as approved, then a new round", func(t *testing.T) {
		g := NewWithT(t)
		app, merchant, rae := setup(t, g, "shop-race-edit", "rae")
		approvedName, approvedGen, approvedDigest := app.Spec.Merchant.ShopName, app.Generation, app.Status.MaterialsDigest
		whileOperatorAway(t, g, func() {
			g.Expect(decide(rae, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
			edit(g, app, "Acme Jewelry (never reviewed)")
		})
		eventually(g, func(g Gomega) {
			l := listingOf(g, app)
			g.Expect(l.Status.State).To(Equal(qualv1.ListingActive))
			g.Expect(l.Spec.ApprovedGeneration).To(Equal(approvedGen))
			g.Expect(l.Spec.ShopName).To(Equal(approvedName), "the listing says what the reviewer approved, not the edit")
		}).Should(Succeed())
		app = waitPhase(g, app.Namespace, app.Name, qualv1.PhaseUnderReview)
		g.Expect(app.Generation).To(Equal(approvedGen + 1))
		g.Expect(app.Status.Decision).To(BeNil())
		g.Expect(app.Status.History[0].Decision).To(And(HaveField("Verdict", qualv1.VerdictApproved),
			HaveField("Reviewer", "rae"), HaveField("Generation", approvedGen), HaveField("MaterialsDigest", approvedDigest)))
		g.Expect(condition(app, qualv1.ConditionListed).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(condition(app, qualv1.ConditionPolicyCompliant).Status).To(Equal(metav1.ConditionTrue), "listed on an earlier approval")
		eventually(g, func(g Gomega) {
			g.Expect(events(g, app.Namespace, app.Name)).To(And(HaveKey("Approved"), HaveKey("Listed")))
		}).Should(Succeed())
		eventually(g, merchant.events).Should(And(HaveKeyWithValue(qualv1.EventApproved, 1), HaveKeyWithValue(qualv1.EventListed, 1)))

		// The edit is a round of its own: approving it lists what it says.
		g.Expect(decide(rae, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
		eventually(g, func(g Gomega) {
			g.Expect(listingOf(g, app).Spec.ShopName).To(Equal("Acme Jewelry (never reviewed)"))
		}).Should(Succeed())
		eventually(g, merchant.events).Should(HaveKeyWithValue(qualv1.EventApproved, 2), "each approval is told, each under its own generation")
	})

	t.Run("approval, then new content in a Secret: listed, then a new round", func(t *testing.T) {
		g := NewWithT(t)
		app, _, rae := setup(t, g, "shop-race-secret", "rae")
		approvedDigest := app.Status.MaterialsDigest
		whileOperatorAway(t, g, func() {
			g.Expect(decide(rae, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
			sec := &corev1.Secret{}
			g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: "acme-gold-materials"}, sec)).To(Succeed())
			sec.Data["filing-letter.jpg"] = filekind.JPEG("a different letter, never reviewed")
			g.Expect(admin.Update(ctx, sec)).To(Succeed())
		})
		eventually(g, func(g Gomega) {
			g.Expect(listingOf(g, app).Status.State).To(Equal(qualv1.ListingActive))
			cur := getApp(g, app.Namespace, app.Name)
			g.Expect(cur.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
			g.Expect(cur.Status.MaterialsDigest).NotTo(BeEmpty())
			g.Expect(cur.Status.MaterialsDigest).NotTo(Equal(approvedDigest))
			g.Expect(cur.Status.History[0].Decision).To(HaveField("MaterialsDigest", approvedDigest))
		}).Should(Succeed())
		eventually(g, func(g Gomega) { g.Expect(events(g, app.Namespace, app.Name)).To(HaveKey("Approved")) }).Should(Succeed())
	})

	for _, order := range []string{"withdrawal, then an edit", "an edit, then a withdrawal"} {
		t.Run(order+": suspended", func(t *testing.T) {
			g := NewWithT(t)
			ns := map[string]string{"withdrawal, then an edit": "shop-race-withdraw", "an edit, then a withdrawal": "shop-race-edit-withdraw"}[order]
			app, merchant, rae := setup(t, g, ns, "rae")
			g.Expect(decide(rae, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
			eventually(g, func(g Gomega) { g.Expect(listingOf(g, app).Status.State).To(Equal(qualv1.ListingActive)) }).Should(Succeed())
			app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
			approval := app.Status.Decision.DeepCopy()
			withdraw := func() {
				w := withdrawal
				w.Generation = getApp(g, ns, "gold").Generation
				g.Expect(decide(rae, app, w)).To(Succeed())
			}
			whileOperatorAway(t, g, func() {
				if order == "withdrawal, then an edit" {
					withdraw()
					edit(g, app, "Acme Jewelry (renamed)")
				} else {
					edit(g, app, "Acme Jewelry (renamed)")
					withdraw()
				}
			})
			eventually(g, func(g Gomega) { g.Expect(listingOf(g, app).Status.State).To(Equal(qualv1.ListingSuspended)) }).Should(Succeed())
			eventually(g, merchant.events).Should(And(HaveKeyWithValue(qualv1.EventWithdrawn, 1), HaveKeyWithValue(qualv1.EventListingSuspended, 1)))
			app = getApp(g, ns, "gold")
			var approvals, withdrawals int
			for _, r := range app.Status.History {
				switch {
				case r.Decision == nil:
				case r.Decision.Verdict == qualv1.VerdictApproved:
					approvals++
					g.Expect(r.Decision).To(Equal(approval))
				case r.Decision.Verdict == qualv1.VerdictWithdrawn:
					withdrawals++
				}
			}
			if app.Status.Decision != nil && app.Status.Decision.Verdict == qualv1.VerdictWithdrawn {
				withdrawals++
			}
			g.Expect(approvals).To(Equal(1), "the approval is on record exactly once: %v", app.Status.History)
			g.Expect(withdrawals).To(Equal(1), "and so is the withdrawal")
		})
	}
}
