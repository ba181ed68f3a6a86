package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// summarize is pure: from the conditions the steps set it derives phase, Ready and Stalled
// (kstatus), and records that this generation was processed.
func summarize(app *qualv1.CategoryApplication, duplicate bool) {
	st := &app.Status
	meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionReconciling)
	st.ObservedGeneration = app.Generation
	if duplicate {
		return // the duplicates step set phase, Stalled and Ready, and ended the list
	}
	cond := func(t string) *metav1.Condition { return meta.FindStatusCondition(st.Conditions, t) }
	ready := func(ok bool, reason, msg string) { setCondition(app, qualv1.ConditionReady, ok, reason, msg) }
	stalled := func(reason, msg string) { setCondition(app, qualv1.ConditionStalled, true, reason, msg) }

	var verdict qualv1.Verdict
	if st.Decision != nil {
		verdict = st.Decision.Verdict
	}
	switch {
	case verdict == qualv1.VerdictApproved:
		st.Phase = qualv1.PhaseApproved
		meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionStalled)
		if l := cond(qualv1.ConditionListed); l != nil && l.Status == metav1.ConditionTrue {
			ready(true, qualv1.ReasonApproved, "approved and listed: the shop may sell this category")
		} else if l != nil {
			ready(false, l.Reason, l.Message)
		} else {
			ready(false, qualv1.ReasonListingPending, "approved; the listing is being created")
		}
	case verdict == qualv1.VerdictRejected:
		st.Phase = qualv1.PhaseRejected
		c := cond(qualv1.ConditionRejected)
		stalled(qualv1.ReasonRejected, c.Message+"; fix the application and apply it again to resubmit (D13)")
		ready(false, qualv1.ReasonRejected, c.Message)
	case verdict == qualv1.VerdictWithdrawn:
		st.Phase = qualv1.PhaseWithdrawn
		c := cond(qualv1.ConditionApproved)
		stalled(qualv1.ReasonWithdrawn, c.Message+"; update the application so that it complies to go through review again (D29)")
		ready(false, qualv1.ReasonWithdrawn, c.Message)
	case meta.IsStatusConditionTrue(st.Conditions, qualv1.ConditionUnderReview):
		st.Phase = qualv1.PhaseUnderReview
		meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionStalled)
		ready(false, qualv1.ReasonAwaitingReview, cond(qualv1.ConditionUnderReview).Message)
	default:
		st.Phase = qualv1.PhaseIncomplete
		msg := "requirements not met"
		if c := cond(qualv1.ConditionRequirementsMet); c != nil {
			msg = c.Message
		}
		stalled(qualv1.ReasonRequirementsNotMet, msg)
		ready(false, qualv1.ReasonRequirementsNotMet, msg)
	}
}

// transition is a change worth telling someone about: a Kubernetes event and a notification.
type transition struct {
	event   qualv1.NotificationEvent
	warning bool
	reason  string
	message string
}

// transitions is pure: it compares the status before and after a reconcile, so side effects
// happen once per change and never on a resync that changes nothing.
func transitions(before, after *qualv1.CategoryApplicationStatus, generation int64) []transition {
	var out []transition
	became := func(t string, s metav1.ConditionStatus) (*metav1.Condition, bool) {
		a := meta.FindStatusCondition(after.Conditions, t)
		if a == nil || a.Status != s {
			return a, false
		}
		b := meta.FindStatusCondition(before.Conditions, t)
		return a, b == nil || b.Status != s
	}
	if c, ok := became(qualv1.ConditionRequirementsMet, metav1.ConditionFalse); ok && after.Phase != qualv1.PhaseApproved {
		out = append(out, transition{event: qualv1.EventRequirementsNotMet, warning: true, reason: c.Reason, message: c.Message})
	}
	// An approval the current spec no longer meets: after a policy change (D29), or after an
	// edit while the listing stands on an earlier approval. The reviewers hear of it.
	if c, ok := became(qualv1.ConditionPolicyCompliant, metav1.ConditionFalse); ok {
		out = append(out, transition{event: qualv1.EventPolicyNoncompliant, warning: true, reason: qualv1.ReasonNoncompliant, message: c.Message})
	}
	// A round starts: for a new generation, or again for the same one when the content of its
	// Secret files changed (D19).
	newRound := before.SubmittedGeneration != generation || before.SubmittedAt == nil || !before.SubmittedAt.Equal(after.SubmittedAt)
	if after.SubmittedGeneration == generation && after.SubmittedAt != nil && newRound {
		out = append(out, transition{event: qualv1.EventSubmitted, reason: qualv1.ReasonAwaitingReview,
			message: meta.FindStatusCondition(after.Conditions, qualv1.ConditionUnderReview).Message})
	}
	if c, ok := became(qualv1.ConditionReviewOverdue, metav1.ConditionTrue); ok {
		out = append(out, transition{event: qualv1.EventReviewOverdue, warning: true, reason: c.Reason, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionApproved, metav1.ConditionTrue); ok {
		out = append(out, transition{event: qualv1.EventApproved, reason: c.Reason, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionRejected, metav1.ConditionTrue); ok {
		out = append(out, transition{event: qualv1.EventRejected, warning: true, reason: c.Reason, message: c.Message})
	}
	if after.Phase == qualv1.PhaseWithdrawn && before.Phase != qualv1.PhaseWithdrawn {
		c := meta.FindStatusCondition(after.Conditions, qualv1.ConditionApproved)
		out = append(out, transition{event: qualv1.EventWithdrawn, warning: true, reason: qualv1.ReasonWithdrawn, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionListed, metav1.ConditionTrue); ok {
		out = append(out, transition{event: qualv1.EventListed, reason: c.Reason, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionListed, metav1.ConditionFalse); ok {
		b := meta.FindStatusCondition(before.Conditions, qualv1.ConditionListed)
		wasListed := b != nil && b.Status == metav1.ConditionTrue
		switch {
		case c.Reason == qualv1.ReasonListingSuspended && wasListed:
			out = append(out, transition{event: qualv1.EventListingSuspended, warning: true, reason: c.Reason, message: c.Message})
		case c.Reason == qualv1.ReasonListingExpired:
			out = append(out, transition{event: qualv1.EventListingExpired, warning: true, reason: c.Reason, message: c.Message})
		}
	}
	return out
}
