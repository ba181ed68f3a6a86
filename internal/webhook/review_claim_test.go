package webhook

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/scheme"
)

// TestReviewClaims (D30): the webhook's answers to claims, and to decisions while claimed,
// with the authorizer of TestReviewValidate.
func TestReviewClaims(t *testing.T) {
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	claim := func(who string, d time.Duration) *qualv1.Claim {
		return &qualv1.Claim{Reviewer: who, Generation: 2, ExpiresAt: metav1.NewTime(now.Add(d))}
	}
	approve := func(who string) func(*qualv1.CategoryApplication) {
		return func(a *qualv1.CategoryApplication) {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: who, MaterialsDigest: "sha256:aaaa"}
		}
	}
	setClaim := func(c *qualv1.Claim) func(*qualv1.CategoryApplication) {
		return func(a *qualv1.CategoryApplication) { a.Status.Claim = c }
	}
	held := `acme-gold is claimed by "alice" until 2026-03-02T07:30:00Z`
	for _, c := range []struct {
		name    string
		claimed *qualv1.Claim // the stored claim
		user    string
		change  func(*qualv1.CategoryApplication)
		want    string // "" = allowed
	}{
		{"a reviewer claims", nil, "alice", setClaim(claim("alice", 30*time.Minute)), ""},
		{"the creator claims", nil, "maria", setClaim(claim("maria", 30*time.Minute)), `user "maria" created this application and cannot decide it`},
		{"an editor claims", nil, "ed", setClaim(claim("ed", 30*time.Minute)), `user "ed" changed the spec of this application`},
		{"a writer claims", nil, "cody", setClaim(claim("cody", 30*time.Minute)), `user "cody" may update categoryapplications.qualification.channelshop.dev in namespace shop-acme and cannot decide acme-gold`},
		{"a user without the approve verb claims", nil, "walt", setClaim(claim("walt", 30*time.Minute)), `user "walt" may not decide jewelry applications`},
		{"a claim for someone else", nil, "alice", setClaim(claim("bob", 30*time.Minute)), `status.claim.reviewer: Invalid value: "bob": is recorded from the authenticated user`},
		{"a claim of an older generation", nil, "alice", setClaim(&qualv1.Claim{Reviewer: "alice", Generation: 1, ExpiresAt: metav1.NewTime(now)}),
			"acme-gold changed since you looked: generation 1 → 2"},
		{"the holder renews", claim("alice", 30*time.Minute), "alice", setClaim(claim("alice", time.Hour)), ""},
		{"the holder releases", claim("alice", 30*time.Minute), "alice", setClaim(nil), ""},
		{"another takes over", claim("alice", 30*time.Minute), "bob", setClaim(claim("bob", time.Hour)), held + ": only they may renew or release the claim"},
		{"another releases", claim("alice", 30*time.Minute), "bob", setClaim(nil), held + ": only they may renew or release the claim"},
		{"another approves", claim("alice", 30*time.Minute), "bob", approve("bob"), held + ": only they may approve or reject it until they release it, decide it, or the claim ends (D30)"},
		{"the holder approves", claim("alice", 30*time.Minute), "alice", approve("alice"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			auth := &fakeAuthorizer{
				reviewers: map[string]bool{"alice": true, "bob": true, "maria": true, "ed": true, "cody": true},
				writers:   map[string][]string{"maria": merchant, "cody": merchant},
			}
			w := &Review{Authorizer: auth, Decoder: admission.NewDecoder(scheme.Scheme), Clock: clocktesting.NewFakePassiveClock(now), Operator: "op"}
			old := appUnderReview()
			old.Status.Claim = c.claimed
			app := old.DeepCopy()
			c.change(app)
			resp := w.Validate(context.Background(), reviewRequest(t, c.user, old, app))
			if c.want == "" {
				g.Expect(resp.Allowed).To(BeTrue(), "%v", resp.Result)
				return
			}
			g.Expect(resp.Allowed).To(BeFalse())
			g.Expect(resp.Result.Message).To(ContainSubstring(c.want))
		})
	}
}

// TestMutateStampsClaims (D30): the claimant is the authenticated user, and no claim lasts
// longer than the platform allows from now.
func TestMutateStampsClaims(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	w := &Review{Decoder: admission.NewDecoder(scheme.Scheme), Clock: clocktesting.NewFakePassiveClock(now), Operator: "op", MaxClaim: time.Hour}
	old := appUnderReview()
	app := old.DeepCopy()
	app.Status.Claim = &qualv1.Claim{Reviewer: "boss", Generation: 2, ExpiresAt: metav1.NewTime(now.Add(10 * time.Hour))}
	resp := w.Mutate(context.Background(), reviewRequest(t, "alice", old, app))
	g.Expect(resp.Allowed).To(BeTrue())
	g.Expect(resp.Patches).To(ContainElements(
		And(HaveField("Path", "/status/claim/reviewer"), HaveField("Value", "alice")),
		And(HaveField("Path", "/status/claim/expiresAt"), HaveField("Value", "2026-03-02T08:00:00Z"))))

	app.Status.Claim.ExpiresAt = metav1.NewTime(now.Add(30 * time.Minute))
	resp = w.Mutate(context.Background(), reviewRequest(t, "alice", old, app))
	g.Expect(resp.Patches).NotTo(ContainElement(HaveField("Path", "/status/claim/expiresAt")), "within the maximum: kept as sent")
}
