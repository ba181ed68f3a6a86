package admission_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

// TestWritersCannotDecideWithoutWebhooks is controllers' TestWritersCannotDecide and
// TestServiceAccountWritersCannotDecide with the admission policies alone (D16 by permission):
// a merchant of the namespace who reviews the group replaces a Secret file of another
// merchant's application and may not decide the new round; neither may a cluster admin, a
// GitOps controller that writes everything, or a user who may impersonate the namespace's
// ServiceAccounts. A reviewer bound to every shipped reviewer role decides, and the writer may
// still withdraw.
func TestWritersCannotDecideWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	fx.Policies(t)
	app := underReview(t, g, "shop-sod", "mara")
	ns := app.Namespace
	fx.Merchant(t, ns, "cody")
	fx.ClusterRole(t, "reviewer_jewelry_role.yaml", "cody")
	fx.ClusterRole(t, "reviewer_role.yaml", "rhoda")
	fx.ClusterRole(t, "reviewer_jewelry_role.yaml", "rhoda")
	g.Expect(env.BindRoleInNamespace(ctx, "reviewer_materials_role.yaml", ns, testenv.User("rhoda"))).To(Succeed())
	argo := "system:serviceaccount:argocd:argocd-application-controller"
	everything := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "argocd-application-controller"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
	g.Expect(env.Grant(ctx, everything, "", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "argocd", Name: "argocd-application-controller"})).To(Succeed())
	impersonate := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-impersonate-serviceaccounts"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"impersonate"}}}}
	g.Expect(env.Grant(ctx, impersonate, ns, testenv.User("nadia"))).To(Succeed())
	fx.ClusterRole(t, "reviewer_jewelry_role.yaml", "nadia")
	cody, rhoda := fx.Client(t, "cody"), fx.Client(t, "rhoda")

	digest := app.Status.MaterialsDigest
	sec := &corev1.Secret{}
	g.Expect(cody.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = filekind.JPEG("a filing letter cody wrote")
	g.Expect(cody.Update(ctx, sec)).To(Succeed())
	fixture.Await(g, func(g Gomega) {
		app = fx.Get(g, ns, "gold")
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
		g.Expect(app.Status.MaterialsDigest).NotTo(Equal(digest))
	}).Should(Succeed())
	g.Expect(app.Annotations).NotTo(HaveKey(qualv1.AnnotationSpecEditors), "a Secret write records nobody")

	rule := " and cannot decide gold: nobody who may write an application, or the Secrets it references, decides it (D16)"
	cases := []struct {
		name, user, denial string
		who                client.Client
		verdict            qualv1.Verdict
	}{
		{"co-merchant approves", "cody", `user "cody" may update categoryapplications.qualification.channelshop.dev in namespace shop-sod` + rule, cody, qualv1.VerdictApproved},
		{"co-merchant rejects", "cody", `user "cody" may update categoryapplications.qualification.channelshop.dev in namespace shop-sod` + rule, cody, qualv1.VerdictRejected},
		{"cluster admin", "admin", `user "admin" may update categoryapplications.qualification.channelshop.dev in namespace shop-sod` + rule, env.Admin, qualv1.VerdictApproved},
		{"GitOps controller", argo, `user "` + argo + `" may update categoryapplications.qualification.channelshop.dev in namespace shop-sod` + rule,
			fx.Client(t, argo, "system:serviceaccounts", "system:serviceaccounts:argocd"), qualv1.VerdictApproved},
		{"impersonator of the namespace's ServiceAccounts", "nadia", `user "nadia" may impersonate serviceaccounts in namespace shop-sod` + rule,
			fx.Client(t, "nadia"), qualv1.VerdictApproved},
	}
	for _, c := range cases {
		err := fx.Decide(c.who, app.DeepCopy(), as(c.user, c.verdict))
		g.Expect(err).To(MatchError(ContainSubstring(c.denial)), c.name)
		g.Expect(err).To(MatchError(ContainSubstring("ValidatingAdmissionPolicy 'application-status'")), c.name)
	}

	g.Expect(fx.Decide(rhoda, app, as("rhoda", qualv1.VerdictApproved))).To(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseApproved)
	fixture.Await(g, func(g Gomega) qualv1.ListingState {
		listing := &qualv1.ShowcaseListing{}
		g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(app), listing)).To(Succeed())
		return listing.Status.State
	}).Should(Equal(qualv1.ListingActive))
	// Without the webhook the client archives the approval it replaces itself (D13).
	g.Expect(withdrawWith(g, cody, "cody", app, archived)).To(Succeed(), "a withdrawal only takes the listing away")
	fx.WaitPhase(g, ns, "gold", qualv1.PhaseWithdrawn)
}
