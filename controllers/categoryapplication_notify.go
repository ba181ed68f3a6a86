package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify"
)

const (
	// ReviewerSink is the ledger name of the reviewers' sink.
	ReviewerSink = "reviewers"
	// MaxNotificationRecords bounds status.notifications (the CRD allows 100).
	MaxNotificationRecords = 100
	// failedAfter attempts a delivery is marked Failed and a warning event is emitted.
	failedAfter = 3
	// maxSendsPerReconcile bounds the time one reconcile spends on slow sinks.
	maxSendsPerReconcile = 4
	// EventNotificationFailed is the warning event after repeated failed deliveries.
	EventNotificationFailed = "NotificationFailed"
)

// Notifier delivers notifications to sinks named by Secrets.
type Notifier struct {
	Sender *notify.Sender
	// Reader reads sink Secrets directly from the API server: the cache holds no Secret values.
	Reader client.Reader
	// ReviewerSecret is the reviewers' sink Secret in the manager's namespace; empty name: none.
	ReviewerSecret types.NamespacedName
}

// reviewerEvents go to the reviewers' sink; every event but ReviewOverdue goes to the merchant.
var reviewerEvents = map[qualv1.NotificationEvent]bool{
	qualv1.EventSubmitted: true, qualv1.EventReviewOverdue: true, qualv1.EventPolicyNoncompliant: true,
}

var notifiable = map[qualv1.NotificationEvent]bool{
	qualv1.EventSubmitted: true, qualv1.EventApproved: true, qualv1.EventRejected: true,
	qualv1.EventRequirementsNotMet: true, qualv1.EventReviewOverdue: true, qualv1.EventListed: true,
	qualv1.EventListingSuspended: true, qualv1.EventListingExpired: true, qualv1.EventPolicyNoncompliant: true,
	qualv1.EventWithdrawn: true,
}

// notifications records each transition in the ledger (status.notifications) as Pending for
// every sink. The ledger is stored with the status patch, so a restart neither loses a
// notification nor re-sends a delivered one. Sending is the DeliveryReconciler's: a sink that
// never answers holds none of the workers that compute everyone's status.
func (r *ApplicationReconciler) notifications(ctx context.Context, s *appState) (stepResult, error) {
	st := &s.app.Status
	for _, t := range s.events {
		if !notifiable[t.event] {
			continue
		}
		gen, digest := s.app.Generation, st.MaterialsDigest
		if t.round != nil {
			gen, digest = t.round.generation, t.round.materialsDigest
		}
		for _, sink := range r.sinksFor(s.app, t.event) {
			if findRecord(st.Notifications, t.event, gen, digest, sink) == nil {
				st.Notifications = append(st.Notifications, qualv1.NotificationRecord{
					Event: t.event, Generation: gen, MaterialsDigest: digest, Sink: sink, State: qualv1.DeliveryPending,
					Reason: qualv1.Truncate(t.reason, 1024), Message: qualv1.Truncate(t.message, qualv1.MaxNotificationMessage), CreatedAt: &metav1.Time{Time: s.now},
				})
			}
		}
	}
	st.Notifications = trimLedger(st.Notifications)
	return stepResult{}, nil
}

// dueRecords counts undelivered records whose next attempt is due.
func dueRecords(recs []qualv1.NotificationRecord, now time.Time) int {
	n := 0
	for _, r := range recs {
		if r.State != qualv1.DeliveryDelivered && (r.NextAttemptAt == nil || !now.Before(r.NextAttemptAt.Time)) {
			n++
		}
	}
	return n
}

// isFresh reports whether the cached application is the latest version on the API server.
func isFresh(ctx context.Context, reader client.Reader, app *qualv1.CategoryApplication) (bool, error) {
	live := &metav1.PartialObjectMetadata{}
	live.SetGroupVersionKind(qualv1.GroupVersion.WithKind("CategoryApplication"))
	if err := reader.Get(ctx, client.ObjectKeyFromObject(app), live); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return live.ResourceVersion == app.ResourceVersion, nil
}

// sinksFor names the sinks an event goes to.
func (r *ApplicationReconciler) sinksFor(app *qualv1.CategoryApplication, e qualv1.NotificationEvent) []string {
	var out []string
	if e != qualv1.EventReviewOverdue {
		for _, n := range app.Spec.Notify {
			out = append(out, "secret/"+n.SecretRef.Name)
		}
	}
	if reviewerEvents[e] && r.Notifier != nil && r.Notifier.ReviewerSecret.Name != "" {
		out = append(out, ReviewerSink)
	}
	return out
}

// sink reads the sink Secret of a record.
func (n *Notifier) sink(ctx context.Context, app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord) (notify.Sink, error) {
	key := types.NamespacedName{Namespace: app.Namespace}
	if rec.Sink == ReviewerSink {
		key = n.ReviewerSecret
	} else {
		key.Name = rec.Sink[len("secret/"):]
	}
	sec := &corev1.Secret{}
	if err := n.Reader.Get(ctx, key, sec); err != nil {
		return notify.Sink{}, fmt.Errorf("reading sink Secret %s: %w", key, err)
	}
	return notify.SinkFromSecret(rec.Sink, sec)
}

// deliver sends one record to its sink.
func (n *Notifier) deliver(ctx context.Context, app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord, sink notify.Sink) error {
	msg := notify.Notification{
		Event:       rec.Event,
		Application: notify.ApplicationRef{Namespace: app.Namespace, Name: app.Name, UID: app.UID},
		Generation:  rec.Generation, Phase: app.Status.Phase,
		Category: notify.Category{Group: app.Spec.Category.Group, Level2: app.Spec.Category.Level2, Level3: app.Spec.Category.Level3},
		ShopName: app.Spec.Merchant.ShopName, AppID: app.Spec.Merchant.AppID,
		Reason: rec.Reason, Message: rec.Message, Deadline: app.Status.ReviewDeadline,
		OccurredAt: *rec.CreatedAt,
	}
	if app.Status.ListingRef != nil {
		msg.Listing = &notify.ListingRef{Name: app.Status.ListingRef.Name}
	}
	return n.Sender.Send(ctx, sink, msg, idempotencyKey(app, rec))
}

// recordAttempt is pure: it books one attempt's outcome with exponential backoff.
func recordAttempt(rec *qualv1.NotificationRecord, err error, now time.Time) {
	rec.Attempts++
	rec.LastAttemptAt = &metav1.Time{Time: now}
	if err == nil {
		rec.State, rec.DeliveredAt, rec.NextAttemptAt, rec.LastError = qualv1.DeliveryDelivered, &metav1.Time{Time: now}, nil, ""
		return
	}
	rec.LastError = qualv1.Truncate(string(notify.ErrorClass(err)), qualv1.MaxNotificationError)
	rec.NextAttemptAt = &metav1.Time{Time: now.Add(notify.Backoff(rec.Attempts))}
	rec.State = qualv1.DeliveryPending
	if rec.Attempts >= failedAfter {
		rec.State = qualv1.DeliveryFailed
	}
}

func findRecord(recs []qualv1.NotificationRecord, e qualv1.NotificationEvent, gen int64, round, sink string) *qualv1.NotificationRecord {
	for i := range recs {
		if recs[i].Event == e && recs[i].Generation == gen && recs[i].MaterialsDigest == round && recs[i].Sink == sink {
			return &recs[i]
		}
	}
	return nil
}

// trimLedger drops the oldest delivered records first; undelivered ones are kept as long as
// anything else can go.
func trimLedger(recs []qualv1.NotificationRecord) []qualv1.NotificationRecord {
	for len(recs) > MaxNotificationRecords {
		drop := 0
		for i, r := range recs {
			if r.State == qualv1.DeliveryDelivered {
				drop = i
				break
			}
		}
		recs = append(recs[:drop], recs[drop+1:]...)
	}
	return recs
}

func deliveryResult(err error) string {
	if err != nil {
		return "failure"
	}
	return "success"
}

// idempotencyKey is notify.IdempotencyKey for the record; a record of a round pinned to a
// materials digest extends the key's NUL-joined fields with it, so the second round of one
// generation is not taken for a retry of the first.
func idempotencyKey(app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord) string {
	sink := rec.Sink
	if rec.MaterialsDigest != "" {
		sink += "\x00" + rec.MaterialsDigest
	}
	return notify.IdempotencyKey(app.UID, rec.Generation, rec.Event, sink)
}

// mergeAttempts is pure: it overwrites, in recs, each record attempted (same event,
// generation, round and sink) unless recs already has a later attempt of it; it reports
// whether anything changed. A record recs no longer holds was trimmed by the status
// controller meanwhile and stays gone: applying its delivery fields would bring it back
// without its content.
func mergeAttempts(recs []qualv1.NotificationRecord, attempted []qualv1.NotificationRecord) ([]qualv1.NotificationRecord, bool) {
	changed := false
	for _, a := range attempted {
		cur := findRecord(recs, a.Event, a.Generation, a.MaterialsDigest, a.Sink)
		if cur == nil || cur.State == qualv1.DeliveryDelivered || cur.Attempts >= a.Attempts {
			continue
		}
		*cur = a
		changed = true
	}
	return recs, changed
}
