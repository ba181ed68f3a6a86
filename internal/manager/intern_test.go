package manager

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

// decodedApp is the sample application with a status of every kind, decoded from JSON as the
// informer does: every call has its own copy of every string.
func decodedApp(t *testing.T, name string) *qualv1.CategoryApplication {
	t.Helper()
	objs, err := testenv.ReadObjects(filepath.Join(testenv.RepoRoot(), "config", "samples", "03-categoryapplication.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app := &qualv1.CategoryApplication{}
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, app); err != nil {
		t.Fatal(err)
	}
	app.Name = name
	app.Annotations = map[string]string{qualv1.AnnotationCreatedBy: "mike"}
	now := metav1.Now()
	d := &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 1, Reason: "MaterialsIncomplete", Reviewer: "ana", DecidedAt: &now,
		Title: "Materials incomplete", Guidance: "Upload every material the policy requires."}
	app.Status = qualv1.CategoryApplicationStatus{
		Phase:              qualv1.PhaseRejected,
		Conditions:         []metav1.Condition{{Type: "RequirementsMet", Status: metav1.ConditionTrue, Reason: "RequirementsMet", Message: "all requirements of the category's policy are met", LastTransitionTime: now}},
		Findings:           []qualv1.Finding{{Rule: "D9", Field: "spec.materials[6]", Message: "x"}},
		SecretFiles:        []qualv1.SecretFileDigest{{Name: "acme-gold-materials", Key: "filing-letter.jpg", SHA256: "sha256:59712f07d9048f58ab19cf6eb8dced62ee39c0f37f24d0ed8427fbbbfc00fd42"}},
		Decision:           d,
		History:            []qualv1.ReviewRecord{{Generation: 1, Decision: d.DeepCopy()}},
		DecidedSecretFiles: []qualv1.SecretFileDigest{{Name: "acme-gold-materials", Key: "filing-letter.jpg"}},
		Notifications: []qualv1.NotificationRecord{{Event: "Rejected", Generation: 1, Sink: "shop-acme/acme-notify",
			State: qualv1.DeliveryDelivered, Reason: "MaterialsIncomplete", Message: "rejected",
			Title: "Materials incomplete", Guidance: "Upload every material the policy requires."}},
	}
	raw, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	out := &qualv1.CategoryApplication{}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func same(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func TestInternSharesRepeatedValuesOnly(t *testing.T) {
	g := NewWithT(t)
	in := newInterner()
	a, b := decodedApp(t, "a"), decodedApp(t, "b")
	wantA, wantB := a.DeepCopy(), b.DeepCopy()
	for _, app := range []*qualv1.CategoryApplication{a, b} {
		out, err := in.transform(app)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(out).To(BeIdenticalTo(app))
	}
	g.Expect(a).To(Equal(wantA), "interning changes no value")
	g.Expect(b).To(Equal(wantB))

	shared := map[string][2]string{
		"namespace":                      {a.Namespace, b.Namespace},
		"material type":                  {string(a.Spec.Materials[0].Type), string(b.Spec.Materials[0].Type)},
		"Secret name of a file":          {a.Spec.Materials[0].Files[0].SecretKeyRef.Name, b.Spec.Materials[0].Files[0].SecretKeyRef.Name},
		"Secret key of a recording":      {a.Spec.Materials[4].Recordings[0].SecretKeyRef.Key, b.Spec.Materials[4].Recordings[0].SecretKeyRef.Key},
		"category":                       {a.Spec.Category.Level2, b.Spec.Category.Level2},
		"phase":                          {string(a.Status.Phase), string(b.Status.Phase)},
		"condition message":              {a.Status.Conditions[0].Message, b.Status.Conditions[0].Message},
		"finding rule":                   {a.Status.Findings[0].Rule, b.Status.Findings[0].Rule},
		"Secret key of a digest":         {a.Status.SecretFiles[0].Key, b.Status.SecretFiles[0].Key},
		"decision reason":                {a.Status.Decision.Reason, b.Status.Decision.Reason},
		"decision guidance":              {a.Status.Decision.Guidance, b.Status.Decision.Guidance},
		"archived decision's title":      {a.Status.History[0].Decision.Title, b.Status.History[0].Decision.Title},
		"notification guidance":          {a.Status.Notifications[0].Guidance, b.Status.Notifications[0].Guidance},
		"archived decision's verdict":    {string(a.Status.History[0].Decision.Verdict), string(b.Status.History[0].Decision.Verdict)},
		"notification sink":              {a.Status.Notifications[0].Sink, b.Status.Notifications[0].Sink},
		"notification state":             {string(a.Status.Notifications[0].State), string(b.Status.Notifications[0].State)},
		"the same Secret within one app": {a.Spec.Materials[0].Files[0].SecretKeyRef.Name, a.Status.SecretFiles[0].Name},
	}
	for what, v := range shared {
		g.Expect(same(v[0], v[1])).To(BeTrue(), "%s %q is held once", what, v[0])
	}
	for k := range a.Annotations {
		for l := range b.Annotations {
			g.Expect(same(k, l)).To(BeTrue(), "annotation key %q is held once", k)
		}
	}
	// What identifies one merchant, one file or one reviewer stays each object's own.
	own := map[string][2]string{
		"shop name":        {a.Spec.Merchant.ShopName, b.Spec.Merchant.ShopName},
		"AppID":            {a.Spec.Merchant.AppID, b.Spec.Merchant.AppID},
		"subject":          {a.Spec.Materials[0].Subject, b.Spec.Materials[0].Subject},
		"file URL":         {a.Spec.Materials[1].Files[0].URL, b.Spec.Materials[1].Files[0].URL},
		"digest":           {a.Status.SecretFiles[0].SHA256, b.Status.SecretFiles[0].SHA256},
		"reviewer":         {a.Status.Decision.Reviewer, b.Status.Decision.Reviewer},
		"annotation value": {a.Annotations[qualv1.AnnotationCreatedBy], b.Annotations[qualv1.AnnotationCreatedBy]},
	}
	for what, v := range own {
		g.Expect(v[0]).To(Equal(v[1]))
		g.Expect(same(v[0], v[1])).To(BeFalse(), "%s is not interned", what)
	}
}

// Once the table is full, new values are cached as decoded: the table does not grow.
func TestInternTableIsBounded(t *testing.T) {
	g := NewWithT(t)
	in := newInterner()
	for i := range maxInterned {
		s := string(rune(0x10000 + i))
		in.str(&s)
	}
	full := len(in.m)
	g.Expect(full).To(BeNumerically("<=", maxInterned))
	a, b := decodedApp(t, "a"), decodedApp(t, "b")
	want := a.DeepCopy()
	_, _ = in.transform(a)
	_, _ = in.transform(b)
	g.Expect(a).To(Equal(want))
	g.Expect(in.m).To(HaveLen(full))
	g.Expect(same(a.Namespace, b.Namespace)).To(BeFalse())
}

// TestInternTableIsBoundedInBytes: whatever the values' lengths, from an enum's to a finding
// message's, a full table holds at most maxInternedBytes as counted, and its live heap stays
// within a tenth more. Counting entries alone let 65,536 values of 2 KiB hold 128 MiB.
func TestInternTableIsBoundedInBytes(t *testing.T) {
	for _, size := range []int{8, 16, 40, 200, 1024, 4096} {
		t.Run(fmt.Sprintf("values of %d bytes", size), func(t *testing.T) {
			g := NewWithT(t)
			before := liveHeap()
			in := newInterner()
			for i := range 2 * maxInternedBytes / (size + internEntryBytes) { // twice what fits
				s := fmt.Sprintf("%0*x", size, i)
				in.str(&s)
			}
			held := liveHeap() - before
			counted := 0
			for v := range in.m {
				counted += len(v) + internEntryBytes
			}
			t.Logf("%d values, %d bytes counted, %.2f MiB live", len(in.m), counted, float64(held)/(1<<20))
			g.Expect(len(in.m)).To(BeNumerically("<=", maxInterned))
			g.Expect(counted).To(BeNumerically("<=", maxInternedBytes))
			g.Expect(held).To(BeNumerically("<=", maxInternedBytes*11/10))
			runtime.KeepAlive(in)
		})
	}
}

// liveHeap is the heap held by live objects, after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
