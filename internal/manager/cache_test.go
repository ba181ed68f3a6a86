package manager

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

func TestStripForCache(t *testing.T) {
	g := NewWithT(t)
	app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{
		Annotations: map[string]string{
			lastApplied:                   `{"apiVersion":"qualification.channelshop.dev/v1alpha1","kind":"CategoryApplication"}`,
			qualv1.AnnotationCreatedBy:    "mike",
			"argocd.argoproj.io/tracking": "shops:qualification.channelshop.dev/CategoryApplication:shop-acme/acme-gold",
		},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	out, err := stripForCache(app)
	g.Expect(err).NotTo(HaveOccurred())
	got := out.(*qualv1.CategoryApplication)
	g.Expect(got.ManagedFields).To(BeNil())
	g.Expect(got.Annotations).To(Equal(map[string]string{
		qualv1.AnnotationCreatedBy:    "mike",
		"argocd.argoproj.io/tracking": "shops:qualification.channelshop.dev/CategoryApplication:shop-acme/acme-gold",
	}), "only the last-applied copy goes")
}

func TestStripForCacheOnSecretMetadata(t *testing.T) {
	g := NewWithT(t)
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
		lastApplied: `{"stringData":{"token":"s3cret"}}`}}}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	out, err := stripForCache(m)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.(*metav1.PartialObjectMetadata).Annotations).To(BeEmpty(), "kubectl's last-applied copy of a Secret holds its values")
}

// A Secret's cached metadata keeps only what the reconciler reads: its key (appsOfSecret) and
// resourceVersion (the digest cache); the rest of every Secret in the cluster goes.
func TestStripForCacheKeepsOfSecretsKeyAndVersion(t *testing.T) {
	g := NewWithT(t)
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: "acme-licences", Namespace: "shop-acme", UID: "u1", ResourceVersion: "42",
		Labels:          map[string]string{"app.kubernetes.io/managed-by": "Helm"},
		Annotations:     map[string]string{"meta.helm.sh/release-name": "acme"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "ExternalSecret", Name: "acme"}},
		Finalizers:      []string{"example.com/keep"},
		ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "helm"}},
	}}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	out, err := stripForCache(m)
	g.Expect(err).NotTo(HaveOccurred())
	got := out.(*metav1.PartialObjectMetadata)
	g.Expect(got.GroupVersionKind()).To(Equal(corev1.SchemeGroupVersion.WithKind("Secret")))
	g.Expect(got.ObjectMeta).To(Equal(metav1.ObjectMeta{Name: "acme-licences", Namespace: "shop-acme", UID: "u1", ResourceVersion: "42"}))

	// Other metadata-only objects keep their labels: only Secrets are known to need none.
	cm := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "x", Labels: map[string]string{"a": "b"}}}
	cm.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	out, err = stripForCache(cm)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.(*metav1.PartialObjectMetadata).Labels).To(Equal(map[string]string{"a": "b"}))
}

func TestTestUserIsTheDefaultOperatorUser(t *testing.T) {
	NewWithT(t).Expect(testenv.OperatorUser).To(Equal(DefaultOperatorUser),
		"tests run the manager as the identity a cluster install gives it")
}
