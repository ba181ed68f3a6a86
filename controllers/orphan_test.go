package controllers_test

import (
	"context"
	"slices"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

// A listing stands on an approval of a live application. An application deleted with
// `--cascade=orphan` (the garbage collector removes the owner reference and keeps the
// listing), or deleted while the collector is slow or down (the owner reference names a UID
// that no longer exists), leaves a listing no approval backs: it is Suspended with reason
// ApplicationGone, kept for the record, and adopted by a re-created application of the same
// name only when that one is approved (D14).

// deletions are the ways an application goes while its listing stays: orphaned (no owner
// reference left) or stale (the owner reference names the deleted application's UID).
var deletions = []struct {
	name   string
	delete func(t *testing.T, g Gomega, app *qualv1.CategoryApplication)
}{
	{"orphan", orphanDelete},
	{"stale owner", func(t *testing.T, g Gomega, app *qualv1.CategoryApplication) {
		// Background deletion: the application goes at once. The test environment has no
		// garbage collector, so the listing keeps an owner reference to a UID that is gone,
		// as in a cluster whose collector has not caught up.
		g.Expect(admin.Delete(context.Background(), app, client.PropagationPolicy(metav1.DeletePropagationBackground))).To(Succeed())
		waitGone(g, app)
	}},
}

// TestOrphanedListingIsSuspended: the listing of a deleted application stops being Active.
func TestOrphanedListingIsSuspended(t *testing.T) {
	for i, d := range deletions {
		t.Run(d.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := newNamespace(t, []string{"shop-orphaned", "shop-stale"}[i])
			app, before := approvedWithListing(t, g, ns, "gold")
			d.delete(t, g, app)
			eventually(g, func(g Gomega) {
				l := getListing(g, ns, "gold")
				g.Expect(l.Status.State).To(Equal(qualv1.ListingSuspended))
				g.Expect(l.Status.Reason).To(Equal(qualv1.ReasonApplicationGone))
				g.Expect(meta.IsStatusConditionFalse(l.Status.Conditions, qualv1.ConditionReady)).To(BeTrue())
				// Kept, not deleted: the same object, with what was approved.
				g.Expect(l.UID).To(Equal(before.UID))
				g.Expect(l.Spec).To(Equal(before.Spec))
				g.Expect(events(g, ns, "gold")).To(HaveKey(qualv1.ReasonApplicationGone))
			}).Should(Succeed())
		})
	}
}

// TestDeletingApplicationBacksNothing: an application marked for deletion (here with the
// orphan finalizer the garbage collector has not processed yet) backs its listing no more,
// and the generation the API server bumps on deletion opens no review round.
func TestDeletingApplicationBacksNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t, "shop-deleting")
	app, _ := approvedWithListing(t, g, ns, "gold")
	approved := getApp(g, ns, "gold")
	g.Expect(admin.Delete(ctx, app, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
	eventually(g, func(g Gomega) {
		l := getListing(g, ns, "gold")
		g.Expect(metav1.IsControlledBy(l, app)).To(BeTrue(), "the collector has not orphaned it yet")
		g.Expect(l.Status.State).To(Equal(qualv1.ListingSuspended))
		g.Expect(l.Status.Reason).To(Equal(qualv1.ReasonApplicationGone))
	}).Should(Succeed())
	deleting := getApp(g, ns, "gold")
	g.Expect(deleting.DeletionTimestamp).NotTo(BeNil())
	g.Expect(deleting.Generation).To(BeNumerically(">", approved.Generation))
	g.Expect(deleting.Status).To(Equal(approved.Status), "no round opened, nothing archived")
	g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue(string(qualv1.EventSubmitted), 1))
}

// TestRecreatedApplicationAdoptsListing: an application re-created with the same name does
// not make the listing Active by existing, nor is it stuck on ListingConflict; its approval
// adopts the listing.
func TestRecreatedApplicationAdoptsListing(t *testing.T) {
	ctx := context.Background()
	for i, d := range deletions {
		t.Run(d.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := newNamespace(t, []string{"shop-adopt-orphan", "shop-adopt-stale"}[i])
			old, before := approvedWithListing(t, g, ns, "gold")
			d.delete(t, g, old)
			eventually(g, func(g Gomega) {
				g.Expect(getListing(g, ns, "gold").Status.Reason).To(Equal(qualv1.ReasonApplicationGone))
			}).Should(Succeed())

			// Re-created, under review: the listing is not its own yet and stays Suspended.
			app := sampleApp(t, ns, "gold", old.Spec.Merchant.AppID, "gold")
			app.Spec.Notify = nil
			app.Spec.Merchant.ShopName = "Acme Jewelry Official Flagship"
			eventually(g, func() error { return admin.Create(ctx, app) }).Should(Succeed()) // D1 reads a cache that may still hold the old one
			app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
			listed := condition(app, qualv1.ConditionListed)
			g.Expect(listed.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(listed.Reason).To(Equal(qualv1.ReasonListingOrphaned))
			g.Expect(listed.Message).To(ContainSubstring("an approval of this application adopts it"))
			l := getListing(g, ns, "gold")
			g.Expect(l.Status.State).To(Equal(qualv1.ListingSuspended))
			g.Expect(metav1.IsControlledBy(l, app)).To(BeFalse())
			g.Expect(l.Spec).To(Equal(before.Spec))

			// Approved: adopted, Active, with this approval's facts.
			g.Expect(decide(userClient(t, "lena"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
			eventually(g, func(g Gomega) {
				l := getListing(g, ns, "gold")
				g.Expect(l.UID).To(Equal(before.UID))
				g.Expect(metav1.GetControllerOf(l)).NotTo(BeNil())
				g.Expect(metav1.GetControllerOf(l).UID).To(Equal(app.UID))
				g.Expect(l.OwnerReferences).To(HaveLen(1), "the deleted application's reference is gone")
				g.Expect(l.Status.State).To(Equal(qualv1.ListingActive))
				g.Expect(l.Status.Reason).To(Equal(qualv1.ReasonListingActive))
				g.Expect(l.Spec.ShopName).To(Equal("Acme Jewelry Official Flagship"))
				a := getApp(g, ns, "gold")
				g.Expect(condition(a, qualv1.ConditionListed).Status).To(Equal(metav1.ConditionTrue))
				g.Expect(condition(a, qualv1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			}).Should(Succeed())
		})
	}
}

// TestOwnerlessListingExpires: expiry (D20) applies to a listing with no application: one
// past its validUntil is Expired, one within it Suspended (ApplicationGone).
func TestOwnerlessListingExpires(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t, "shop-ownerless")
	operator := shared().Operator(t)
	today := clock.Now().UTC()
	for name, validUntil := range map[string]string{
		"expired": today.AddDate(0, 0, -2).Format("2006-01-02"),
		"current": today.AddDate(1, 0, 0).Format("2006-01-02"),
	} {
		until := qualv1.Date(validUntil)
		l := &qualv1.ShowcaseListing{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: qualv1.ShowcaseListingSpec{ApplicationRef: qualv1.LocalObjectReference{Name: name}, AppID: nextAppID(),
				ShopName: "Acme", Category: qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}, Channel: qualv1.ChannelShop,
				ApprovedGeneration: 1, ApprovedAt: metav1.NewTime(today.AddDate(0, -1, 0)), ValidUntil: &until}}
		g.Expect(operator.Create(ctx, l)).To(Succeed())
	}
	eventually(g, func(g Gomega) {
		expired := getListing(g, ns, "expired")
		g.Expect(expired.Status.State).To(Equal(qualv1.ListingExpired))
		g.Expect(expired.Status.Reason).To(Equal(qualv1.ReasonListingExpired))
		current := getListing(g, ns, "current")
		g.Expect(current.Status.State).To(Equal(qualv1.ListingSuspended))
		g.Expect(current.Status.Reason).To(Equal(qualv1.ReasonApplicationGone))
	}).Should(Succeed())
}

// approvedWithListing files the sample application as name in ns, approves it and waits for
// its listing to be Active.
func approvedWithListing(t *testing.T, g Gomega, ns, name string) (*qualv1.CategoryApplication, *qualv1.ShowcaseListing) {
	t.Helper()
	ensurePolicies(t)
	sampleSecrets(t, ns)
	bindClusterRole(t, "reviewer_role.yaml", "lena")
	app := sampleApp(t, ns, name, nextAppID(), "gold")
	app.Spec.Notify = nil // no merchant sink: nothing here is about notifications
	g.Expect(admin.Create(context.Background(), app)).To(Succeed())
	app = waitPhase(g, ns, name, qualv1.PhaseUnderReview)
	g.Expect(decide(userClient(t, "lena"), app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	var l *qualv1.ShowcaseListing
	eventually(g, func(g Gomega) {
		l = getListing(g, ns, name)
		g.Expect(l.Status.State).To(Equal(qualv1.ListingActive))
		g.Expect(metav1.IsControlledBy(l, app)).To(BeTrue())
		// The listing is written before the application's status: wait for both.
		g.Expect(meta.IsStatusConditionTrue(getApp(g, ns, name).Status.Conditions, qualv1.ConditionListed)).To(BeTrue())
	}).Should(Succeed())
	return app, l
}

// orphanDelete is `kubectl delete --cascade=orphan` with the garbage collector's part done as
// it does it: the API server marks the application with the orphan finalizer; the collector
// removes the owner reference from the listing (the only change to a listing it is allowed),
// then the finalizer, and the application is gone.
func orphanDelete(t *testing.T, g Gomega, app *qualv1.CategoryApplication) {
	t.Helper()
	ctx := context.Background()
	g.Expect(admin.Delete(ctx, app, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
	gc := garbageCollector(t)
	// Both writes retry on a conflict, as the collector does: the operator writes too.
	g.Expect(retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		l := &qualv1.ShowcaseListing{}
		if err := gc.Get(ctx, client.ObjectKeyFromObject(app), l); err != nil {
			return err
		}
		orphaned := l.DeepCopy()
		orphaned.OwnerReferences = slices.DeleteFunc(orphaned.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == app.UID })
		return gc.Patch(ctx, orphaned, client.MergeFromWithOptions(l, client.MergeFromWithOptimisticLock{}))
	})).To(Succeed())
	g.Expect(retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		cur := &qualv1.CategoryApplication{}
		if err := admin.Get(ctx, client.ObjectKeyFromObject(app), cur); err != nil {
			return err
		}
		g.Expect(cur.Finalizers).To(ContainElement(metav1.FinalizerOrphanDependents))
		cur.Finalizers = slices.DeleteFunc(cur.Finalizers, func(f string) bool { return f == metav1.FinalizerOrphanDependents })
		return admin.Update(ctx, cur)
	})).To(Succeed())
	waitGone(g, app)
}

func waitGone(g Gomega, app *qualv1.CategoryApplication) {
	eventually(g, func() bool {
		err := admin.Get(context.Background(), client.ObjectKeyFromObject(app), &qualv1.CategoryApplication{})
		return apierrors.IsNotFound(err)
	}).Should(BeTrue())
}

// garbageCollector is a client as kube-controller-manager's garbage collector, with the RBAC
// it has on listings in a cluster.
func garbageCollector(t *testing.T) client.Client {
	t.Helper()
	const user = "system:serviceaccount:kube-system:generic-garbage-collector"
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-garbage-collector"}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{qualv1.GroupVersion.Group}, Resources: []string{"showcaselistings"}, Verbs: []string{"get", "update", "patch"}}}}
	if err := env.Grant(context.Background(), role, "", testenv.User(user)); err != nil {
		t.Fatal(err)
	}
	return userClient(t, user)
}

func getListing(g Gomega, ns, name string) *qualv1.ShowcaseListing {
	l := &qualv1.ShowcaseListing{}
	g.Expect(admin.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, l)).To(Succeed())
	return l
}
