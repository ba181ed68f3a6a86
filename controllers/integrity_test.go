package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/filekind"
)

// approvedSample creates the sample application in a new namespace and approves it; it
// returns the application and a function reading its listing's state.
func approvedSample(t *testing.T, g Gomega, ns, reviewer string) (*qualv1.CategoryApplication, func(Gomega) qualv1.ListingState) {
	t.Helper()
	ctx := context.Background()
	ensurePolicies(t)
	newNamespace(t, ns)
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", reviewer)
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.MaterialsDigest).To(HavePrefix("sha256:"), "the round pins its Secret files (D19)")
	g.Expect(app.Status.SecretFiles).To(ContainElement(HaveField("Key", "filing-letter.jpg")))
	g.Expect(decide(userClient(t, reviewer), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	state := func(g Gomega) qualv1.ListingState {
		l := &qualv1.ShowcaseListing{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gold"}, l)).To(Succeed())
		return l.Status.State
	}
	eventually(g, state).Should(Equal(qualv1.ListingActive))
	return waitPhase(g, ns, "gold", qualv1.PhaseApproved), state
}

// TestWithdrawalDodge (D29): after approval the merchant points a file at a missing key. The
// application is Incomplete, but the listing still stands on the approval: the reviewers are
// told, queue --noncompliant lists it, and a reviewer can withdraw it; the listing is then
// Suspended. Before, both withdraw and reject were refused and the shop sold on.
func TestWithdrawalDodge(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := "shop-dodge"
	app, listing := approvedSample(t, g, ns, "wendy")

	before := app.DeepCopy()
	app.Spec.Materials[0].Files[0].SecretKeyRef.Key = "nope"
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	g.Expect(listing(g)).To(Equal(qualv1.ListingActive), "an edit alone does not take the approval away")
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		c := condition(app, qualv1.ConditionPolicyCompliant)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Message).To(ContainSubstring(`"nope"`))
	}).Should(Succeed())
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "gold") }).
		Should(HaveKeyWithValue(qualv1.EventPolicyNoncompliant, 1))

	withdraw := qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "MaterialsRemoved",
		Message: "the filing letter was removed after approval", Generation: app.Generation}
	g.Expect(decide(userClient(t, "wendy"), app, withdraw)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseWithdrawn)
	eventually(g, listing).Should(Equal(qualv1.ListingSuspended))
	g.Expect(app.Status.History[0].Decision).To(HaveField("Verdict", qualv1.VerdictApproved), "the approval stays on record")
}

// TestSecretContentIsPinned (D17, D19): an approval covers the content of the Secret files a
// reviewer saw. A change of content after approval starts a new round, as a spec change does;
// an approval naming the old content is refused.
func TestSecretContentIsPinned(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := "shop-pinned"
	app, listing := approvedSample(t, g, ns, "petra")
	approvedDigest, gen := app.Status.MaterialsDigest, app.Generation

	sec := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = filekind.JPEG("a different letter, never reviewed")
	g.Expect(admin.Update(ctx, sec)).To(Succeed())

	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
		g.Expect(app.Status.MaterialsDigest).NotTo(Equal(approvedDigest))
	}).Should(Succeed())
	g.Expect(app.Generation).To(Equal(gen), "the spec did not change")
	g.Expect(app.Status.Decision).To(BeNil())
	g.Expect(app.Status.History[0].Decision).To(HaveField("Verdict", qualv1.VerdictApproved))
	g.Expect(app.Status.History[0].MaterialsDigest).To(Equal(approvedDigest))
	g.Expect(listing(g)).To(Equal(qualv1.ListingActive), "the listing behaves as for a spec change")

	petra := userClient(t, "petra")
	stale := qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: gen, MaterialsDigest: approvedDigest}
	g.Expect(decide(petra, app, stale)).To(MatchError(ContainSubstring("the materials of gold changed since you looked")))
	g.Expect(decide(petra, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: gen, MaterialsDigest: app.Status.MaterialsDigest})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	g.Expect(app.Status.Decision.MaterialsDigest).To(Equal(app.Status.MaterialsDigest))
}

// TestSelfReviewThroughEdit (D16): a user who is both merchant and reviewer edits someone
// else's application; the API server records them as an editor and they may not decide the
// round they wrote. Another reviewer may; after that decision the list starts anew, and only
// the permission to write the application (TestWritersCannotDecide) keeps them from deciding.
func TestSelfReviewThroughEdit(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-editor")
	sampleSecrets(t, ns)
	bindMerchant(t, ns, "eddie")
	bindClusterRole(t, "reviewer_role.yaml", "eddie")
	bindClusterRole(t, "reviewer_role.yaml", "olga")
	eddie := userClient(t, "eddie")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	before := app.DeepCopy()
	app.Spec.Merchant.ShopName = "Acme Jewelry Official Flagship"
	g.Expect(eddie.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationSpecEditors, "eddie"))

	approve := qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation}
	g.Expect(decide(eddie, app, approve)).To(MatchError(ContainSubstring(`user "eddie" changed the spec of this application since its last decision`)))

	// Nobody can forge or clear the record: the API server writes it back.
	forged := app.DeepCopy()
	forged.Annotations[qualv1.AnnotationSpecEditors] = "someone-else"
	g.Expect(eddie.Patch(ctx, forged, client.MergeFrom(app))).To(Succeed())
	g.Expect(getApp(g, ns, "gold").Annotations).To(HaveKeyWithValue(qualv1.AnnotationSpecEditors, "eddie"))
	app = getApp(g, ns, "gold")

	g.Expect(decide(userClient(t, "olga"), app, approve)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	before = app.DeepCopy()
	app.Spec.Merchant.ShopName = "Acme Jewelry"
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decision.Editors(app)).NotTo(ContainElement("eddie"), "the list restarts after a decision")
	// The record no longer bars eddie from this round; his permission to write it still does,
	// until he leaves the shop.
	approve = qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation}
	g.Expect(decide(eddie, app, approve)).To(MatchError(ContainSubstring(
		`user "eddie" may update categoryapplications.qualification.channelshop.dev in namespace shop-editor and cannot decide gold`)))
	g.Expect(admin.Delete(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "category-merchant-eddie"}})).To(Succeed())
	eventually(g, func() error { return decide(eddie, app, approve) }).Should(Succeed())
}
