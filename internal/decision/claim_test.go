package decision

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

var claimEnd = time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)

func claimedBy(gen int64, who string) *qualv1.CategoryApplication {
	app := underReview(gen)
	app.Status.Claim = &qualv1.Claim{Reviewer: who, Generation: gen, ExpiresAt: metav1.NewTime(claimEnd)}
	return app
}

func TestClaimed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		app     *qualv1.CategoryApplication
		verdict qualv1.Verdict
		user    string
		want    string // "" = allowed
	}{
		{"unclaimed", underReview(2), qualv1.VerdictApproved, "rita", ""},
		{"own claim approves", claimedBy(2, "rita"), qualv1.VerdictApproved, "rita", ""},
		{"other approves", claimedBy(2, "carl"), qualv1.VerdictApproved, "rita",
			`acme-gold is claimed by "carl" until 2026-03-02T07:30:00Z: only they may approve or reject it until they release it, decide it, or the claim ends (D30)`},
		{"other rejects", claimedBy(2, "carl"), qualv1.VerdictRejected, "rita", `is claimed by "carl"`},
		{"other withdraws", claimedBy(2, "carl"), qualv1.VerdictWithdrawn, "rita", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := Claimed(tc.app, tc.verdict, tc.user)
			if tc.want == "" {
				g.Expect(r).To(BeNil())
				return
			}
			g.Expect(r).NotTo(BeNil())
			g.Expect(r.Forbidden).To(BeTrue())
			g.Expect(r.Message).To(ContainSubstring(tc.want))
		})
	}
}

func TestClaimHeldAndMayClaim(t *testing.T) {
	g := NewWithT(t)
	g.Expect(ClaimHeld(underReview(2), "rita")).To(BeNil())
	g.Expect(ClaimHeld(claimedBy(2, "rita"), "rita")).To(BeNil(), "the holder renews or releases")
	r := ClaimHeld(claimedBy(2, "carl"), "rita")
	g.Expect(r).NotTo(BeNil())
	g.Expect(r.Message).To(Equal(`acme-gold is claimed by "carl" until 2026-03-02T07:30:00Z: only they may renew or release the claim; it ends at its expiry, on a decision and when a new round starts (D30)`))

	g.Expect(MayClaim(underReview(2), qualv1.Claim{Reviewer: "rita", Generation: 2})).To(BeNil())
	r = MayClaim(underReview(3), qualv1.Claim{Reviewer: "rita", Generation: 2})
	g.Expect(r).NotTo(BeNil())
	g.Expect(r.Field).To(Equal("generation"))
	g.Expect(r.Message).To(ContainSubstring("acme-gold changed since you looked: generation 2 → 3 (D17)"))
	r = MayClaim(decided(2, qualv1.VerdictApproved), qualv1.Claim{Reviewer: "rita", Generation: 2})
	g.Expect(r).NotTo(BeNil())
	g.Expect(r.Message).To(Equal("acme-gold is not under review (phase Approved): only a round under review can be claimed (D30)"))
}

func TestBoundClaim(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 3, 2, 7, 0, 0, 500, time.UTC)
	g.Expect(BoundClaim(now.Add(time.Hour), now, 0)).To(Equal(now.Add(time.Hour)), "within the default 2h")
	g.Expect(BoundClaim(now.Add(3*time.Hour), now, 0)).To(Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
	g.Expect(BoundClaim(now.Add(time.Hour), now, 15*time.Minute)).To(Equal(time.Date(2026, 3, 2, 7, 15, 0, 0, time.UTC)))
}
