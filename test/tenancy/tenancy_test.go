package tenancy_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

const appIDsAnnotation = "the Namespace annotation qualification.channelshop.dev/app-ids"

// TestAppIDsBelongToNamespaces: an application may name only an AppID its namespace was
// assigned; with --require-namespace-app-ids a namespace without the annotation applies for none.
func TestAppIDsBelongToNamespaces(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	ns := fx.Namespace(t, "shop-own", map[string]string{qualv1.AnnotationAppIDs: "wx00000000000000c1,wx00000000000000c2"})
	fx.Merchant(t, ns, "mia")
	mia := fx.Client(t, "mia")

	err := mia.Create(ctx, fixture.SampleApp(t, ns, "squat", "wx00000000000000d1"))
	g.Expect(err).To(MatchError(ContainSubstring("spec.merchant.appID")))
	g.Expect(err).To(MatchError(ContainSubstring("namespace shop-own is not assigned AppID wx00000000000000d1: the platform team assigns AppIDs to namespaces in " + appIDsAnnotation + " (D4)")))
	g.Expect(mia.Create(ctx, fixture.SampleApp(t, ns, "own", "wx00000000000000c2"))).To(Succeed())

	bare := fx.Namespace(t, "shop-bare", nil)
	err = env.Admin.Create(ctx, fixture.SampleApp(t, bare, "any", "wx00000000000000c1"))
	g.Expect(err).To(MatchError(ContainSubstring("namespace shop-bare is assigned no AppIDs: the platform team assigns AppIDs to namespaces in " + appIDsAnnotation + ", and this cluster requires it (D4)")))
}

// TestDuplicateAcrossNamespaces: D1 still refuses a second application for the same shop and
// category, but names the first one only to its own namespace.
func TestDuplicateAcrossNamespaces(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	const appID = "wx00000000000000e1"
	// The platform team assigned the AppID to two namespaces (a mistake, or a shop with two teams).
	first := fx.Namespace(t, "shop-first", map[string]string{qualv1.AnnotationAppIDs: appID})
	second := fx.Namespace(t, "shop-second", map[string]string{qualv1.AnnotationAppIDs: appID})
	g.Expect(env.Admin.Create(ctx, fixture.SampleApp(t, first, "gold-original", appID))).To(Succeed())
	fx.WaitPhase(g, first, "gold-original", qualv1.PhaseIncomplete) // in the cache the webhook reads

	err := env.Admin.Create(ctx, fixture.SampleApp(t, second, "gold", appID))
	g.Expect(err).To(MatchError(ContainSubstring("another namespace already applies for shop " + appID + " and this category: one application per shop and category (D1)")))
	g.Expect(err).To(MatchError(ContainSubstring("ask the platform team")))
	g.Expect(err.Error()).NotTo(ContainSubstring("shop-first"))
	g.Expect(err.Error()).NotTo(ContainSubstring("gold-original"))

	err = env.Admin.Create(ctx, fixture.SampleApp(t, first, "gold-again", appID))
	g.Expect(err).To(MatchError(ContainSubstring("shop-first/gold-original already applies for shop " + appID + " and this category")))
}

// TestGarbageCollectorOrphansListing: `kubectl delete --cascade=orphan` of an application has
// the garbage collector remove the listing's owner reference; the webhook (and the policy) let
// it, and only that.
func TestGarbageCollectorOrphansListing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	const appID = "wx00000000000000f1"
	ns := fx.Namespace(t, "shop-orphan", map[string]string{qualv1.AnnotationAppIDs: appID})
	app := fixture.SampleApp(t, ns, "gold", appID)
	g.Expect(env.Admin.Create(ctx, app)).To(Succeed())

	// The operator's listing, as it makes one on approval (the test acts as the operator).
	listing := &qualv1.ShowcaseListing{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gold", OwnerReferences: []metav1.OwnerReference{{
			APIVersion: qualv1.GroupVersion.String(), Kind: "CategoryApplication", Name: app.Name, UID: app.UID,
			Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}},
		Spec: qualv1.ShowcaseListingSpec{ApplicationRef: qualv1.LocalObjectReference{Name: app.Name}, AppID: appID,
			ShopName: app.Spec.Merchant.ShopName, Category: app.Spec.Category, Channel: app.Spec.Channel,
			ApprovedGeneration: 1, ApprovedAt: metav1.Now()},
	}
	g.Expect(fx.Operator(t).Create(ctx, listing)).To(Succeed())

	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-garbage-collector"}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{qualv1.GroupVersion.Group}, Resources: []string{"showcaselistings"}, Verbs: []string{"get", "update", "patch"}}}}
	g.Expect(env.Admin.Create(ctx, role)).To(Succeed())
	for _, gc := range []string{"system:serviceaccount:kube-system:generic-garbage-collector", "system:kube-controller-manager"} {
		g.Expect(env.Admin.Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "test-garbage-collector-" + gc},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: gc}},
		})).To(Succeed())
	}
	gc := fx.Client(t, "system:serviceaccount:kube-system:generic-garbage-collector")

	// The operator writes the listing's status meanwhile: each try reads it afresh, so the answer
	// is the refusal, not a conflict.
	fixture.Await(g, func(g Gomega) {
		changed := &qualv1.ShowcaseListing{}
		g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(listing), changed)).To(Succeed())
		changed.Spec.ShopName = "someone else"
		g.Expect(gc.Update(ctx, changed)).To(MatchError(ContainSubstring("the garbage collector may remove owner references and finalizers only")))
	}).Should(Succeed())

	// The garbage collector's orphaning patch: the owner reference goes, nothing else changes.
	orphaned := listing.DeepCopy()
	orphaned.OwnerReferences = nil
	g.Expect(gc.Patch(ctx, orphaned, client.MergeFrom(listing))).To(Succeed())
	g.Expect(orphaned.OwnerReferences).To(BeEmpty())
	g.Expect(orphaned.Spec.ShopName).To(Equal(listing.Spec.ShopName))

	// No application controls it now, so the operator suspends it (ApplicationGone); wait for
	// that write, so the refusal below is not hidden by a conflict with it.
	fixture.Await(g, func(g Gomega) {
		g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(listing), orphaned)).To(Succeed())
		g.Expect(orphaned.Status.Reason).To(Equal(qualv1.ReasonApplicationGone))
	}).Should(Succeed())

	// Anyone else, even the cluster admin, is still refused.
	changed := orphaned.DeepCopy()
	changed.Finalizers = []string{"example.com/keep"}
	g.Expect(env.Admin.Update(ctx, changed)).To(MatchError(ContainSubstring("ShowcaseListings are made by the operator")))
}

func ptr[T any](v T) *T { return &v }
