package controllers

import (
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// summarize is pure: from the conditions the steps set it derives phase, Ready and Stalled
// (kstatus), and records that this generation was processed. The verdicts GitOps tools compute
// from the result are in the README's health table, which the tests check on every object.
func summarize(app *qualv1.CategoryApplication, duplicate bool) {
	st := &app.Status
	meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionReconciling)
	st.ObservedGeneration = app.Generation
	if duplicate {
		return // the duplicates step set phase, Stalled and Ready, and ended the list
	}
	cond := func(t string) *metav1.Condition { return meta.FindStatusCondition(st.Conditions, t) }
	ready := func(ok bool, reason, msg string) { setCondition(app, qualv1.ConditionReady, ok, reason, msg) }
	// stalled: someone must act; Ready is then False, never True (kstatus: Failed).
	stalled := func(reason, msg string) {
		setCondition(app, qualv1.ConditionStalled, true, reason, msg)
		ready(false, reason, msg)
	}
	unstalled := func() { meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionStalled) }

	var verdict qualv1.Verdict
	if d := effectiveDecision(app); d != nil {
		verdict = d.Verdict
	}
	switch {
	case verdict == qualv1.VerdictApproved:
		st.Phase = qualv1.PhaseApproved
		l := cond(qualv1.ConditionListed)
		switch {
		case l != nil && l.Status == metav1.ConditionTrue:
			unstalled()
			ready(true, qualv1.ReasonApproved, "approved and listed: the shop may sell this category")
		case l != nil && l.Reason == qualv1.ReasonListingExpired:
			stalled(l.Reason, l.Message+": renew the expired documents and update the application to go through review again (D20)")
		case l != nil && l.Reason == qualv1.ReasonListingConflict:
			stalled(l.Reason, l.Message+": delete that listing, then update the application (an annotation will do) so that the operator makes its own")
		case l != nil:
			unstalled()
			ready(false, l.Reason, l.Message)
		default:
			unstalled()
			ready(false, qualv1.ReasonListingPending, "approved; the listing is being created")
		}
	case verdict == qualv1.VerdictRejected:
		st.Phase = qualv1.PhaseRejected
		c := cond(qualv1.ConditionRejected)
		stalled(qualv1.ReasonRejected, c.Message+"; fix the application and apply it again to resubmit (D13)")
	case verdict == qualv1.VerdictWithdrawn:
		st.Phase = qualv1.PhaseWithdrawn
		c := cond(qualv1.ConditionApproved)
		stalled(qualv1.ReasonWithdrawn, c.Message+"; update the application so that it complies to go through review again (D29)")
	case meta.IsStatusConditionTrue(st.Conditions, qualv1.ConditionUnderReview):
		// Everything on this side is done and a reviewer decides next. kstatus reads Ready=False
		// as InProgress, which would hold a GitOps sync for up to 7 working days; an absent
		// Ready with no Stalled or Reconciling is Current. Ready=True stays "approved and listed".
		st.Phase = qualv1.PhaseUnderReview
		unstalled()
		meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionReady)
	default:
		st.Phase = qualv1.PhaseIncomplete
		msg := "requirements not met"
		if c := cond(qualv1.ConditionRequirementsMet); c != nil {
			msg = c.Message
		}
		stalled(qualv1.ReasonRequirementsNotMet, msg)
	}
}

// Outcomes of a reconcile besides success. Each says what the status shows and whether and
// when the work is retried; outcome turns them into conditions, events and a ctrl.Result.

// waitError: the cache is behind the API server (an object we just made is not visible yet).
// The reconcile is retried after a short wait, quietly: status and events stay as they were.
type waitError struct {
	err   error
	after time.Duration
}

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

// stallError: the API server refused a request as invalid; sending it again cannot succeed
// until the application changes, which triggers a reconcile. Stalled=True, no retry.
type stallError struct {
	reason string
	err    error
}

func (e *stallError) Error() string { return e.err.Error() }
func (e *stallError) Unwrap() error { return e.err }

// classify types an error returned by a step. Anything not recognised is transient: retried
// with backoff while Reconciling=True says so (RBAC being fixed, an API server restarting).
func classify(err error) error {
	var w *waitError
	var s *stallError
	switch {
	case err == nil, errors.As(err, &w), errors.As(err, &s):
		return err
	case apierrors.IsAlreadyExists(err), apierrors.IsConflict(err):
		return &waitError{err: err, after: 200 * time.Millisecond}
	case apierrors.IsInvalid(err):
		return &stallError{reason: qualv1.ReasonRequestRefused, err: err}
	}
	return err
}

// outcome is pure: the one place that turns what the steps returned into conditions, the
// events to emit after the status patch, and the ctrl.Result. On failure the steps' partial
// changes are dropped, so status only ever shows completed reconciles (and the next successful
// one still sees, and notifies, every transition), plus the error itself.
func outcome(s *appState, requeueAfter time.Duration, err error) (ctrl.Result, error) {
	err = classify(err)
	var w *waitError
	var st *stallError
	switch {
	case err == nil: // summarize and transitions ran; s.events holds what they found
		return ctrl.Result{RequeueAfter: requeueAfter}, nil
	case errors.As(err, &w):
		s.app.Status = *s.before.Status.DeepCopy()
		s.events = nil
		return ctrl.Result{RequeueAfter: w.after}, nil
	case errors.As(err, &st):
		s.app.Status = *s.before.Status.DeepCopy()
		meta.RemoveStatusCondition(&s.app.Status.Conditions, qualv1.ConditionReconciling)
		msg := "the API server refused a request made for this application; update the application to try again: " + err.Error()
		setCondition(s.app, qualv1.ConditionStalled, true, st.reason, msg)
		setCondition(s.app, qualv1.ConditionReady, false, st.reason, msg)
		s.events = errorTransitions(&s.before.Status, &s.app.Status)
		return ctrl.Result{}, reconcile.TerminalError(err)
	default:
		s.app.Status = *s.before.Status.DeepCopy()
		markReconciling(s.app, err)
		s.events = errorTransitions(&s.before.Status, &s.app.Status)
		return ctrl.Result{}, err
	}
}

// markReconciling records a transient failure in kstatus terms: Reconciling=True, so the
// application is InProgress whatever it was; Stalled removed (a retry is not a dead end);
// Ready=False (whatever was true before is not known to be true now). observedGeneration is
// left as it was.
func markReconciling(app *qualv1.CategoryApplication, err error) {
	msg := "retrying after error: " + err.Error()
	meta.RemoveStatusCondition(&app.Status.Conditions, qualv1.ConditionStalled)
	setCondition(app, qualv1.ConditionReconciling, true, qualv1.ReasonReconcileError, msg)
	setCondition(app, qualv1.ConditionReady, false, qualv1.ReasonReconcileError, msg)
}

// errorTransitions is pure: a failed reconcile raises a Warning event when the failure is new
// (Reconciling or Stalled became True, or its message changed), not on every retry.
func errorTransitions(before, after *qualv1.CategoryApplicationStatus) []transition {
	var out []transition
	for _, t := range []string{qualv1.ConditionReconciling, qualv1.ConditionStalled} {
		a := meta.FindStatusCondition(after.Conditions, t)
		if a == nil || a.Status != metav1.ConditionTrue {
			continue
		}
		b := meta.FindStatusCondition(before.Conditions, t)
		if b != nil && b.Status == a.Status && b.Reason == a.Reason && b.Message == a.Message {
			continue
		}
		out = append(out, transition{event: qualv1.NotificationEvent(a.Reason), warning: true, reason: a.Reason, message: a.Message})
	}
	return out
}

// transition is a change worth telling someone about: a Kubernetes event and a notification.
type transition struct {
	event   qualv1.NotificationEvent
	warning bool
	reason  string
	message string
	// round is the generation and materials digest the event is about when it is not the
	// current round (a decision taking effect as its round closes); zero: the current one.
	round *roundKey
	// title and guidance of a rejection's reason in the policy's catalogue (D32).
	title, guidance string
}

type roundKey struct {
	generation      int64
	materialsDigest string
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
	// Secret files changed (D19). The digest tells a new round of the same generation even
	// when its submittedAt is the previous round's (both within one second of the clock).
	newRound := before.SubmittedGeneration != generation || before.SubmittedAt == nil || !before.SubmittedAt.Equal(after.SubmittedAt) ||
		before.MaterialsDigest != "" && before.MaterialsDigest != after.MaterialsDigest
	started := after.SubmittedGeneration == generation && after.SubmittedAt != nil && newRound
	if started {
		out = append(out, transition{event: qualv1.EventSubmitted, reason: qualv1.ReasonAwaitingReview,
			message: meta.FindStatusCondition(after.Conditions, qualv1.ConditionUnderReview).Message})
	}
	// Once per round that opens provisional or becomes so (D5), not on every recount.
	if c, ok := became(qualv1.ConditionDeadlineProvisional, metav1.ConditionTrue); ok || c != nil && c.Status == metav1.ConditionTrue && started {
		out = append(out, transition{event: EventDeadlineProvisional, warning: true, reason: c.Reason, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionReviewOverdue, metav1.ConditionTrue); ok {
		out = append(out, transition{event: qualv1.EventReviewOverdue, warning: true, reason: c.Reason, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionApproved, metav1.ConditionTrue); ok {
		out = append(out, transition{event: qualv1.EventApproved, reason: c.Reason, message: c.Message})
	}
	if c, ok := became(qualv1.ConditionRejected, metav1.ConditionTrue); ok {
		t := transition{event: qualv1.EventRejected, warning: true, reason: c.Reason, message: c.Message}
		if d := after.Decision; d != nil && d.Verdict == qualv1.VerdictRejected {
			t.title, t.guidance = d.Title, d.Guidance
		}
		out = append(out, t)
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
		case c.Reason == qualv1.ReasonListingConflict && (b == nil || b.Reason != c.Reason):
			// Not notifiable: the platform team resolves it, not the merchant.
			out = append(out, transition{event: qualv1.ReasonListingConflict, warning: true, reason: c.Reason, message: c.Message})
		case c.Reason == qualv1.ReasonListingSuspended && wasListed:
			out = append(out, transition{event: qualv1.EventListingSuspended, warning: true, reason: c.Reason, message: c.Message})
		case c.Reason == qualv1.ReasonListingExpired:
			out = append(out, transition{event: qualv1.EventListingExpired, warning: true, reason: c.Reason, message: c.Message})
		}
	}
	return out
}
