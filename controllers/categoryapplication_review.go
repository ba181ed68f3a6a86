package controllers

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// review runs the review round of the current generation (D5, D13, D14, D17).
func (r *ApplicationReconciler) review(_ context.Context, s *appState) (stepResult, error) {
	days := int32(0)
	if s.policy != nil {
		days = s.policy.Spec.ReviewDays.For(s.app.Spec.Channel)
	}
	if t := honourDecision(s.app, s.now); t != nil {
		s.notes = append(s.notes, *t)
	}
	closed, note := closeRound(s.app, s.pins, s.now)
	if note != nil {
		s.notes = append(s.notes, *note)
	}
	s.closed = closed
	res := reviewRound(s.app, s.now, s.cal, days)
	recordApprovals(s.app, requiredApprovals(s.policy)) // before recordRound marks the round started
	recordRound(s.app, s.pins)
	if t := deadlineMoved(&s.before.Status, &s.app.Status, s.cal); t != nil {
		s.notes = append(s.notes, *t)
	}
	return res, nil
}

// EventDecisionIgnored is the warning event of a decision the controller does not honour.
const EventDecisionIgnored qualv1.NotificationEvent = "DecisionIgnored"

// honourDecision is pure, and the controller's own check behind the admission layers: an
// approval or rejection counts only for the generation and the materials of the round under
// review when it was made, whether or not the spec moved on since; a withdrawal always counts
// (it only takes rights away). Any other decision goes to history unheeded, with a warning
// event.
func honourDecision(app *qualv1.CategoryApplication, now time.Time) *transition {
	st, d := &app.Status, app.Status.Decision
	if d == nil || d.Verdict == qualv1.VerdictWithdrawn {
		return nil
	}
	why := ""
	switch {
	case st.SubmittedGeneration != d.Generation:
		why = fmt.Sprintf("generation %d was not under review", d.Generation)
	case d.Verdict == qualv1.VerdictApproved && st.MaterialsDigest != "" && d.MaterialsDigest != st.MaterialsDigest:
		why = fmt.Sprintf("it names materials %q, but the round under review is about %q", d.MaterialsDigest, st.MaterialsDigest)
	default:
		return nil
	}
	st.PushHistory(qualv1.ReviewRecord{Generation: d.Generation, Decision: d, ArchivedAt: &metav1.Time{Time: now}})
	st.Decision = nil
	return &transition{event: EventDecisionIgnored, warning: true, reason: "DecisionIgnored",
		message: fmt.Sprintf("a decision (%s) was not honoured: %s (D17)", d.Verdict, why)}
}

// reviewRound is pure: once closeRound closed a round about an older generation, it starts a
// round when the requirements are met, and reflects the decision or the deadline in
// conditions.
func reviewRound(app *qualv1.CategoryApplication, now time.Time, cal *calendar.Calendar, reviewDays int32) stepResult {
	st, gen := &app.Status, app.Generation
	if effectiveDecision(app) != nil {
		decided(app)
		return stepResult{}
	}
	removeConditions(app, qualv1.ConditionsIn(qualv1.ScopeDecision)...) // no decision about this generation
	setListedCompliance(app)                                            // unless a listing stands on an earlier approval
	if !meta.IsStatusConditionTrue(st.Conditions, qualv1.ConditionRequirementsMet) {
		endRound(app, qualv1.ReasonRequirementsNotMet, "not under review until every requirement is met (see status.findings)")
		return stepResult{}
	}
	if st.SubmittedGeneration != gen || st.SubmittedAt == nil {
		st.SubmittedGeneration = gen
		st.SubmittedAt = &metav1.Time{Time: now}
	}
	if reviewDays <= 0 {
		reviewDays = 5 // D5: the guide's default for the shop channel
	}
	// D5: the deadline is counted from the submission with the calendar in force on every
	// reconcile, so an open round follows a calendar that gains a year's holidays.
	st.ReviewDeadline = &metav1.Time{Time: cal.Deadline(st.SubmittedAt.Time, int(reviewDays)).UTC()}
	setDeadlineProvisionalCondition(app, cal)
	deadline := st.ReviewDeadline.Time
	if st.Decision != nil { // an approval waiting for others (D31)
		setCondition(app, qualv1.ConditionUnderReview, true, qualv1.ReasonAwaitingApprovals,
			awaitingMessage(app, deadline.In(cal.Location()).Format(time.RFC3339)))
	} else {
		setCondition(app, qualv1.ConditionUnderReview, true, qualv1.ReasonAwaitingReview,
			fmt.Sprintf("awaiting a reviewer's decision on generation %d; deadline %s", gen, deadline.In(cal.Location()).Format(time.RFC3339)))
	}
	if !now.Before(deadline) {
		setCondition(app, qualv1.ConditionReviewOverdue, true, qualv1.ReasonDeadlinePassed,
			fmt.Sprintf("no decision by the review deadline %s (D5)", deadline.In(cal.Location()).Format(time.RFC3339)))
		return stepResult{}
	}
	setCondition(app, qualv1.ConditionReviewOverdue, false, qualv1.ReasonWithinDeadline, "the review deadline has not passed")
	return stepResult{requeueAfter: deadline.Sub(now)}
}

// verdictMessage says what was decided and why, for the merchant: conditions, events and
// notifications in the application's namespace carry it, so it never names the reviewer (the
// decision and history record who decided, for those who may read them). A reason from the
// policy's catalogue comes with its title, and the guidance says what to fix (D32).
func verdictMessage(d *qualv1.Decision) string {
	msg := string(d.Verdict)
	if d.Reason != "" {
		msg += ": " + d.Reason
		if d.Title != "" {
			msg += " (" + d.Title + ")"
		}
	}
	if d.Message != "" {
		msg += ": " + d.Message
	}
	if d.Guidance != "" {
		msg += "; what to fix: " + d.Guidance
	}
	return msg
}

// decided reflects a decision about the current generation.
func decided(app *qualv1.CategoryApplication) {
	d := app.Status.Decision
	msg := verdictMessage(d)
	if d.Verdict == qualv1.VerdictApproved {
		setPolicyCompliantCondition(app)
	} else {
		meta.RemoveStatusCondition(&app.Status.Conditions, qualv1.ConditionPolicyCompliant)
	}
	switch d.Verdict {
	case qualv1.VerdictApproved:
		setCondition(app, qualv1.ConditionApproved, true, qualv1.ReasonApproved, msg)
		setCondition(app, qualv1.ConditionRejected, false, qualv1.ReasonApproved, msg)
		endRound(app, qualv1.ReasonApproved, msg)
	case qualv1.VerdictRejected:
		setCondition(app, qualv1.ConditionRejected, true, d.Reason, msg)
		setCondition(app, qualv1.ConditionApproved, false, qualv1.ReasonRejected, msg)
		endRound(app, qualv1.ReasonRejected, msg)
	case qualv1.VerdictWithdrawn:
		setCondition(app, qualv1.ConditionApproved, false, qualv1.ReasonWithdrawn, msg)
		setCondition(app, qualv1.ConditionRejected, false, qualv1.ReasonWithdrawn, msg)
		endRound(app, qualv1.ReasonWithdrawn, msg)
	}
}

// endRound: no round is open for the current generation; UnderReview says why, and the
// round's other conditions (ReviewOverdue) go.
func endRound(app *qualv1.CategoryApplication, reason, msg string) {
	for _, t := range qualv1.ConditionsIn(qualv1.ScopeRound) {
		if t != qualv1.ConditionUnderReview {
			meta.RemoveStatusCondition(&app.Status.Conditions, t)
		}
	}
	setCondition(app, qualv1.ConditionUnderReview, false, reason, msg)
}

// removeConditions drops conditions, typically all those of a scope (api/v1alpha1 conditions table).
func removeConditions(app *qualv1.CategoryApplication, types ...string) {
	for _, t := range types {
		meta.RemoveStatusCondition(&app.Status.Conditions, t)
	}
}

// setListedCompliance is pure: while a new round is open (after an edit or a change of
// Secret content) the Active listing still stands on an earlier approval. If the current spec
// does not meet its policy, PolicyCompliant=False tells reviewers (queue --noncompliant, their
// sink), who may withdraw that approval whatever the round's state (D29).
func setListedCompliance(app *qualv1.CategoryApplication) {
	if !meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionListed) {
		meta.RemoveStatusCondition(&app.Status.Conditions, qualv1.ConditionPolicyCompliant)
		return
	}
	req := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionRequirementsMet)
	if req != nil && req.Status == metav1.ConditionFalse {
		setCondition(app, qualv1.ConditionPolicyCompliant, false, qualv1.ReasonNoncompliant,
			"listed on an earlier approval, but the current spec does not meet its policy; a reviewer may withdraw it: "+req.Message)
		return
	}
	setCondition(app, qualv1.ConditionPolicyCompliant, true, qualv1.ReasonCompliant, "listed on an earlier approval; the current spec meets its policy")
}

// setCondition sets a condition for the application's current generation.
func setCondition(app *qualv1.CategoryApplication, t string, status bool, reason, msg string) {
	s := metav1.ConditionFalse
	if status {
		s = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&app.Status.Conditions, metav1.Condition{Type: t, Status: s, Reason: reason,
		Message: qualv1.Truncate(msg, qualv1.MaxConditionMessage), ObservedGeneration: app.Generation})
}

// setPolicyCompliantCondition: an approved application is re-checked whenever its policy
// changes; one that no longer complies keeps its listing until a reviewer withdraws it (D29).
func setPolicyCompliantCondition(app *qualv1.CategoryApplication) {
	req := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionRequirementsMet)
	if req != nil && req.Status == metav1.ConditionFalse {
		setCondition(app, qualv1.ConditionPolicyCompliant, false, qualv1.ReasonNoncompliant,
			"approved, but no longer meets its policy; a reviewer may withdraw it: "+req.Message)
		return
	}
	setCondition(app, qualv1.ConditionPolicyCompliant, true, qualv1.ReasonCompliant, "meets its policy")
}
