package webhook

import (
	"testing"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestWantRecord(t *testing.T) {
	app := func(createdBy, editors string, decidedGen int64) *qualv1.CategoryApplication {
		a := &qualv1.CategoryApplication{}
		a.Generation = 3
		a.Annotations = map[string]string{}
		if createdBy != "" {
			a.Annotations[qualv1.AnnotationCreatedBy] = createdBy
		}
		if editors != "" {
			a.Annotations[qualv1.AnnotationSpecEditors] = editors
		}
		if decidedGen > 0 {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: decidedGen}
		}
		return a
	}
	cases := []struct {
		name        string
		op          admissionv1.Operation
		old         *qualv1.CategoryApplication
		specChanged bool
		want        record
	}{
		{"create records the creator only", admissionv1.Create, &qualv1.CategoryApplication{}, true, record{CreatedBy: "ann"}},
		{"metadata update keeps both", admissionv1.Update, app("bob", "cid", 0), false, record{CreatedBy: "bob", Editors: "cid"}},
		{"first editor", admissionv1.Update, app("bob", "", 0), true, record{CreatedBy: "bob", Editors: "ann"}},
		{"next editor appended", admissionv1.Update, app("bob", "cid", 0), true, record{CreatedBy: "bob", Editors: "cid,ann"}},
		{"same editor once", admissionv1.Update, app("bob", "ann,cid", 0), true, record{CreatedBy: "bob", Editors: "ann,cid"}},
		{"decided generation replaced: a new round", admissionv1.Update, app("bob", "cid,dan", 3), true, record{CreatedBy: "bob", Editors: "ann"}},
		{"decision of an older generation: same round", admissionv1.Update, app("bob", "cid", 2), true, record{CreatedBy: "bob", Editors: "cid,ann"}},
		{"no creator recorded stays absent", admissionv1.Update, app("", "", 0), false, record{}},
	}
	for _, c := range cases {
		NewWithT(t).Expect(wantRecord(c.op, "ann", c.old, c.specChanged)).To(Equal(c.want), c.name)
	}
}

func TestOnlyOwnersOrFinalizers(t *testing.T) {
	old := `{"metadata":{"name":"l","resourceVersion":"1","ownerReferences":[{"uid":"u"}],"finalizers":["f"],"labels":{"a":"b"}},"spec":{"shopName":"s"}}`
	cases := map[string]struct {
		new  string
		want bool
	}{
		"owner reference removed": {`{"metadata":{"name":"l","resourceVersion":"2","labels":{"a":"b"}},"spec":{"shopName":"s"}}`, true},
		"finalizer removed":       {`{"metadata":{"name":"l","ownerReferences":[{"uid":"u"}],"labels":{"a":"b"}},"spec":{"shopName":"s"}}`, true},
		"spec changed":            {`{"metadata":{"name":"l","labels":{"a":"b"}},"spec":{"shopName":"t"}}`, false},
		"label changed":           {`{"metadata":{"name":"l","labels":{"a":"c"}},"spec":{"shopName":"s"}}`, false},
		"status added":            {`{"metadata":{"name":"l","labels":{"a":"b"}},"spec":{"shopName":"s"},"status":{"state":"Active"}}`, false},
	}
	for name, c := range cases {
		got, err := onlyOwnersOrFinalizers([]byte(old), []byte(c.new))
		NewWithT(t).Expect(err).NotTo(HaveOccurred())
		NewWithT(t).Expect(got).To(Equal(c.want), name)
	}
}

func TestAppIDListed(t *testing.T) {
	g := NewWithT(t)
	g.Expect(appIDListed("wx0000000000000001, wx0000000000000002", "wx0000000000000002")).To(BeTrue())
	g.Expect(appIDListed("wx0000000000000001", "wx0000000000000002")).To(BeFalse())
	g.Expect(appIDListed("", "wx0000000000000002")).To(BeFalse())
}
