package decision

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// A claim (D30) tells other reviewers that someone works on a round, before two of them decide
// it in parallel and the second learns it from a refusal. It is written like a decision: by the
// reviewer, into status.claim, through the status subresource; the webhook and the admission
// policy application-status enforce these rules with the same words. The policy has no clock,
// so the operator is the clock: it ends a claim at its expiry, and also on a decision (its
// holder's, or one that closes the round) and when a new round starts. A claim therefore stands until the operator ends it,
// and the webhook agrees with the policy on that.

// Claimed is pure: while another reviewer's claim stands, approvals and rejections are
// refused; a withdrawal never is (it only takes a listing back, D29).
func Claimed(app *qualv1.CategoryApplication, v qualv1.Verdict, user string) *Refusal {
	c := app.Status.Claim
	if !Separated(v) || c == nil || c.Reviewer == user {
		return nil
	}
	return &Refusal{Forbidden: true, Message: fmt.Sprintf(
		"%s is claimed by %q until %s: only they may approve or reject it until they release it, decide it, or the claim ends (D30)",
		app.Name, c.Reviewer, ClaimExpiry(c))}
}

// ClaimHeld is pure: only the reviewer holding a claim may renew, change or release it; it
// ends by itself (the operator ends it). Nobody takes over another's claim, not even an
// expired one the operator has not ended yet: the policy cannot tell it expired.
func ClaimHeld(app *qualv1.CategoryApplication, user string) *Refusal {
	c := app.Status.Claim
	if c == nil || c.Reviewer == user {
		return nil
	}
	return &Refusal{Forbidden: true, Message: fmt.Sprintf(
		"%s is claimed by %q until %s: only they may renew or release the claim; it ends at its expiry, on a decision and when a new round starts (D30)",
		app.Name, c.Reviewer, ClaimExpiry(c))}
}

// MayClaim is pure: a claim is about the generation under review. Only who may decide the round
// may claim it: callers also apply Who, and the API server says whether the user may write the
// application or decide its group, as for a decision.
func MayClaim(app *qualv1.CategoryApplication, c qualv1.Claim) *Refusal {
	gen := app.Generation
	if c.Generation != gen {
		return &Refusal{Field: "generation", Value: c.Generation, LookAgain: true, Message: fmt.Sprintf(
			"%s changed since you looked: generation %d → %d (D17); describe it again: %s", app.Name, c.Generation, gen, Describe(app))}
	}
	under := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionUnderReview)
	if under == nil || under.Status != metav1.ConditionTrue || under.ObservedGeneration != gen {
		return &Refusal{Forbidden: true, Message: fmt.Sprintf(
			"%s is not under review (phase %s): only a round under review can be claimed (D30)", app.Name, phase(app))}
	}
	// Four-eyes (D31): who approved the pending round may not approve it again, so their claim
	// would only keep the other reviewers from the approvals it still needs.
	if c.Reviewer != "" && Pending(app) && slices.Contains(RoundApprovers(app), c.Reviewer) {
		return &Refusal{Forbidden: true, Message: fmt.Sprintf(
			"user %q already approved generation %d of %s in this round (%s): its other approvals come from other reviewers, whom a claim would block (D30, D31)",
			c.Reviewer, gen, app.Name, Progress(app))}
	}
	return nil
}

// ClaimExpiry renders expiresAt as messages name it, and as the admission policy does
// (RFC 3339, UTC, seconds).
func ClaimExpiry(c *qualv1.Claim) string {
	return c.ExpiresAt.UTC().Format(time.RFC3339)
}

// BoundClaim is pure: the latest a claim made at now may run to, given the platform's
// maximum (0: qualv1.DefaultMaxClaimDuration).
func BoundClaim(expiresAt, now time.Time, max time.Duration) time.Time {
	if max <= 0 {
		max = qualv1.DefaultMaxClaimDuration
	}
	if limit := now.Add(max).Truncate(time.Second); expiresAt.After(limit) {
		return limit
	}
	return expiresAt
}
