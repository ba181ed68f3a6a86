package decision

import (
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestWriteAccess(t *testing.T) {
	g := NewWithT(t)
	var names []string
	for _, a := range WriteAccess {
		names = append(names, a.String())
	}
	g.Expect(names).To(Equal([]string{
		"update categoryapplications.qualification.channelshop.dev",
		"patch categoryapplications.qualification.channelshop.dev",
		"create secrets", "update secrets", "patch secrets",
		"impersonate serviceaccounts", "create serviceaccounts/token",
	}))
}

func TestSeparated(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Separated(qualv1.VerdictApproved)).To(BeTrue())
	g.Expect(Separated(qualv1.VerdictRejected)).To(BeTrue())
	g.Expect(Separated(qualv1.VerdictWithdrawn)).To(BeFalse(), "a withdrawal only takes a listing away")
}

func TestWriter(t *testing.T) {
	g := NewWithT(t)
	app := underReview(2)
	app.Namespace = "shop-acme"
	r := Writer(app, "cody", Access{Resource: "secrets", Verb: "update"})
	g.Expect(r.Forbidden).To(BeTrue())
	g.Expect(r.Message).To(Equal(`user "cody" may update secrets in namespace shop-acme and cannot decide acme-gold: ` +
		`nobody who may write an application, or the Secrets it references, decides it (D16)`))
}
