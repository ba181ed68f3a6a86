package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// ListingReconciler keeps listings that no approval backs any more from being Active: their
// application was deleted (`kubectl delete --cascade=orphan` keeps the listing with no owner;
// a garbage collector that has not caught up leaves a reference to a UID that is gone) or is
// being deleted. Such a listing is Suspended with reason ApplicationGone, or Expired past
// validUntil (D14, D20), and kept for the record: nothing here deletes a listing. A listing a
// live application controls is the ApplicationReconciler's, and this one never writes it; a
// re-created application of the same name adopts the listing when it is approved.
type ListingReconciler struct {
	client.Client
	Recorder recorder.EventRecorder
	Clock    clock.PassiveClock
	// Calendar returns the working-day calendar in force (its timezone dates validUntil).
	Calendar func(ctx context.Context) *calendar.Calendar
}

// Reconcile writes the state of a listing no live application controls, and comes back at its
// validUntil.
func (r *ListingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	l := &qualv1.ShowcaseListing{}
	if err := r.Get(ctx, req.NamespacedName, l); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	app := &qualv1.CategoryApplication{}
	err := r.Get(ctx, types.NamespacedName{Namespace: l.Namespace, Name: l.Spec.ApplicationRef.Name}, app)
	switch {
	case apierrors.IsNotFound(err):
		app = nil
	case err != nil:
		return ctrl.Result{}, err
	}
	if backedBy(l, app) {
		return ctrl.Result{}, nil
	}
	state, reason, requeue := unbackedListingState(l, r.Clock.Now(), r.Calendar(ctx))
	before := l.DeepCopy()
	SetListingState(l, state, reason)
	if apiequality.Semantic.DeepEqual(before.Status, l.Status) {
		return ctrl.Result{RequeueAfter: requeue}, nil
	}
	// Guarded by the resourceVersion read: if the application reconciler adopted the listing
	// meanwhile, this write fails and the retry finds it backed.
	if err := r.Status().Patch(ctx, l, lockedMergeFrom(before), client.FieldOwner(FieldManager)); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{RequeueAfter: 100 * time.Millisecond}, nil
		}
		return ctrl.Result{}, err
	}
	if r.Recorder != nil && (before.Status.State != state || before.Status.Reason != reason) {
		r.Recorder.Eventf(l, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", unbackedMessage(l, state))
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// backedBy is pure: whether app, the live application the listing names, controls it. An
// application being deleted backs nothing any more.
func backedBy(l *qualv1.ShowcaseListing, app *qualv1.CategoryApplication) bool {
	return app != nil && app.DeletionTimestamp == nil && metav1.IsControlledBy(l, app)
}

// unbackedListingState is pure: a listing no live application controls stands on no approval:
// Suspended (ApplicationGone), or Expired once its validUntil passed (D20), which wins as it
// does for an owned listing.
func unbackedListingState(l *qualv1.ShowcaseListing, now time.Time, cal *calendar.Calendar) (qualv1.ListingState, string, time.Duration) {
	expired, requeue := listingExpiry(l, now, cal)
	if expired {
		return qualv1.ListingExpired, qualv1.ReasonListingExpired, 0
	}
	return qualv1.ListingSuspended, qualv1.ReasonApplicationGone, requeue
}

func unbackedMessage(l *qualv1.ShowcaseListing, state qualv1.ListingState) string {
	return fmt.Sprintf("listing is %s: CategoryApplication %s, whose approval it stood on, was deleted; it is kept, and an approval of a new application of that name adopts it",
		state, l.Spec.ApplicationRef.Name)
}

// SetupWithManager wires the watches: listings as they appear (every one at start-up, so
// listings orphaned while the operator was down are found) and when their owner references
// change (the garbage collector orphaning them), and applications as they go.
func (r *ListingReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("showcaselisting").
		For(&qualv1.ShowcaseListing{}, builder.WithPredicates(createdOrOwnersChanged{})).
		Watches(&qualv1.CategoryApplication{}, handler.EnqueueRequestsFromMapFunc(listingOf),
			builder.WithPredicates(goneOrGoing{})).
		Complete(r)
}

// listingOf is the listing an application makes: the same name in the same namespace.
func listingOf(_ context.Context, o client.Object) []reconcile.Request {
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}}}
}

// createdOrOwnersChanged passes a listing's creation and a change of its owner references;
// the operator's own spec and status writes change nothing this controller decides on.
type createdOrOwnersChanged struct{ predicate.Funcs }

func (createdOrOwnersChanged) Create(event.CreateEvent) bool   { return true }
func (createdOrOwnersChanged) Delete(event.DeleteEvent) bool   { return false }
func (createdOrOwnersChanged) Generic(event.GenericEvent) bool { return false }
func (createdOrOwnersChanged) Update(e event.UpdateEvent) bool {
	return !slices.EqualFunc(e.ObjectOld.GetOwnerReferences(), e.ObjectNew.GetOwnerReferences(),
		func(a, b metav1.OwnerReference) bool { return apiequality.Semantic.DeepEqual(a, b) })
}

// goneOrGoing passes an application's deletion and the update that marks it for deletion
// (with --cascade=orphan or foreground, or a finalizer of someone else's, it stays a while).
type goneOrGoing struct{ predicate.Funcs }

func (goneOrGoing) Create(event.CreateEvent) bool   { return false }
func (goneOrGoing) Delete(event.DeleteEvent) bool   { return true }
func (goneOrGoing) Generic(event.GenericEvent) bool { return false }
func (goneOrGoing) Update(e event.UpdateEvent) bool {
	return e.ObjectOld.GetDeletionTimestamp() == nil && e.ObjectNew.GetDeletionTimestamp() != nil
}
