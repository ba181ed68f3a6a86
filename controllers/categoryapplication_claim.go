package controllers

import (
	"slices"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// endClaim is pure and makes the operator the clock of claims (D30), which the admission
// policy lacks: a claim stands until this ends it. It runs after the round's state is
// computed, and ends the claim at its expiry, on its claimant's decision, and when its round
// is no longer under review (a decision that closes it, a new generation, a failed
// requirement, a duplicate; a new round of the same generation is ended by archiveRound). A
// claim longer than the platform allows from now (made without the webhook, which bounds it)
// is shortened. It returns when to come back: at the expiry.
func endClaim(app *qualv1.CategoryApplication, now time.Time, max time.Duration) time.Duration {
	st := &app.Status
	c := st.Claim
	if c == nil {
		return 0
	}
	under := meta.FindStatusCondition(st.Conditions, qualv1.ConditionUnderReview)
	open := under != nil && under.Status == metav1.ConditionTrue && under.ObservedGeneration == app.Generation
	// The claimant decided. Anyone else's decision that closes the round ends it as !open; one
	// that leaves the round open (a withdrawal of an earlier listing) does not.
	decided := st.Decision != nil && st.Decision.Generation == c.Generation && st.Decision.Reviewer == c.Reviewer
	// An approver of a pending four-eyes round (D31), archived to history by a later approval:
	// their claim would only block the approvals the round still needs.
	decided = decided || decision.Pending(app) && slices.Contains(decision.RoundApprovers(app), c.Reviewer)
	if c.Generation != app.Generation || !open || decided || !now.Before(c.ExpiresAt.Time) {
		st.Claim = nil
		return 0
	}
	if bounded := decision.BoundClaim(c.ExpiresAt.Time, now, max); !bounded.Equal(c.ExpiresAt.Time) {
		c.ExpiresAt = metav1.NewTime(bounded)
	}
	return c.ExpiresAt.Sub(now)
}

// claimMade passes a reviewer's new or renewed claim to the reconciler, which bounds it and
// comes back at its expiry (endClaim); a release needs nothing.
type claimMade struct{ predicate.Funcs }

func (claimMade) Create(event.CreateEvent) bool   { return false }
func (claimMade) Delete(event.DeleteEvent) bool   { return false }
func (claimMade) Generic(event.GenericEvent) bool { return false }
func (claimMade) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*qualv1.CategoryApplication)
	n, ok2 := e.ObjectNew.(*qualv1.CategoryApplication)
	return ok1 && ok2 && n.Status.Claim != nil && !apiequality.Semantic.DeepEqual(o.Status.Claim, n.Status.Claim)
}
