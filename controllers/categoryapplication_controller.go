package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/celrules"
)

// FieldManager is the operator's field manager and event reporter.
const FieldManager = "category-operator"

// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=categoryapplications,verbs=get;list;watch
// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=categoryapplications/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=qualification.channelshop.dev,resources=categorypolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// ApplicationReconciler moves a CategoryApplication through requirements, review, listing and
// notifications. Each concern is a step in its own file; Reconcile only orders them and writes
// status once.
type ApplicationReconciler struct {
	client.Client
	// APIReader reads what the cache deliberately does not hold (Secret values for sinks).
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	Clock     clock.PassiveClock
	// Calendar returns the working-day calendar in force.
	Calendar func(ctx context.Context) *calendar.Calendar
	// CalendarConfigMap is where Calendar reads it: a change recounts every open round's deadline.
	CalendarConfigMap types.NamespacedName
	// Rules compiles policies' custom CEL rules once per policy generation.
	Rules *celrules.Cache
	// Notifier names the reviewers' sink for the ledger; delivery is the DeliveryReconciler's.
	Notifier *Notifier
	// MaxConcurrentReconciles bounds parallel reconciles.
	MaxConcurrentReconciles int
	// MaxClaim is the longest a claim may last (D30); 0: qualv1.DefaultMaxClaimDuration.
	MaxClaim time.Duration
	// Sharded: the cache holds only this shard's namespaces (internal/shard), so D1 asks the
	// API server for applications elsewhere.
	Sharded bool

	// digests holds what the reconciler read of the referenced Secrets (SetupWithManager).
	digests *digestCache
}

// step is one concern of a reconcile. It may stop the list (done) or ask to come back later.
type step func(ctx context.Context, s *appState) (stepResult, error)

type stepResult struct {
	// requeueAfter asks for a reconcile at a known time (a deadline, an expiry, a retry).
	requeueAfter time.Duration
	// stop ends the list: the remaining steps do not apply (e.g. a duplicate).
	stop bool
}

// appState is what the steps share during one reconcile.
type appState struct {
	app    *qualv1.CategoryApplication
	before *qualv1.CategoryApplication
	policy *qualv1.CategoryPolicy
	now    time.Time
	cal    *calendar.Calendar
	// duplicate is set by the duplicates step (D1).
	duplicate bool
	// secrets are what readSecrets read of the referenced Secrets, by name; a nil entry: the
	// Secret does not exist.
	secrets map[string]*secretRead
	// pins are the Secret files' digests as they are now (pinMaterials).
	pins *pins
	// notes are events the steps raise directly (a decision the controller does not honour,
	// or one that takes effect as its round closes).
	notes []transition
	// closed is a decision that takes effect as its round closes (closeRound); the listing
	// step applies it.
	closed *closedDecision
	// events are transitions found by the steps, turned into Kubernetes events and
	// notifications only after the status patch succeeded.
	events []transition
	// dropped are undelivered records the notifications step dropped from a full ledger,
	// counted in metrics only after the status patch succeeded.
	dropped []qualv1.NotificationRecord
}

// Reconcile runs the steps, turns what they returned into status, events and a result
// (outcome), patches status once if it changed, and only then emits events.
func (r *ApplicationReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &qualv1.CategoryApplication{}
	if err := r.Get(ctx, req.NamespacedName, app); err != nil {
		if apierrors.IsNotFound(err) {
			r.digests.release(req.NamespacedName) // what it read of its Secrets
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if app.DeletionTimestamp != nil {
		// Being deleted (the API server bumped its generation, which would open a round):
		// nothing done now would outlive it, and its listing no longer stands on an approval,
		// which the ListingReconciler says on the listing.
		return ctrl.Result{}, nil
	}
	s := &appState{app: app, before: app.DeepCopy(), now: r.Clock.Now(), cal: r.Calendar(ctx)}
	requeue, err := r.run(ctx, s)
	res, err := outcome(s, requeue, err)
	if perr := r.patchStatus(ctx, s); perr != nil {
		if apierrors.IsConflict(perr) {
			// Expected now and then (a reviewer's write, a stale cache): try again soon, quietly.
			// The retry recomputes everything, including any error and its event.
			return ctrl.Result{RequeueAfter: 100 * time.Millisecond}, nil
		}
		if err != nil {
			// Wrap only the patch error: even after a terminal error the retry must come, since
			// the status that says so was not stored.
			perr = fmt.Errorf("%w (the reconcile had failed too: %s)", perr, err.Error())
		}
		return ctrl.Result{}, perr
	}
	r.emit(s)
	return res, err
}

// run is the ordered list of steps, the summary and the notifications.
func (r *ApplicationReconciler) run(ctx context.Context, s *appState) (time.Duration, error) {
	var requeue time.Duration
	for _, st := range []step{r.loadPolicy, r.readSecrets, r.requirements, r.duplicates, r.pinMaterials, r.review, r.listing} {
		out, err := st(ctx, s)
		if err != nil {
			return 0, err
		}
		requeue = soonest(requeue, out.requeueAfter)
		if out.stop {
			break
		}
	}
	summarize(s.app, s.duplicate)
	requeue = soonest(requeue, endClaim(s.app, s.now, r.MaxClaim))
	// Notes first: a decision taking effect as its round closes came before the new round.
	s.events = append(append([]transition{}, s.notes...), transitions(&s.before.Status, &s.app.Status, s.app.Generation)...)
	out, err := r.notifications(ctx, s)
	if err != nil {
		return 0, err
	}
	return soonest(requeue, out.requeueAfter), nil
}

// patchStatus writes status with a merge patch that names only what changed, guarded by
// resourceVersion: a reconcile that ran on a stale cache (just after our own write) must never
// overwrite newer status, such as a delivery record or a reviewer's decision. A conflict
// requeues; the cache has caught up by then.
func (r *ApplicationReconciler) patchStatus(ctx context.Context, s *appState) error {
	if apiequality.Semantic.DeepEqual(s.before.Status, s.app.Status) {
		return nil
	}
	patch := client.MergeFromWithOptions(s.before, client.MergeFromWithOptimisticLock{})
	if err := r.Status().Patch(ctx, s.app, patch, client.FieldOwner(FieldManager)); err != nil {
		if apierrors.IsConflict(err) {
			log.FromContext(ctx).V(1).Info("status changed meanwhile; will reconcile again", "error", err.Error())
		}
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}

// loadPolicy fetches the application's CategoryPolicy; a missing policy is a finding, not an error.
func (r *ApplicationReconciler) loadPolicy(ctx context.Context, s *appState) (stepResult, error) {
	policy := &qualv1.CategoryPolicy{}
	err := r.Get(ctx, client.ObjectKey{Name: s.app.Spec.Category.Group}, policy)
	switch {
	case apierrors.IsNotFound(err):
		s.policy = nil
	case err != nil:
		return stepResult{}, err
	default:
		s.policy = policy
	}
	return stepResult{}, nil
}

func soonest(a, b time.Duration) time.Duration {
	if a <= 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// SetupWithManager wires the watches. Everything the result depends on is watched, so no
// periodic polling is needed: the policy, referenced Secrets, owned listings, duplicates, the
// calendar.
func (r *ApplicationReconciler) SetupWithManager(mgr ctrl.Manager) error {
	open, err := secretStreams(mgr)
	if err != nil {
		return err
	}
	r.digests = newDigestCache(open)
	return ctrl.NewControllerManagedBy(mgr).
		For(&qualv1.CategoryApplication{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}, statusDecisionChanged{}, claimMade{}))).
		Owns(&qualv1.ShowcaseListing{}, builder.WithPredicates(listingChangedByOthers{})).
		Watches(&qualv1.CategoryPolicy{}, handler.EnqueueRequestsFromMapFunc(r.appsOfPolicy),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// Metadata only: the manager never holds Secret values in memory (readSecrets reads the
		// referenced ones when their resourceVersion changes).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.appsOfSecret), builder.OnlyMetadata).
		Watches(&qualv1.CategoryApplication{}, handler.EnqueueRequestsFromMapFunc(r.duplicatesOf),
			builder.WithPredicates(createOrDelete{})).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.openRounds),
			builder.WithPredicates(calendarChanged{key: r.CalendarConfigMap})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Complete(r)
}
