package main

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// The floor writes what the operator writes, computed here without its reconciler: the same
// fields and conditions, so objects and admission work are the same size in both runs.

func setCond(app *qualv1.CategoryApplication, t string, ok bool, reason, msg string) {
	s := metav1.ConditionFalse
	if ok {
		s = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&app.Status.Conditions, metav1.Condition{Type: t, Status: s, Reason: reason,
		Message: msg, ObservedGeneration: app.Generation})
}

// underReviewStatus is the status of a valid application waiting for a reviewer.
func (b *bench) underReviewStatus(app *qualv1.CategoryApplication, now time.Time) {
	st, gen := &app.Status, app.Generation
	deadline := b.calendar.Deadline(now, b.reviewDays).UTC()
	st.ObservedGeneration, st.Phase, st.SubmittedGeneration = gen, qualv1.PhaseUnderReview, gen
	st.SubmittedAt, st.ReviewDeadline = &metav1.Time{Time: now}, &metav1.Time{Time: deadline}
	msg := fmt.Sprintf("awaiting a reviewer's decision on generation %d; deadline %s", gen,
		deadline.In(b.calendar.Location()).Format(time.RFC3339))
	setCond(app, qualv1.ConditionRequirementsMet, true, qualv1.ReasonRequirementsMet, "all requirements of the category's policy are met")
	setCond(app, qualv1.ConditionUnderReview, true, qualv1.ReasonAwaitingReview, msg)
	setCond(app, qualv1.ConditionReviewOverdue, false, qualv1.ReasonWithinDeadline, "the review deadline has not passed")
	setCond(app, qualv1.ConditionReady, false, qualv1.ReasonAwaitingReview, msg)
}

// activate is an Active listing's status.
func activate(l *qualv1.ShowcaseListing) {
	l.Status.State, l.Status.Reason, l.Status.ObservedGeneration = qualv1.ListingActive, qualv1.ReasonListingActive, l.Generation
	meta.SetStatusCondition(&l.Status.Conditions, metav1.Condition{Type: qualv1.ConditionReady, Status: metav1.ConditionTrue,
		Reason: qualv1.ReasonListingActive, ObservedGeneration: l.Generation, Message: "listing is Active"})
}

// listedStatus is the status of an approved application with an Active listing.
func listedStatus(app *qualv1.CategoryApplication, l *qualv1.ShowcaseListing) {
	d, st := app.Status.Decision, &app.Status
	msg := fmt.Sprintf("%s by %s", d.Verdict, d.Reviewer)
	if d.Message != "" {
		msg += ": " + d.Message
	}
	meta.RemoveStatusCondition(&st.Conditions, qualv1.ConditionReviewOverdue)
	setCond(app, qualv1.ConditionPolicyCompliant, true, qualv1.ReasonCompliant, "meets its policy")
	setCond(app, qualv1.ConditionApproved, true, qualv1.ReasonApproved, msg)
	setCond(app, qualv1.ConditionRejected, false, qualv1.ReasonApproved, msg)
	setCond(app, qualv1.ConditionUnderReview, false, qualv1.ReasonApproved, msg)
	st.ListingRef = &qualv1.LocalObjectReference{Name: l.Name}
	listed := fmt.Sprintf("ShowcaseListing %s is %s", l.Name, qualv1.ListingActive)
	if l.Spec.ValidUntil != nil {
		listed += fmt.Sprintf(" (valid until %s)", *l.Spec.ValidUntil)
	}
	setCond(app, qualv1.ConditionListed, true, qualv1.ReasonListingActive, listed)
	st.Phase = qualv1.PhaseApproved
	setCond(app, qualv1.ConditionReady, true, qualv1.ReasonApproved, "approved and listed: the shop may sell this category")
}
