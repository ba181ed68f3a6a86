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

func TestStripSecretValues(t *testing.T) {
	g := NewWithT(t)
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{lastApplied: `{"stringData":{"token":"s3cret"}}`}},
		Data:       map[string][]byte{"address": []byte("https://hooks.example"), "token": []byte("s3cret")},
		StringData: map[string]string{"token": "s3cret"},
	}
	out, err := stripSecretValues(s)
	g.Expect(err).NotTo(HaveOccurred())
	got := out.(*corev1.Secret)
	g.Expect(got.Data).To(Equal(map[string][]byte{"address": nil, "token": nil}), "keys stay: materials are checked by key")
	g.Expect(got.StringData).To(BeNil())
	g.Expect(got.Annotations).To(BeNil(), "the last-applied copy holds the values too")
}

func TestTestUserIsTheDefaultOperatorUser(t *testing.T) {
	NewWithT(t).Expect(testenv.OperatorUser).To(Equal(DefaultOperatorUser),
		"tests run the manager as the identity a cluster install gives it")
}
