package controllers

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// A review round is about one generation of the spec and the content of its Secret files as
// recorded when it started (D17, D19). This file closes and records rounds; reviewRound
// (categoryapplication_review.go) opens them and reflects them in conditions.

// closedDecision is a decision that takes effect as its round closes, because the operator
// first saw it after the spec or the Secret content had moved on. The listing step applies it.
type closedDecision struct {
	decision *qualv1.Decision
	// facts are what the round recorded for a listing made from its approval.
	facts *qualv1.ListingFacts
}

// closeRound is pure: when the spec or the content of the Secret files moves on, the round
// under way goes to history with its decision, decided or not (D13), and reviewRound starts a
// new one; the listing keeps the state the round's decision gave. A decision no reconcile had
// put into effect yet (the API server accepted it, then the merchant's change landed before
// the operator saw it) takes effect now, for the round it was made on: closeRound returns it,
// with its event. A decision about the current generation stays: it is not the closing
// round's (a withdrawal of the listing sent after an edit the operator had not yet seen).
func closeRound(app *qualv1.CategoryApplication, p *pins, now time.Time) (*closedDecision, *transition) {
	st, gen := &app.Status, app.Generation
	d := st.Decision
	specMoved := st.SubmittedGeneration != 0 && st.SubmittedGeneration != gen || d != nil && d.Generation != gen
	contentMoved := p != nil && st.MaterialsDigest != "" && st.MaterialsDigest != p.digest &&
		(st.SubmittedGeneration == gen || d != nil && d.Generation == gen)
	if !specMoved && !contentMoved {
		return nil, nil
	}
	if d != nil && d.Generation == gen && st.SubmittedGeneration != 0 && st.SubmittedGeneration != gen {
		d = nil
	}
	var closed *closedDecision
	var note *transition
	if d != nil && !inEffect(app, d) && !decision.Short(app) { // a pending approval (D31) never takes effect
		closed, note = takeEffect(app, d)
	}
	archiveRound(st, d, now)
	return closed, note
}

// inEffect reports that an earlier reconcile reflected d: its verdict's condition is set for
// d's generation (decided).
func inEffect(app *qualv1.CategoryApplication, d *qualv1.Decision) bool {
	is := func(t string, s metav1.ConditionStatus) *metav1.Condition {
		c := meta.FindStatusCondition(app.Status.Conditions, t)
		if c == nil || c.Status != s || c.ObservedGeneration != d.Generation {
			return nil
		}
		return c
	}
	switch d.Verdict {
	case qualv1.VerdictApproved:
		return is(qualv1.ConditionApproved, metav1.ConditionTrue) != nil
	case qualv1.VerdictRejected:
		return is(qualv1.ConditionRejected, metav1.ConditionTrue) != nil
	}
	c := is(qualv1.ConditionApproved, metav1.ConditionFalse)
	return c != nil && c.Reason == qualv1.ReasonWithdrawn
}

// takeEffect is pure: what a decision taking effect as its round closes does, and its event.
// honourDecision has already set aside a decision that was not about the round. An approval
// lists what its round recorded (ListingFacts), never the spec that replaced it; without that
// record (a round started before the operator kept one) it lists nothing and is ignored with
// a warning.
func takeEffect(app *qualv1.CategoryApplication, d *qualv1.Decision) (*closedDecision, *transition) {
	facts := app.Status.ListingFacts
	if facts == nil && d.Generation == app.Generation {
		f := listingFactsOf(app)
		facts = &f
	}
	if d.Verdict == qualv1.VerdictApproved && facts == nil {
		return nil, &transition{event: EventDecisionIgnored, warning: true, reason: "DecisionIgnored", message: fmt.Sprintf(
			"%s was not put into effect: generation %d changed before the operator saw it, and its round recorded no listing facts; a reviewer decides the new round (D17)",
			verdictMessage(d), d.Generation)}
	}
	t := &transition{message: fmt.Sprintf("%s (generation %d, decided before the application changed; a new round follows)", verdictMessage(d), d.Generation),
		round: &roundKey{generation: d.Generation, materialsDigest: app.Status.MaterialsDigest}}
	switch d.Verdict {
	case qualv1.VerdictApproved:
		t.event, t.reason = qualv1.EventApproved, qualv1.ReasonApproved
	case qualv1.VerdictRejected:
		t.event, t.reason, t.warning = qualv1.EventRejected, d.Reason, true
		t.title, t.guidance = d.Title, d.Guidance
	default:
		t.event, t.reason, t.warning = qualv1.EventWithdrawn, qualv1.ReasonWithdrawn, true
	}
	return &closedDecision{decision: d, facts: facts}, t
}

// archiveRound moves the round under way to history, newest first, bounded, with d, its
// decision (nil: undecided, or the decision is not the round's and stays). The round's file
// digests become the reference describe compares the next rounds with.
func archiveRound(st *qualv1.CategoryApplicationStatus, d *qualv1.Decision, now time.Time) {
	gen := st.SubmittedGeneration
	if d != nil {
		gen = d.Generation
		st.Decision, st.DecidedSecretFiles = nil, st.SecretFiles
	}
	st.PushHistory(qualv1.ReviewRecord{Generation: gen, SubmittedAt: st.SubmittedAt, ReviewDeadline: st.ReviewDeadline,
		MaterialsDigest: st.MaterialsDigest, Decision: d, ArchivedAt: &metav1.Time{Time: now}})
	st.SubmittedAt, st.ReviewDeadline, st.SubmittedGeneration = nil, nil, 0
	st.MaterialsDigest, st.SecretFiles, st.ListingFacts = "", nil, nil
	st.Claim = nil // a claim is on a round (D30)
	st.Approvals = nil
}

// recordRound is pure: a round that has just started records what it is about: the content
// of its Secret files, and the facts a listing made from its approval will say.
func recordRound(app *qualv1.CategoryApplication, p *pins) {
	st := &app.Status
	if st.SubmittedGeneration != app.Generation {
		return
	}
	if st.ListingFacts == nil {
		f := listingFactsOf(app)
		st.ListingFacts = &f
	}
	if p == nil || st.MaterialsDigest != "" {
		return
	}
	st.SecretFiles, st.MaterialsDigest = p.files, p.digest
	if len(st.SecretFiles) == 0 {
		st.SecretFiles = nil
	}
}
