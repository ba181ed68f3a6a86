package webhook

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/scheme"
	"github.com/channelshop/category-operator/internal/testenv"
)

// shippedPolicy is a policy of config/policies, typed.
func shippedPolicy(t *testing.T, name string) *qualv1.CategoryPolicy {
	t.Helper()
	objs, err := testenv.ReadObjects(testenv.RepoPath("config", "policies", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := &qualv1.CategoryPolicy{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReviewReasons (D32): the webhook refuses a rejection whose reason is not a code of the
// policy's rejection reasons, listing them and hinting at a wrong case or another group's
// code, and a title the policy does not say; Mutate writes title and guidance from the
// policy whatever the client sent. The admission policy application-status-reasons answers
// first in a cluster with both (controllers' TestRejectionReasons); this is the webhook alone.
func TestReviewReasons(t *testing.T) {
	jewelry, alcohol := shippedPolicy(t, "jewelry"), shippedPolicy(t, "alcohol")
	free := shippedPolicy(t, "jewelry")
	free.Name, free.Spec.RejectionReasons = "free", nil
	policies := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(jewelry, alcohol, free).Build()
	w := &Review{Authorizer: &fakeAuthorizer{reviewers: map[string]bool{"alice": true}}, Decoder: admission.NewDecoder(scheme.Scheme),
		Clock: clocktesting.NewFakePassiveClock(time.Now()), Operator: "op", Policies: policies}
	var unsealed qualv1.RejectionReason
	for _, r := range jewelry.Spec.RejectionReasons {
		if r.Code == "FilingLetterUnsealed" {
			unsealed = r
		}
	}
	reject := func(group, code, title string) (old, app *qualv1.CategoryApplication) {
		old = appUnderReview()
		old.Spec.Category.Group = group
		app = old.DeepCopy()
		app.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: code, Title: title, Message: "m", Generation: 2, Reviewer: "alice"}
		return old, app
	}
	for _, tc := range []struct {
		name, group, code, title, want string
	}{
		{"a code of the policy", "jewelry", "FilingLetterUnsealed", "", ""},
		{"with the policy's title", "jewelry", "FilingLetterUnsealed", unsealed.Title, ""},
		{"an unknown code", "jewelry", "Blurry",
			"", `status.decision.reason: Invalid value: "Blurry": "Blurry" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterMissing, FilingLetterUnsealed, `},
		{"the wrong case", "jewelry", "FilingLetterUnSealed", "", "(did you mean FilingLetterUnsealed? codes are case-sensitive)"},
		{"another group's code", "jewelry", "CapitalTooLow", "", "(CapitalTooLow is a reason of alcohol, not of jewelry)"},
		{"a title the policy does not say", "jewelry", "FilingLetterUnsealed", "Banned forever", "status.decision.title: Invalid value: \"Banned forever\""},
		{"a policy without rejection reasons", "free", "Blurry", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			old, app := reject(tc.group, tc.code, tc.title)
			resp := w.Validate(context.Background(), reviewRequest(t, "alice", old, app))
			if tc.want == "" {
				g.Expect(resp.Allowed).To(BeTrue(), "%v", resp.Result)
				return
			}
			g.Expect(resp.Allowed).To(BeFalse())
			g.Expect(resp.Result.Message).To(ContainSubstring(tc.want))
		})
	}

	mutated := func(group, code, title string) map[string]any {
		g := NewWithT(t)
		old, app := reject(group, code, title)
		app.Status.Decision.Reviewer = ""
		req := reviewRequest(t, "alice", old, app)
		resp := w.Mutate(context.Background(), req)
		g.Expect(resp.Allowed).To(BeTrue(), "%v", resp.Result)
		obj := map[string]any{}
		g.Expect(json.Unmarshal(req.Object.Raw, &obj)).To(Succeed())
		for _, p := range resp.Patches {
			if p.Operation == "remove" {
				delete(obj["status"].(map[string]any)["decision"].(map[string]any), p.Path[len("/status/decision/"):])
				continue
			}
			if len(p.Path) > len("/status/decision/") && p.Path[:len("/status/decision/")] == "/status/decision/" {
				obj["status"].(map[string]any)["decision"].(map[string]any)[p.Path[len("/status/decision/"):]] = p.Value
			}
		}
		return obj["status"].(map[string]any)["decision"].(map[string]any)
	}
	g := NewWithT(t)
	d := mutated("jewelry", "FilingLetterUnsealed", "Banned forever")
	g.Expect(d).To(HaveKeyWithValue("title", unsealed.Title), "the policy's title replaces the client's")
	g.Expect(d).To(HaveKeyWithValue("guidance", unsealed.Guidance))
	g.Expect(d).To(HaveKeyWithValue("reviewer", "alice"))
	d = mutated("free", "Blurry", "Made up")
	g.Expect(d).NotTo(HaveKey("title"), "nothing to copy under a policy without rejection reasons")
	g.Expect(d).NotTo(HaveKey("guidance"))
}

// TestShippedPoliciesHaveRejectionReasons: each of the 14 shipped policies (D15) has rejection
// reasons, with the guide's own (D6, D7, D12) in every group, and the groups with rules of their
// own have codes for them (D11, D23, D24, D26).
func TestShippedPoliciesHaveRejectionReasons(t *testing.T) {
	g := NewWithT(t)
	files, err := filepath.Glob(testenv.RepoPath("config", "policies", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	own := map[string][]string{
		"jewelry":               {"PlatformNotAccepted", "StoreProofMissing", "ShopTypeNotAdmitted", "BrandNotInLibrary"},
		"alcohol":               {"ShopTypeNotAdmitted", "BrandNotInLibrary", "EntityNotAdmitted", "CapitalTooLow", "TrademarkClassMismatch"},
		"personal-care-devices": {"BrandNotInLibrary"},
	}
	n := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		if name == "kustomization" {
			continue
		}
		n++
		p := shippedPolicy(t, name)
		var codes []string
		for _, r := range p.Spec.RejectionReasons {
			codes = append(codes, r.Code)
			g.Expect(r.Title).NotTo(BeEmpty(), "%s/%s", name, r.Code)
			g.Expect(r.Guidance).NotTo(BeEmpty(), "%s/%s", name, r.Code)
		}
		g.Expect(codes).To(ContainElements("FilingLetterMissing", "FilingLetterUnsealed", "SubjectMismatch", "RecordingMissing"), name)
		g.Expect(codes).To(ContainElements(own[name]), name)
	}
	g.Expect(n).To(Equal(14))
}
