package controllers_test

import (
	"context"
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/filekind"
	"github.com/channelshop/category-operator/internal/testenv"
	hooks "github.com/channelshop/category-operator/internal/webhook"
)

// D16 by permission: nobody who may write an application, or the Secrets it references, in its
// namespace decides it, whatever the record of who created or edited it says.

// writerRefusal is the words of the rule, as the admission policy and the webhook give them.
func writerRefusal(user, access, ns, name string) string {
	return `user "` + user + `" may ` + access + ` in namespace ` + ns + ` and cannot decide ` + name +
		`: nobody who may write an application, or the Secrets it references, decides it (D16)`
}

// TestWritersCannotDecide: a merchant of the namespace who also reviews the group replaces a
// file in a Secret that another merchant's application references; a new round opens with no
// record of them, and they may not decide it, nor may a cluster admin. A reviewer bound to every
// shipped reviewer role (the opt-in materials role too) decides.
func TestWritersCannotDecide(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-sod")
	sampleSecrets(t, ns)
	bindMerchant(t, ns, "mara")
	bindMerchant(t, ns, "cody")
	bindClusterRole(t, "reviewer_jewelry_role.yaml", "cody")
	bindClusterRole(t, "reviewer_role.yaml", "rhoda")
	bindClusterRole(t, "reviewer_jewelry_role.yaml", "rhoda")
	g.Expect(env.BindRoleInNamespace(ctx, "reviewer_materials_role.yaml", ns, testenv.User("rhoda"))).To(Succeed())
	cody, rhoda := userClient(t, "cody"), userClient(t, "rhoda")

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(userClient(t, "mara").Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(decide(rhoda, app, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation})).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	approvedDigest := app.Status.MaterialsDigest

	sec := &corev1.Secret{}
	g.Expect(cody.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = filekind.JPEG("a filing letter cody wrote")
	g.Expect(cody.Update(ctx, sec)).To(Succeed())
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
		g.Expect(app.Status.MaterialsDigest).NotTo(Equal(approvedDigest))
	}).Should(Succeed())
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationCreatedBy, "mara"))
	g.Expect(decision.Editors(app)).To(BeEmpty(), "a Secret write records nobody: only permission can tell")

	approve := qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation}
	reject := qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "SubjectMismatch", Message: "m", Generation: app.Generation}
	refusal := writerRefusal("cody", "update categoryapplications.qualification.channelshop.dev", ns, "gold")
	g.Expect(decide(cody, app, approve)).To(MatchError(ContainSubstring(refusal)))
	g.Expect(decide(cody, app, reject)).To(MatchError(ContainSubstring(refusal)))
	// Cluster admins may write everything, so they decide nothing.
	g.Expect(decide(admin, app, approve)).To(MatchError(ContainSubstring(
		writerRefusal("admin", "update categoryapplications.qualification.channelshop.dev", ns, "gold"))))

	// On a real request the policy, which kube-apiserver runs first, refuses before the webhook
	// is called: the webhook's own answer, with SubjectAccessReviews against the same RBAC.
	app = getApp(g, ns, "gold")
	approve.MaterialsDigest = app.Status.MaterialsDigest
	resp := statusWebhook(t, app, "cody", approve)
	g.Expect(resp.Allowed).To(BeFalse())
	g.Expect(resp.Result.Message).To(ContainSubstring(refusal))
	resp = statusWebhook(t, app, "rhoda", approve)
	g.Expect(resp.Allowed).To(BeTrue(), "the shipped reviewer roles, the materials role included, write nothing: %v", resp.Result)

	g.Expect(decide(rhoda, app, approve)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	g.Expect(app.Status.Decision.Reviewer).To(Equal("rhoda"))
	listing := &qualv1.ShowcaseListing{}
	eventually(g, func(g Gomega) qualv1.ListingState {
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(app), listing)).To(Succeed())
		return listing.Status.State
	}).Should(Equal(qualv1.ListingActive))
}

// TestServiceAccountWritersCannotDecide: the identities the record misses. A GitOps controller
// (Argo CD's application controller, with the every-verb role Argo CD installs) syncs a Secret
// of an application a merchant filed by hand: it may not decide it, nor one it created itself,
// but it may withdraw an approval, which only takes the listing away.
// A namespace admin who may impersonate the namespace's ServiceAccounts files as one of them:
// the record names the ServiceAccount, and the admin may not decide it either.
func TestServiceAccountWritersCannotDecide(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	bindClusterRole(t, "reviewer_role.yaml", "rhoda")
	rhoda := userClient(t, "rhoda")

	argo := "system:serviceaccount:argocd:argocd-application-controller"
	everything := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "argocd-application-controller"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}}
	g.Expect(env.Grant(ctx, everything, "", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: "argocd", Name: "argocd-application-controller"})).To(Succeed())
	sync := userClient(t, argo, "system:serviceaccounts", "system:serviceaccounts:argocd")

	ns := newNamespace(t, "shop-argo")
	sampleSecrets(t, ns)
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	digest := app.Status.MaterialsDigest
	sec := &corev1.Secret{}
	g.Expect(sync.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-gold-materials"}, sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = filekind.JPEG("the filing letter as committed to Git")
	g.Expect(sync.Update(ctx, sec)).To(Succeed())
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
		g.Expect(app.Status.MaterialsDigest).NotTo(Equal(digest))
	}).Should(Succeed())
	approve := func(app *qualv1.CategoryApplication) qualv1.Decision {
		return qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: app.Generation}
	}
	g.Expect(decide(sync, app, approve(app))).To(MatchError(ContainSubstring(
		writerRefusal(argo, "update categoryapplications.qualification.channelshop.dev", ns, "gold"))))
	g.Expect(decide(rhoda, app, approve(app))).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseApproved)
	// A writer who may decide the group may still withdraw: it only takes the listing away.
	withdraw := qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "Revoked", Message: "revoked in Git", Generation: app.Generation}
	g.Expect(decide(sync, app, withdraw)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseWithdrawn)
	g.Expect(app.Status.Decision.Reviewer).To(Equal(argo))

	synced := newNamespace(t, "shop-argo-synced")
	for _, u := range readObjects(t, repoPath("config", "samples", "02-secrets.yaml")) {
		u.SetNamespace(synced)
		g.Expect(sync.Create(ctx, u)).To(Succeed())
	}
	app = sampleApp(t, synced, "gold", nextAppID(), "gold")
	g.Expect(sync.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, synced, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationCreatedBy, argo))
	g.Expect(decide(sync, app, approve(app))).To(MatchError(ContainSubstring(`user "` + argo + `" created this application and cannot decide it`)))

	// nadia administers the namespace through its deployer ServiceAccount and reviews jewelry.
	ns = newNamespace(t, "shop-impersonated")
	g.Expect(admin.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "deployer"}})).To(Succeed())
	g.Expect(env.BindRoleInNamespace(ctx, "merchant_role.yaml", ns, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: "deployer"})).To(Succeed())
	impersonate := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-impersonate-serviceaccounts"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"impersonate"}}}}
	g.Expect(env.Grant(ctx, impersonate, ns, testenv.User("nadia"))).To(Succeed())
	bindClusterRole(t, "reviewer_jewelry_role.yaml", "nadia")
	cfg, err := env.UserConfig("nadia")
	g.Expect(err).NotTo(HaveOccurred())
	deployer := "system:serviceaccount:" + ns + ":deployer"
	cfg.Impersonate.UserName = deployer
	asDeployer, err := client.New(cfg, client.Options{Scheme: testenv.Scheme})
	g.Expect(err).NotTo(HaveOccurred())
	for _, u := range readObjects(t, repoPath("config", "samples", "02-secrets.yaml")) {
		u.SetNamespace(ns)
		g.Expect(asDeployer.Create(ctx, u)).To(Succeed())
	}
	app = sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(asDeployer.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Annotations).To(HaveKeyWithValue(qualv1.AnnotationCreatedBy, deployer), "the record names the ServiceAccount, not nadia")
	g.Expect(decide(userClient(t, "nadia"), app, approve(app))).To(MatchError(ContainSubstring(
		writerRefusal("nadia", "impersonate serviceaccounts", ns, "gold"))))
	g.Expect(decide(rhoda, app, approve(app))).To(Succeed())
}

// statusWebhook asks the status webhook, with the operator's SubjectAccessReviewer, whether user
// may write decision d on app, as the API server would ask it for that user.
func statusWebhook(t *testing.T, app *qualv1.CategoryApplication, user string, d qualv1.Decision) admission.Response {
	t.Helper()
	old := app.DeepCopy()
	old.APIVersion, old.Kind = qualv1.GroupVersion.String(), "CategoryApplication"
	cur := old.DeepCopy()
	d.Reviewer = user
	cur.Status.Decision = &d
	raw := func(o *qualv1.CategoryApplication) runtime.RawExtension {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return runtime.RawExtension{Raw: b}
	}
	w := &hooks.Review{Authorizer: hooks.SubjectAccessReviewer{Client: admin}, Decoder: admission.NewDecoder(testenv.Scheme),
		Clock: clock, Operator: testenv.OperatorUser}
	return w.Validate(context.Background(), admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: admissionv1.Update, SubResource: "status", Object: raw(cur), OldObject: raw(old),
		UserInfo: authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}},
	}})
}
