package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/requirements"
)

// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=showcaselistings,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=showcaselistings/status,verbs=get;update;patch

// listing makes the approval's effect: a ShowcaseListing owned by the application (D14, D20).
// It is created on approval (or adopted, when a deleted application of the same name left it),
// suspended (never deleted) when a later round is rejected or the approval withdrawn, expired
// at validUntil, and active again on a later approval.
func (r *ApplicationReconciler) listing(ctx context.Context, s *appState) (stepResult, error) {
	app := s.app
	current := &qualv1.ShowcaseListing{}
	err := r.Get(ctx, client.ObjectKeyFromObject(app), current)
	if apierrors.IsNotFound(err) {
		current = nil
	} else if err != nil {
		return stepResult{}, err
	}
	// The decision the listing follows: the current one, or one that took effect as its round
	// closed (closeRound). fresh: it takes effect in this reconcile.
	d, facts, fresh := effectiveDecision(app), app.Status.ListingFacts, false
	if d != nil {
		fresh = !inEffect(s.before, d)
	} else if s.closed != nil {
		d, facts, fresh = s.closed.decision, s.closed.facts, true
	}
	approved := d != nil && d.Verdict == qualv1.VerdictApproved
	if current != nil && !metav1.IsControlledBy(current, app) {
		switch {
		case !leftByDeleted(current, app):
			setCondition(app, qualv1.ConditionListed, false, qualv1.ReasonListingConflict,
				fmt.Sprintf("a ShowcaseListing %q exists that this application does not own; it is left untouched", app.Name))
			return stepResult{}, nil
		case !approved:
			// Not this application's to change until an approval: it stays as the
			// ListingReconciler keeps it (Suspended, or Expired).
			app.Status.ListingRef = nil
			setCondition(app, qualv1.ConditionListed, false, qualv1.ReasonListingOrphaned, fmt.Sprintf(
				"ShowcaseListing %s was left by a deleted application of this name and stands on no approval; an approval of this application adopts it", app.Name))
			return stepResult{}, nil
		}
		// Approved: DesiredListing adopts it.
	}
	if current == nil && !approved {
		meta.RemoveStatusCondition(&app.Status.Conditions, qualv1.ConditionListed)
		app.Status.ListingRef = nil
		return stepResult{}, nil
	}

	desired := current
	if approved {
		// The operator's own clock dates the approval's effect: decidedAt is the webhook's stamp,
		// or whatever the client sent when only the admission policies stand.
		approvedAt := metav1.Time{Time: s.now}
		if current != nil && current.Spec.ApprovedGeneration == d.Generation && (!fresh || madeThisRound(app, current, s)) {
			approvedAt = current.Spec.ApprovedAt
		}
		desired = DesiredListing(app, d, facts, current, r.Scheme(), approvedAt)
		if current == nil {
			if err := r.Create(ctx, desired, client.FieldOwner(FieldManager)); err != nil {
				// AlreadyExists: the cache was behind; the next reconcile adopts or reports it.
				return stepResult{}, err
			}
		} else if !apiequality.Semantic.DeepEqual(current.Spec, desired.Spec) || !apiequality.Semantic.DeepEqual(current.OwnerReferences, desired.OwnerReferences) {
			if err := r.Patch(ctx, desired, lockedMergeFrom(current), client.FieldOwner(FieldManager)); err != nil {
				return stepResult{}, err
			}
		}
	}
	state, reason, requeue := listingState(d, desired, s.now, s.cal)
	if desired.Status.State != state || desired.Status.Reason != reason || desired.Status.ObservedGeneration != desired.Generation {
		before := desired.DeepCopy()
		SetListingState(desired, state, reason)
		if err := r.Status().Patch(ctx, desired, lockedMergeFrom(before), client.FieldOwner(FieldManager)); err != nil {
			return stepResult{}, err
		}
	}
	setListedCondition(app, desired)
	if effectiveDecision(app) == nil {
		setListedCompliance(app) // the listing may have changed in this reconcile
	}
	return stepResult{requeueAfter: requeue}, nil
}

// lockedMergeFrom is a merge patch guarded by the resourceVersion read. Two controllers write
// a listing's status (this one while the application lives, the ListingReconciler once it is
// gone): a write made on what was read before the other's must fail (409, retried) instead of
// overwriting it, such as an Active put back over the ApplicationGone of a deletion.
func lockedMergeFrom(obj client.Object) client.Patch {
	return client.MergeFromWithOptions(obj, client.MergeFromWithOptimisticLock{})
}

// leftByDeleted is pure: whether l was left by a deleted application of app's name, so that
// app may adopt it on approval: no controller (`kubectl delete --cascade=orphan`), or a
// controller reference to a CategoryApplication of this name with another UID (names are
// unique in a namespace, so that one is gone; the garbage collector has not caught up).
// Anything else this application does not control is a conflict.
func leftByDeleted(l *qualv1.ShowcaseListing, app *qualv1.CategoryApplication) bool {
	if l.Namespace != app.Namespace || l.Spec.ApplicationRef.Name != app.Name {
		return false
	}
	c := metav1.GetControllerOf(l)
	return c == nil || (isApplicationRef(*c, app.Name) && c.UID != app.UID)
}

// isApplicationRef: o refers to the CategoryApplication name (of any UID).
func isApplicationRef(o metav1.OwnerReference, name string) bool {
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	return err == nil && gv.Group == qualv1.GroupVersion.Group && o.Kind == "CategoryApplication" && o.Name == name
}

// SetListingState is pure: a listing's status for a state. Exported, like DesiredListing,
// for the benchmark's floor.
func SetListingState(l *qualv1.ShowcaseListing, state qualv1.ListingState, reason string) {
	l.Status.State, l.Status.Reason, l.Status.ObservedGeneration = state, reason, l.Generation
	meta.SetStatusCondition(&l.Status.Conditions, metav1.Condition{Type: qualv1.ConditionReady,
		Status: boolStatus(state == qualv1.ListingActive), Reason: reason, ObservedGeneration: l.Generation,
		Message: fmt.Sprintf("listing is %s", state)})
}

// setListedCondition is pure: the application's Listed condition from its listing's state.
func setListedCondition(app *qualv1.CategoryApplication, l *qualv1.ShowcaseListing) {
	app.Status.ListingRef = &qualv1.LocalObjectReference{Name: l.Name}
	msg := fmt.Sprintf("ShowcaseListing %s is %s", l.Name, l.Status.State)
	if l.Spec.ValidUntil != nil {
		msg += fmt.Sprintf(" (valid until %s)", *l.Spec.ValidUntil)
	}
	setCondition(app, qualv1.ConditionListed, l.Status.State == qualv1.ListingActive, l.Status.Reason, msg)
}

// DesiredListing is the listing of approval d: what its round recorded (facts; nil: the
// current spec's, which d is about), never a spec that replaced it (D17). It keeps the object
// identity of an existing listing (adoption) and only replaces its spec. Exported for the
// benchmark's floor, which must write the very listing the operator writes.
func DesiredListing(app *qualv1.CategoryApplication, d *qualv1.Decision, facts *qualv1.ListingFacts, current *qualv1.ShowcaseListing,
	scheme *runtime.Scheme, approvedAt metav1.Time) *qualv1.ShowcaseListing {
	l := &qualv1.ShowcaseListing{}
	if current != nil {
		l = current.DeepCopy()
		if !metav1.IsControlledBy(l, app) {
			// Adoption of a listing left by a deleted application of this name (leftByDeleted):
			// the deleted one's reference goes, this one becomes the controller.
			l.OwnerReferences = slices.DeleteFunc(l.OwnerReferences, func(o metav1.OwnerReference) bool { return isApplicationRef(o, app.Name) })
			_ = controllerutil.SetControllerReference(app, l, scheme) // cannot fail: no other controller is left
		}
	} else {
		l.Name, l.Namespace = app.Name, app.Namespace
		_ = controllerutil.SetControllerReference(app, l, scheme) // cannot fail: both types are in the scheme
	}
	if facts == nil {
		f := listingFactsOf(app)
		facts = &f
	}
	l.Spec = qualv1.ShowcaseListingSpec{
		ApplicationRef: qualv1.LocalObjectReference{Name: app.Name},
		AppID:          app.Spec.Merchant.AppID, ShopName: facts.ShopName, // AppID and category never change (D18)
		Category: app.Spec.Category, Channel: facts.Channel,
		ApprovedGeneration: d.Generation, ApprovedAt: approvedAt, ValidUntil: facts.ValidUntil,
	}
	return l
}

// madeThisRound is pure: whether the listing was already dated for the current round's
// approval, by an earlier reconcile whose status write did not land (a conflict), so a retry
// keeps its date. The round's submittedAt is the operator's own; a listing of an earlier round
// of the same generation (a Secret file changed) is dated before it.
func madeThisRound(app *qualv1.CategoryApplication, l *qualv1.ShowcaseListing, s *appState) bool {
	return s.closed == nil && app.Status.SubmittedAt != nil && !l.Spec.ApprovedAt.Before(app.Status.SubmittedAt)
}

// listingFactsOf is pure: what a listing of the current spec says besides AppID and category.
func listingFactsOf(app *qualv1.CategoryApplication) qualv1.ListingFacts {
	return qualv1.ListingFacts{ShopName: app.Spec.Merchant.ShopName, Channel: app.Spec.Channel, ValidUntil: requirements.EarliestValidUntil(app)}
}

// listingState is pure: expiry wins, then d, the latest decision; a round under review (no
// decision) keeps the state the last decision gave (renewal does not suspend).
func listingState(d *qualv1.Decision, l *qualv1.ShowcaseListing, now time.Time, cal *calendar.Calendar) (qualv1.ListingState, string, time.Duration) {
	expired, requeue := listingExpiry(l, now, cal)
	if expired {
		return qualv1.ListingExpired, qualv1.ReasonListingExpired, 0
	}
	if d != nil && d.Verdict != qualv1.VerdictApproved {
		return qualv1.ListingSuspended, qualv1.ReasonListingSuspended, requeue
	}
	if d == nil && l.Status.State == qualv1.ListingSuspended {
		return qualv1.ListingSuspended, qualv1.ReasonListingSuspended, requeue
	}
	return qualv1.ListingActive, qualv1.ReasonListingActive, requeue
}

// listingExpiry is pure: whether the listing's validUntil has passed, valid through that day
// in the calendar's timezone (D20), and if not how long until it does (0: no end date).
func listingExpiry(l *qualv1.ShowcaseListing, now time.Time, cal *calendar.Calendar) (bool, time.Duration) {
	if l.Spec.ValidUntil == nil {
		return false, 0
	}
	d, err := calendar.ParseDate(string(*l.Spec.ValidUntil))
	if err != nil {
		return false, 0
	}
	end := d.AddDays(1).Start(cal.Location())
	if !now.Before(end) {
		return true, 0
	}
	return false, end.Sub(now)
}

func boolStatus(b bool) metav1.ConditionStatus {
	if b {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}
