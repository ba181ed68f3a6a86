package admission_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"

	"github.com/channelshop/category-operator/internal/testenv"
)

// TestPoliciesTypeCheck type-checks every expression of the validating policies against the
// CRD schemas the API server publishes, as kube-controller-manager's policy status controller
// does in a cluster (envtest runs none): a misspelt field is a warning here, and would be an
// error, so a refusal, only on the request that reaches it. (The checker skips rules with
// apiVersions "*": the policies name v1alpha1.)
func TestPoliciesTypeCheck(t *testing.T) {
	g := NewWithT(t)
	dc, err := discovery.NewDiscoveryClientForConfig(env.AdminConfig)
	g.Expect(err).NotTo(HaveOccurred())
	checker := &validating.TypeChecker{
		SchemaResolver: &resolver.ClientDiscoveryResolver{Discovery: dc},
		RestMapper:     restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
	}
	objs, err := testenv.AdmissionPolicies()
	g.Expect(err).NotTo(HaveOccurred())
	n := 0
	for _, u := range objs {
		if u.GetKind() != "ValidatingAdmissionPolicy" {
			continue
		}
		n++
		p := &admissionregistrationv1.ValidatingAdmissionPolicy{}
		g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, p)).To(Succeed())
		// The checker skips subresources; the object of categoryapplications/status is a
		// CategoryApplication all the same.
		for i, r := range p.Spec.MatchConstraints.ResourceRules {
			for j, res := range r.Resources {
				p.Spec.MatchConstraints.ResourceRules[i].Resources[j], _, _ = strings.Cut(res, "/")
			}
		}
		g.Expect(checker.Check(p)).To(BeEmpty(), p.Name)
	}
	g.Expect(n).To(Equal(5))
}
