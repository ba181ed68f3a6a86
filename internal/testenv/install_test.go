package testenv_test

import (
	"context"
	"os"
	"testing"

	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/testenv"
)

// One control plane, without webhooks: what is checked here is the set-up itself.
func TestInstall(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set (make test sets it)")
	}
	env, err := testenv.Start(testenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx := context.Background()
	if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		t.Fatal(err)
	}
	t.Run("calendar", func(t *testing.T) { testCalendar(t, env) })
	t.Run("policies", func(t *testing.T) { testPolicies(t, env) })
	t.Run("roles", func(t *testing.T) { testRoles(t, env) })
}

// InstallCalendar installs the shipped ConfigMap and, run again, puts back what was edited.
func testCalendar(t *testing.T, env *testenv.Env) {
	g := NewWithT(t)
	ctx := context.Background()
	cm, err := env.InstallCalendar(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cm.Namespace).To(Equal(testenv.OperatorNamespace))
	g.Expect(cm.Name).To(Equal("category-operator-calendar"))
	shipped := cm.Data["holidays"]
	g.Expect(shipped).To(ContainSubstring("2026-10-01..2026-10-07"))

	cur := &corev1.ConfigMap{}
	g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(cm), cur)).To(Succeed())
	cur.Data["holidays"] = "2026-12-01"
	g.Expect(env.Admin.Update(ctx, cur)).To(Succeed())
	_, err = env.InstallCalendar(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(env.Admin.Get(ctx, client.ObjectKeyFromObject(cm), cur)).To(Succeed())
	g.Expect(cur.Data["holidays"]).To(Equal(shipped))
}

// InstallPolicies installs the kustomization's resources in order, or only those named.
func testPolicies(t *testing.T, env *testenv.Env) {
	g := NewWithT(t)
	ctx := context.Background()
	names, err := env.InstallPolicies(ctx, "watches", "jewelry")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(names).To(Equal([]string{"jewelry", "watches"}), "kustomization order")
	g.Expect(policyNames(g, env)).To(ConsistOf("jewelry", "watches"))

	_, err = env.InstallPolicies(ctx, "jewelry", "no-such-group")
	g.Expect(err).To(MatchError(ContainSubstring(`no policy "no-such-group" among the resources of config/policies/kustomization.yaml`)))

	names, err = env.InstallPolicies(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(names).To(HaveLen(14))
	g.Expect(names[0]).To(Equal("jewelry"))
	g.Expect(policyNames(g, env)).To(ConsistOf(names))
	again, err := env.InstallPolicies(ctx)
	g.Expect(err).NotTo(HaveOccurred(), "installing twice updates what exists")
	g.Expect(again).To(Equal(names))
}

func policyNames(g Gomega, env *testenv.Env) []string {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	list.SetKind("CategoryPolicyList")
	g.Expect(env.Admin.List(context.Background(), list)).To(Succeed())
	var out []string
	for _, p := range list.Items {
		out = append(out, p.GetName())
	}
	return out
}

// The shipped roles grant what they say to whom they are bound, and no more: cluster-wide
// with BindClusterRole, in one namespace with BindRoleInNamespace.
func testRoles(t *testing.T, env *testenv.Env) {
	g := NewWithT(t)
	ctx := context.Background()
	g.Expect(env.EnsureNamespace(ctx, "shop-a")).To(Succeed())
	for range 2 { // idempotent
		g.Expect(env.BindClusterRole(ctx, "reviewer_role.yaml", testenv.Group("reviewers"))).To(Succeed())
		g.Expect(env.BindRoleInNamespace(ctx, "merchant_role.yaml", "shop-a", testenv.User("mia"))).To(Succeed())
	}
	allowed := func(user, group, ns, verb, resource string) bool {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: []string{group},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: ns, Verb: verb, Group: "qualification.channelshop.dev", Resource: resource, Name: "jewelry",
			},
		}}
		g.Expect(env.Admin.Create(ctx, sar)).To(Succeed())
		return sar.Status.Allowed
	}
	g.Expect(allowed("alice", "reviewers", "", "approve", "categorypolicies")).To(BeTrue())
	g.Expect(allowed("bob", "readers", "", "approve", "categorypolicies")).To(BeFalse())
	g.Expect(allowed("mia", "shops", "shop-a", "create", "categoryapplications")).To(BeTrue())
	g.Expect(allowed("mia", "shops", "shop-b", "create", "categoryapplications")).To(BeFalse())
	g.Expect(allowed("mia", "shops", "", "approve", "categorypolicies")).To(BeFalse())

	_, err := testenv.ReadClusterRole("no_such_role.yaml")
	g.Expect(err).To(HaveOccurred())
	g.Expect(env.BindRoleInNamespace(ctx, "merchant_role.yaml", "")).To(MatchError(ContainSubstring("namespace is empty")))
}
