package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/celrules"
	"github.com/channelshop/category-operator/internal/index"
)

const fuzzOperator = "system:serviceaccount:category-operator-system:category-operator-controller-manager"

// fuzzHandlers are the admission handlers as the operator registers them, over a fake client
// that holds the shipped jewelry and alcohol policies and one application (for D1).
type fuzzHandlers struct {
	app    *Application
	review *Review
	policy *Policy
	list   *Listing
}

func repoFile(tb testing.TB, parts ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", ".."}, parts...)...))
	if err != nil {
		tb.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		tb.Fatal(err)
	}
	return j
}

func newFuzzHandlers(tb testing.TB, objs ...client.Object) *fuzzHandlers {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		tb.Fatal(err)
	}
	if err := qualv1.AddToScheme(scheme); err != nil {
		tb.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithIndex(&qualv1.CategoryApplication{}, index.DuplicateKeyField, func(o client.Object) []string {
			return []string{index.DuplicateKey(o.(*qualv1.CategoryApplication))}
		}).Build()
	dec := admission.NewDecoder(scheme)
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	return &fuzzHandlers{
		app: &Application{Client: c, Decoder: dec, Clock: clk, Rules: &celrules.Cache{},
			Calendar: func(context.Context) *calendar.Calendar { return calendar.Default() }},
		review: &Review{Authorizer: SubjectAccessReviewer{Client: c}, Decoder: dec, Clock: clk, Operator: fuzzOperator},
		policy: &Policy{Decoder: dec},
		list:   &Listing{Operator: fuzzOperator},
	}
}

// FuzzAdmission: random bytes as the object (and old object) of an admission request, sent to
// every handler that decodes one: the application's mutating and validating webhooks, the
// status (review) webhooks and the policy webhook. No panic, and always a well-formed answer:
// allowed, or refused with a status whose code is an HTTP error code; and one that the
// webhook server can complete and serialize (patches included).
func FuzzAdmission(f *testing.F) {
	app := repoFile(f, "config", "samples", "03-categoryapplication.yaml")
	jewelry := repoFile(f, "config", "policies", "jewelry.yaml")
	alcohol := repoFile(f, "config", "policies", "alcohol.yaml")
	policies := []client.Object{}
	for _, raw := range [][]byte{jewelry, alcohol} {
		p := &qualv1.CategoryPolicy{}
		if err := json.Unmarshal(raw, p); err != nil {
			f.Fatal(err)
		}
		policies = append(policies, p)
	}
	existing := &qualv1.CategoryApplication{}
	if err := json.Unmarshal(app, existing); err != nil {
		f.Fatal(err)
	}
	existing.Name = "acme-gold-first"
	h := newFuzzHandlers(f, append(policies, existing)...)

	// An application under review with a decision, as the status webhooks see it.
	underReview := existing.DeepCopy()
	underReview.Name, underReview.Generation = "acme-gold", 2
	underReview.Annotations = map[string]string{qualv1.AnnotationCreatedBy: "mallory"}
	underReview.Status.Conditions = []metav1.Condition{{Type: qualv1.ConditionUnderReview, Status: metav1.ConditionTrue,
		ObservedGeneration: 2, Reason: "Submitted", LastTransitionTime: metav1.NewTime(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))}}
	oldJSON, _ := json.Marshal(underReview)
	decided := underReview.DeepCopy()
	decided.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "wanda"}
	decidedJSON, _ := json.Marshal(decided)

	for op := range uint8(3) {
		f.Add(op, "wanda", app, []byte(nil))
		f.Add(op, "wanda", app, app)
		f.Add(op, "wanda", decidedJSON, oldJSON)
		f.Add(op, fuzzOperator, decidedJSON, oldJSON)
		f.Add(op, "mallory", jewelry, alcohol)
	}
	f.Add(uint8(1), "wanda", []byte(`{"apiVersion":"qualification.channelshop.dev/v1alpha1","kind":"CategoryPolicy","metadata":{"name":"p"},"spec":{"rules":[{"id":"r","message":"m","expression":"object.spec.materials.all(a, a.files.size() > 0)"}]}}`), []byte(nil))
	f.Add(uint8(0), "", []byte(`{"kind":"CategoryApplication","apiVersion":"qualification.channelshop.dev/v1alpha1","spec":{"materials":[{"validUntil":"2026-02-30"}]}}`), []byte(`null`))
	f.Add(uint8(1), "x", []byte(`{`), []byte(`[]`))

	f.Fuzz(func(t *testing.T, op uint8, user string, obj, old []byte) {
		operation := []admissionv1.Operation{admissionv1.Create, admissionv1.Update, admissionv1.Delete}[op%3]
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			UID:       types.UID("fuzz"),
			Operation: operation,
			Name:      "acme-gold", Namespace: "shop-acme",
			UserInfo:  authenticationv1.UserInfo{Username: user},
			Object:    runtime.RawExtension{Raw: obj},
			OldObject: runtime.RawExtension{Raw: old},
		}}
		ctx := context.Background()
		for name, handle := range map[string]func(context.Context, admission.Request) admission.Response{
			"application mutate":   h.app.Mutate,
			"application validate": h.app.Validate,
			"review mutate":        h.review.Mutate,
			"review validate":      h.review.Validate,
			"policy validate":      h.policy.Validate,
			"listing validate":     h.list.Validate,
		} {
			checkResponse(t, name, req, handle(ctx, req))
		}
	})
}

// checkResponse holds a response to what the webhook server needs to send it.
func checkResponse(t *testing.T, handler string, req admission.Request, resp admission.Response) {
	t.Helper()
	if !resp.Allowed {
		if resp.Result == nil {
			t.Fatalf("%s: refused without a status", handler)
		}
		if c := resp.Result.Code; c < 400 || c > 599 {
			t.Fatalf("%s: refused with code %d: %+v", handler, c, resp.Result)
		}
		if resp.Result.Message == "" {
			t.Fatalf("%s: refused without a message: %+v", handler, resp.Result)
		}
		if len(resp.Patches) > 0 {
			t.Fatalf("%s: refused with patches", handler)
		}
	} else if resp.Result != nil && resp.Result.Code != 0 && resp.Result.Code != http.StatusOK {
		t.Fatalf("%s: allowed with code %d", handler, resp.Result.Code)
	}
	if err := resp.Complete(req); err != nil {
		t.Fatalf("%s: the response cannot be completed: %v", handler, err)
	}
	review := admissionv1.AdmissionReview{Response: &resp.AdmissionResponse}
	if _, err := json.Marshal(review); err != nil {
		t.Fatalf("%s: the response cannot be serialized: %v", handler, err)
	}
}
