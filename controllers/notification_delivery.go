package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify"
)

// maxFailedMessage bounds the NotificationFailed warning's message.
const maxFailedMessage = 1024

// DeliveryReconciler sends what status.notifications says is due, apart from the status
// reconcile (as cert-manager keeps slow side effects in narrow controllers): a sink that
// accepts connections and never answers holds delivery workers only, never the workers that
// compute reviews, listings and deadlines. It writes nothing but the delivery records.
//
// Bounds: Workers sends in flight in all; PerSinkLimit in flight for one tenant and to one
// host (limitKeys), so one merchant's slow receivers cannot take every delivery worker,
// however many names, addresses or ports it gives them; maxSendsPerReconcile per
// application per reconcile.
type DeliveryReconciler struct {
	client.Client
	// APIReader checks the ledger is current before sending (a send cannot be undone).
	APIReader client.Reader
	Recorder  recorder.EventRecorder
	Clock     clock.PassiveClock
	Notifier  *Notifier
	// Workers bounds concurrent deliveries (default 4).
	Workers int
	// PerSinkLimit bounds concurrent sends for one tenant, and to one host (default 2).
	PerSinkLimit int

	limiter sinkLimiter
}

// Reconcile delivers the due records of one application.
func (r *DeliveryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &qualv1.CategoryApplication{}
	if err := r.Get(ctx, req.NamespacedName, app); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.Clock.Now()
	if dueRecords(app.Status.Notifications, now) == 0 {
		return ctrl.Result{RequeueAfter: nextDue(app.Status.Notifications, now)}, nil
	}
	if fresh, err := isFresh(ctx, r.APIReader, app); err != nil || !fresh {
		return ctrl.Result{RequeueAfter: 200 * time.Millisecond}, err
	}
	var attempted []qualv1.NotificationRecord
	var failed []string
	busy := false
	for i := range app.Status.Notifications {
		rec := app.Status.Notifications[i] // a copy: the cached object is never modified
		if rec.State == qualv1.DeliveryDelivered || rec.NextAttemptAt != nil && now.Before(rec.NextAttemptAt.Time) {
			continue
		}
		if len(attempted) == maxSendsPerReconcile {
			busy = true
			break
		}
		to, err := r.Notifier.target(ctx, app, &rec)
		if err == nil {
			release, ok := r.limiter.acquire(limitKeys(app, &rec, to.sink), r.perSink())
			if !ok { // this tenant or host has enough sends in flight: come back soon
				busy = true
				continue
			}
			err = r.Notifier.deliver(ctx, app, &rec, to)
			release()
		}
		recordAttempt(&rec, err, r.Clock.Now())
		attempted = append(attempted, rec)
		// Record each send before the next: a crash then repeats at most the sends in flight,
		// never a batch already acknowledged.
		if serr := saveAttempts(ctx, r.Client, r.APIReader, req.NamespacedName, []qualv1.NotificationRecord{rec}); serr != nil {
			return ctrl.Result{}, fmt.Errorf("recording a delivery attempt: %w", serr)
		}
		notificationsTotal.WithLabelValues(string(rec.Event), deliveryResult(err)).Inc()
		if err != nil {
			// Status gets a class only, coarse for a merchant's sink; the precise class and the
			// details (the receiver's body, the address a name resolved to) are for the
			// platform's operators, not the merchant.
			log.FromContext(ctx).Info("notification not delivered", "event", rec.Event, "sink", rec.Sink,
				"attempts", rec.Attempts, "class", notify.ErrorClass(err), "detail", err.Error())
			if rec.Attempts == failedAfter {
				failed = append(failed, fmt.Sprintf("%s to %s (%s)", rec.Event, rec.Sink, rec.LastError))
			}
		}
	}
	if r.Recorder != nil && len(failed) > 0 {
		// One warning per pass, not per record: a dead sink would otherwise use up the
		// application's event burst and crowd out events that matter more (ListingExpired).
		r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, EventNotificationFailed, "Deliver", "%s", failedMessage(failed))
	}
	if busy {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	return ctrl.Result{}, nil // our own status write wakes us for the next backoff
}

// failedMessage is the one NotificationFailed warning of a delivery pass, naming every record
// that reached failedAfter attempts in it, bounded to maxFailedMessage bytes.
func failedMessage(failed []string) string {
	msg := fmt.Sprintf("%d notification(s) failed %d times, still retrying: %s", len(failed), failedAfter, strings.Join(failed, "; "))
	return qualv1.Truncate(msg, maxFailedMessage)
}

func (r *DeliveryReconciler) perSink() int {
	if r.PerSinkLimit <= 0 {
		return 2
	}
	return r.PerSinkLimit
}

// nextDue is how long until the soonest pending retry; 0 when nothing is pending.
func nextDue(recs []qualv1.NotificationRecord, now time.Time) time.Duration {
	var next time.Duration
	for _, r := range recs {
		if r.State != qualv1.DeliveryDelivered && r.NextAttemptAt != nil {
			next = soonest(next, r.NextAttemptAt.Sub(now))
		}
	}
	return next
}

// limitKeys are the sinkLimiter keys a send of rec to sink takes a slot of.
//
// The tenant: the application's namespace, for every merchant sink in it (the reviewers'
// sink is the platform's, a tenant of its own). Host names, addresses and ports cost a
// hostile merchant nothing (a wildcard DNS name, an IPv6 /64, a port per sink), so a limit
// keyed by any of them is one it can multiply until its slow receivers hold every worker;
// namespaces are the platform's, and bound one merchant whatever its sinks are called or
// resolve to.
//
// The host (host:port as written): many tenants' sinks at one honest receiver that turns
// slow (a shared chat service) hold at most the limit too.
func limitKeys(app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord, sink notify.Sink) []string {
	tenant := "namespace/" + app.Namespace
	if platformSink(rec.Sink) {
		tenant = rec.Sink
	}
	return []string{tenant, "host/" + strings.ToLower(sink.Address.Host)}
}

// sinkLimiter counts sends in flight per key (limitKeys).
type sinkLimiter struct {
	mu       sync.Mutex
	inFlight map[string]int
}

// acquire takes a slot of every key, unless limit sends hold one of them already: then it
// takes none.
func (l *sinkLimiter) acquire(keys []string, limit int) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight == nil {
		l.inFlight = map[string]int{}
	}
	for _, k := range keys {
		if l.inFlight[k] >= limit {
			return nil, false
		}
	}
	for _, k := range keys {
		l.inFlight[k]++
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range keys {
			if l.inFlight[k]--; l.inFlight[k] == 0 {
				delete(l.inFlight, k)
			}
		}
	}, true
}

// SetupWithManager watches applications whose ledger has something undelivered.
func (r *DeliveryReconciler) SetupWithManager(mgr ctrl.Manager) error {
	workers := r.Workers
	if workers <= 0 {
		workers = 4
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("notification-delivery").
		For(&qualv1.CategoryApplication{}, builder.WithPredicates(undelivered{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

// undelivered passes applications with an undelivered record.
type undelivered struct{ predicate.Funcs }

func (undelivered) Create(e event.CreateEvent) bool   { return hasUndelivered(e.Object) }
func (undelivered) Update(e event.UpdateEvent) bool   { return hasUndelivered(e.ObjectNew) }
func (undelivered) Delete(event.DeleteEvent) bool     { return false }
func (undelivered) Generic(e event.GenericEvent) bool { return hasUndelivered(e.Object) }

func hasUndelivered(o client.Object) bool {
	app, ok := o.(*qualv1.CategoryApplication)
	if !ok {
		return false
	}
	for _, r := range app.Status.Notifications {
		if r.State != qualv1.DeliveryDelivered {
			return true
		}
	}
	return false
}
