package controllers

import (
	"fmt"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// Four-eyes approval (D31). An approval short of the round's required approvals
// (decision.Pending) is on record in status.decision but decides nothing: the round stays
// under review (UnderReview=True, reason AwaitingApprovals), no condition of the decision
// scope is set, nothing is listed or notified. The approval that completes the round takes
// effect as a single approval does.

// requiredApprovals is what the policy asks of a round (1 without a policy).
func requiredApprovals(p *qualv1.CategoryPolicy) int32 {
	if p == nil || p.Spec.RequiredApprovals < 1 {
		return 1
	}
	return min(p.Spec.RequiredApprovals, qualv1.MaxRequiredApprovals)
}

// recordApprovals is pure: a round that is starting (it has not recorded its listing facts
// yet, recordRound) copies the policy's required approvals when more than one, so a change of
// the policy applies from the next round and the admission layers can read it; then the
// approvers counted so far are recorded. Rounds that need one approval record nothing.
func recordApprovals(app *qualv1.CategoryApplication, required int32) {
	st := &app.Status
	if st.SubmittedGeneration == app.Generation && st.ListingFacts == nil && st.Decision == nil && required > 1 {
		st.Approvals = &qualv1.RoundApprovals{Required: required}
	}
	if st.Approvals == nil {
		return
	}
	if a := decision.RoundApprovers(app); a != nil {
		st.Approvals.Approvers = a
	}
}

// effectiveDecision is the decision that is in effect: status.decision unless it is an
// approval still waiting for others.
func effectiveDecision(app *qualv1.CategoryApplication) *qualv1.Decision {
	if decision.Pending(app) {
		return nil
	}
	return app.Status.Decision
}

// awaitingMessage is UnderReview's message while approvals are missing. The merchant reads it,
// so it counts the approvals and names nobody (D32): who approved is the reviewers' business
// (status.approvals, queue, describe).
func awaitingMessage(app *qualv1.CategoryApplication, deadline string) string {
	return fmt.Sprintf("%d of %d approvals on generation %d; awaiting an approval by another reviewer; deadline %s",
		len(decision.RoundApprovers(app)), decision.Required(app), app.Generation, deadline)
}
