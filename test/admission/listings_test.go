package admission_test

import (
	"context"
	"k8s.io/client-go/util/retry"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

// TestListingsWithoutWebhooks: only the operator writes ShowcaseListings (D14), a reviewer may
// withdraw the approval they stand on (D29); the garbage
// collector may remove the owner reference, as `kubectl delete --cascade=orphan` of the
// application asks it to, and nothing else.
func TestListingsWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "lena")
	app := underReview(t, g, "shop-listings", "lou")
	g.Expect(fx.Decide(fx.Client(t, "lena"), app, as("lena", qualv1.VerdictApproved))).To(Succeed())
	listing := &qualv1.ShowcaseListing{}
	fixture.Await(g, func(g Gomega) {
		g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(app), listing)).To(Succeed())
		g.Expect(listing.Status.State).To(Equal(qualv1.ListingActive))
	}).Should(Succeed())

	// The cluster admin is no operator either: a forged listing, a changed one, a changed status.
	forged := listing.DeepCopy()
	forged.ObjectMeta = metav1.ObjectMeta{Namespace: listing.Namespace, Name: "forged"}
	g.Expect(env.Admin.Create(ctx, forged)).To(And(
		MatchError(ContainSubstring("ShowcaseListings are made by the operator when an application is approved; user")),
		MatchError(ContainSubstring("cannot create them: apply a CategoryApplication instead"))))
	changed := listing.DeepCopy()
	changed.Spec.ShopName = "someone else"
	g.Expect(env.Admin.Update(ctx, changed)).To(MatchError(ContainSubstring("cannot change them")))
	changed = listing.DeepCopy()
	changed.Status.State = qualv1.ListingSuspended
	g.Expect(env.Admin.Status().Update(ctx, changed)).To(MatchError(ContainSubstring("cannot change them")))

	// A withdrawal archives the approval at the front of history, as the status webhook does
	// (D29), and changes nothing else there.
	lena := fx.Client(t, "lena")
	// Retried on conflicts: the operator writes status too (delivery records), and a refusal
	// must not be mistaken for, or hidden by, a lost race.
	withdraw := func(history func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord) error {
		return retry.RetryOnConflict(fixture.PatientBackoff, func() error {
			cur := fx.Get(g, app.Namespace, app.Name)
			before := cur.DeepCopy()
			cur.Status.History = history(cur)
			cur.Status.Decision = as("lena", qualv1.VerdictWithdrawn)(cur)
			return lena.Status().Patch(ctx, cur, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		})
	}
	err := withdraw(func(cur *qualv1.CategoryApplication) []qualv1.ReviewRecord {
		forged := cur.Status.Decision.DeepCopy()
		forged.Reviewer = "someone else"
		return append([]qualv1.ReviewRecord{{Generation: cur.Generation, Decision: forged}}, cur.Status.History...)
	})
	g.Expect(err).To(MatchError(ContainSubstring("status.history: Forbidden: history is append-only")))
	g.Expect(withdraw(archived)).To(Succeed())
	fixture.Await(g, func(g Gomega) {
		g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(app), listing)).To(Succeed())
		g.Expect(listing.Status.State).NotTo(Equal(qualv1.ListingActive))
	}).Should(Succeed())

	for _, gc := range []string{"system:serviceaccount:kube-system:generic-garbage-collector", "system:kube-controller-manager"} {
		bindGarbageCollector(t, gc)
	}
	gc := fx.Client(t, "system:kube-controller-manager")
	changed = listing.DeepCopy()
	changed.Spec.ShopName = "someone else"
	g.Expect(gc.Update(ctx, changed)).To(MatchError(ContainSubstring("the garbage collector may remove owner references and finalizers only")))
	orphaned := listing.DeepCopy()
	orphaned.OwnerReferences = nil
	g.Expect(gc.Patch(ctx, orphaned, client.MergeFrom(listing))).To(Succeed())
	g.Expect(orphaned.OwnerReferences).To(BeEmpty())
}

// bindGarbageCollector gives a garbage collector identity what it needs on listings.
func bindGarbageCollector(t *testing.T, user string) {
	t.Helper()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-garbage-collector"}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{qualv1.GroupVersion.Group}, Resources: []string{"showcaselistings"}, Verbs: []string{"get", "update", "patch"}}}}
	if err := env.Grant(context.Background(), role, "", testenv.User(user)); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }
