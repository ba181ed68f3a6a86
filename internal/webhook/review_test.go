package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/scheme"
)

// fakeAuthorizer lets the reviewers it names decide every group, and the writers it names
// hold the permissions listed (decision.Access.String()) in every namespace.
type fakeAuthorizer struct {
	reviewers map[string]bool
	writers   map[string][]string
	err       error
	asked     []string
}

func (f *fakeAuthorizer) MayDecide(_ context.Context, u authenticationv1.UserInfo, group string) (bool, error) {
	f.asked = append(f.asked, u.Username+"/"+group)
	return f.reviewers[u.Username], f.err
}

func (f *fakeAuthorizer) MayWrite(_ context.Context, u authenticationv1.UserInfo, ns string, a decision.Access) (bool, error) {
	f.asked = append(f.asked, u.Username+"/"+ns+"/"+a.String())
	return slices.Contains(f.writers[u.Username], a.String()), f.err
}

func reviewRequest(t *testing.T, user string, old, app *qualv1.CategoryApplication) admission.Request {
	t.Helper()
	raw := func(o runtime.Object) runtime.RawExtension {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return runtime.RawExtension{Raw: b}
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: admissionv1.Update, SubResource: "status", UserInfo: authenticationv1.UserInfo{Username: user},
		Object: raw(app), OldObject: raw(old),
	}}
}

func appUnderReview() *qualv1.CategoryApplication {
	app := &qualv1.CategoryApplication{}
	app.Name, app.Namespace, app.Generation = "acme-gold", "shop-acme", 2
	app.APIVersion, app.Kind = qualv1.GroupVersion.String(), "CategoryApplication"
	app.Annotations = map[string]string{qualv1.AnnotationCreatedBy: "maria", qualv1.AnnotationSpecEditors: "ed"}
	app.Spec.Category = qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}
	app.Status.ObservedGeneration, app.Status.Phase, app.Status.MaterialsDigest = 2, qualv1.PhaseUnderReview, "sha256:aaaa"
	app.Status.Conditions = []metav1.Condition{{Type: qualv1.ConditionUnderReview, Status: metav1.ConditionTrue, ObservedGeneration: 2}}
	return app
}

// merchant is what config/rbac/merchant_role.yaml grants of decision.WriteAccess.
var merchant = []string{
	"update categoryapplications.qualification.channelshop.dev", "patch categoryapplications.qualification.channelshop.dev",
	"create secrets", "update secrets", "patch secrets",
}

func TestReviewValidate(t *testing.T) {
	approve := func(reviewer string, mutate ...func(*qualv1.Decision)) func(*qualv1.CategoryApplication) {
		return func(a *qualv1.CategoryApplication) {
			d := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: reviewer, MaterialsDigest: "sha256:aaaa"}
			for _, m := range mutate {
				m(d)
			}
			a.Status.Decision = d
		}
	}
	reject := func(reviewer string) func(*qualv1.CategoryApplication) {
		return func(a *qualv1.CategoryApplication) {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "Blurry", Message: "m", Generation: 2, Reviewer: reviewer}
		}
	}
	// A withdrawal of the Active listing an earlier round's approval made (the fixture is listed).
	withdraw := func(reviewer string) func(*qualv1.CategoryApplication) {
		return func(a *qualv1.CategoryApplication) {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "Forged", Message: "m", Generation: 2, Reviewer: reviewer}
		}
	}
	cases := []struct {
		name   string
		user   string
		change func(*qualv1.CategoryApplication)
		want   string // "" = allowed
		asked  bool   // the authorizer had to be asked
	}{
		{"an authorized reviewer approves", "alice", approve("alice"), "", true},
		{"a user without the approve verb", "walt", approve("walt"), `user "walt" may not decide jewelry applications: needs verb "approve"`, true},
		{"the creator", "maria", approve("maria"), `user "maria" created this application`, false},
		{"an editor of this round", "ed", approve("ed"), `user "ed" changed the spec of this application since its last decision`, false},
		{"a forged reviewer name", "alice", approve("boss"), "is recorded from the authenticated user", false},
		{"a stale generation", "alice", approve("alice", func(d *qualv1.Decision) { d.Generation = 1 }), "changed since you looked: generation 1 → 2", false},
		{"content the reviewer did not see", "alice", approve("alice", func(d *qualv1.Decision) { d.MaterialsDigest = "sha256:bbbb" }), "the materials of acme-gold changed since you looked", false},
		{"another status field", "alice", func(a *qualv1.CategoryApplication) { a.Status.Phase = qualv1.PhaseApproved }, "only the operator writes status", false},
		{"a status write that changes nothing", "alice", func(*qualv1.CategoryApplication) {}, "", false},
		{"a reviewer who may write the application", "cody", approve("cody"),
			`user "cody" may update categoryapplications.qualification.channelshop.dev in namespace shop-acme and cannot decide acme-gold: ` +
				`nobody who may write an application, or the Secrets it references, decides it (D16)`, true},
		{"a reviewer who may write its Secrets rejects", "sam", reject("sam"), `user "sam" may patch secrets in namespace shop-acme and cannot decide acme-gold`, true},
		{"a reviewer who may impersonate the namespace's ServiceAccounts", "nadia", approve("nadia"), `user "nadia" may impersonate serviceaccounts in namespace shop-acme`, true},
		{"a writer may withdraw", "cody", withdraw("cody"), "", true},
		{"the creator may withdraw", "maria", withdraw("maria"), "", true},
		{"a withdrawal still needs the approve verb", "walt", withdraw("walt"), `user "walt" may not decide jewelry applications`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			auth := &fakeAuthorizer{
				reviewers: map[string]bool{"alice": true, "maria": true, "ed": true, "cody": true, "sam": true, "nadia": true},
				// maria and cody are merchants of the namespace (config/rbac/merchant_role.yaml).
				writers: map[string][]string{
					"maria": merchant, "cody": merchant, "sam": {"patch secrets"}, "nadia": {"impersonate serviceaccounts"},
				},
			}
			w := &Review{Authorizer: auth, Decoder: admission.NewDecoder(scheme.Scheme), Clock: clocktesting.NewFakePassiveClock(time.Now()), Operator: "op"}
			old := appUnderReview()
			old.Status.Conditions = append(old.Status.Conditions, metav1.Condition{Type: qualv1.ConditionListed, Status: metav1.ConditionTrue, ObservedGeneration: 1})
			app := old.DeepCopy()
			c.change(app)
			resp := w.Validate(context.Background(), reviewRequest(t, c.user, old, app))
			if c.want == "" {
				g.Expect(resp.Allowed).To(BeTrue(), "%v", resp.Result)
			} else {
				g.Expect(resp.Allowed).To(BeFalse())
				g.Expect(resp.Result.Message).To(ContainSubstring(c.want))
			}
			g.Expect(auth.asked != nil).To(Equal(c.asked), "the API server is asked only once everything else passed")
		})
	}
}

func TestReviewValidateAuthorizerError(t *testing.T) {
	g := NewWithT(t)
	w := &Review{Authorizer: &fakeAuthorizer{err: errors.New("connection refused")}, Decoder: admission.NewDecoder(scheme.Scheme), Operator: "op"}
	old := appUnderReview()
	app := old.DeepCopy()
	app.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "alice", MaterialsDigest: "sha256:aaaa"}
	resp := w.Validate(context.Background(), reviewRequest(t, "alice", old, app))
	g.Expect(resp.Allowed).To(BeFalse(), "fails closed")
	g.Expect(resp.Result.Message).To(ContainSubstring("checking the reviewer's permission: connection refused"))
}

func TestOperatorMayOnlyArchiveDecisions(t *testing.T) {
	d := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "alice"}
	g := NewWithT(t)
	g.Expect(operatorDecisionError(d, nil)).To(BeEmpty(), "archiving")
	g.Expect(operatorDecisionError(d, d.DeepCopy())).To(BeEmpty(), "unchanged")
	g.Expect(operatorDecisionError(nil, d)).To(ContainSubstring("never make or change one"))
	forged := d.DeepCopy()
	forged.Verdict = qualv1.VerdictRejected
	g.Expect(operatorDecisionError(d, forged)).To(ContainSubstring("never make or change one"))
}
