package decision

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// claimRefusal is what the status webhook's validateClaim (internal/webhook/review_claim.go)
// and decision.WriteClaim refuse of a new claim by user, before asking the API server about
// permissions: ClaimHeld, MayClaim, Who, in that order.
func claimRefusal(app *qualv1.CategoryApplication, user string) *Refusal {
	if r := ClaimHeld(app, user); r != nil {
		return r
	}
	c := qualv1.Claim{Reviewer: user, Generation: app.Generation, ExpiresAt: metav1.NewTime(time.Now().Add(2 * time.Hour))}
	if r := MayClaim(app, c); r != nil {
		return r
	}
	return Who(app, qualv1.VerdictApproved, user)
}

// TestApproverOfPendingRoundMayNotClaimIt (D30 x D31, found by a red-team session): a reviewer who already approved a four-eyes round may still
// claim it. Their claim then refuses every other reviewer's approval (Claimed), while they
// cannot approve again themselves (Approver): the round cannot get its remaining approvals
// until the claim ends, and its holder may renew it every 2h for ever. The operator's endClaim
// ends a claim whose holder wrote status.decision, but not one held by an approver archived to
// history (the first of three approvers once the second approved), so in a 3-approval group
// the first approver blocks the third approval indefinitely. The console offers "Claim" to that
// reviewer (decideView sets Claim before it asks Approver).
func TestApproverOfPendingRoundMayNotClaimIt(t *testing.T) {
	g := NewWithT(t)
	app := fourEyes(3, "alice", "bob") // 2 of 3: alice archived, bob's approval is status.decision
	g.Expect(Pending(app)).To(BeTrue())
	g.Expect(Approver(app, qualv1.VerdictApproved, "alice")).NotTo(BeNil(), "alice may not approve again")

	// What a claim by alice would do: carol, the third reviewer, could not approve.
	claimed := app.DeepCopy()
	claimed.Status.Claim = &qualv1.Claim{Reviewer: "alice", Generation: 2, ExpiresAt: metav1.NewTime(time.Now().Add(2 * time.Hour))}
	g.Expect(Claimed(claimed, qualv1.VerdictApproved, "carol")).NotTo(BeNil())

	g.Expect(claimRefusal(app, "alice")).NotTo(BeNil(),
		"a reviewer who approved the pending round must not claim it: the claim only blocks the approvals it still needs (D30, D31)")
	g.Expect(claimRefusal(app, "carol")).To(BeNil(), "carol, who has not approved, may claim it")
}
