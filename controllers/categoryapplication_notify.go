package controllers

import (
	"context"
	"fmt"
	"strings"
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
	// EventNotificationsDropped is the warning event of undelivered records dropped from a
	// full ledger (trimLedger).
	EventNotificationsDropped qualv1.NotificationEvent = "NotificationsDropped"
)

// Notifier delivers notifications to sinks named by Secrets.
//
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
type Notifier struct {
	// Sender posts to merchants' sinks: public addresses only.
	Sender *notify.Sender
	// Trusted posts where the platform chose or vouched for the sink: the reviewers' sink, and
	// merchants' sinks in namespaces labelled LabelSinkAllowedCIDRs. It may also connect to
	// --sink-allowed-cidrs. Nil: Sender for every sink.
	Trusted *notify.Sender
	// Reader reads sink Secrets, and the namespace's labels, directly from the API server: the
	// cache holds no Secret values, and a label the platform removes applies at the next send.
	Reader client.Reader
	// ReviewerSecret is the reviewers' sink Secret in the manager's namespace; empty name: none.
	ReviewerSecret types.NamespacedName
	// EscalationSecret is the escalation sink Secret in the manager's namespace (overdue
	// rounds, D36); empty name: none.
	EscalationSecret types.NamespacedName
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
// every sink, under the next seq: every occurrence of an event is a record of its own, even
// one that happened before for the same generation, round and sink. Transitions come from
// comparing status before and after, and the ledger is stored in the same status patch,
// guarded by resourceVersion: a re-reconcile or a restart finds no transition again, so
// each occurrence is recorded once, and a restart neither loses a notification nor re-sends a
// delivered one. Sending is the DeliveryReconciler's: a sink that never answers holds none of
// the workers that compute everyone's status.
func (r *ApplicationReconciler) notifications(ctx context.Context, s *appState) (stepResult, error) {
	st := &s.app.Status
	seq := lastSeq(st.Notifications)
	s.events = append(s.events, reasonWarnings(s.policy, s.events)...)
	for _, t := range s.events {
		if !notifiable[t.event] {
			continue
		}
		sinks := r.sinksFor(s.app, t.event)
		if len(sinks) == 0 {
			continue
		}
		// A decision that took effect late is told under the round it was made on.
		gen, digest := s.app.Generation, st.MaterialsDigest
		if t.round != nil {
			gen, digest = t.round.generation, t.round.materialsDigest
		}
		if onceARound[t.event] && toldThisRound(st.Notifications, t.event, gen, digest) {
			continue
		}
		if t.event == qualv1.EventRejected {
			t.title, t.guidance = catalogueText(s.policy, t)
		}
		seq++
		for _, sink := range sinks {
			st.Notifications = append(st.Notifications, qualv1.NotificationRecord{
				Event: t.event, Generation: gen, MaterialsDigest: digest, Sink: sink, Seq: seq,
				State:  qualv1.DeliveryPending,
				Reason: qualv1.Truncate(t.reason, 1024), Message: qualv1.Truncate(t.message, qualv1.MaxNotificationMessage), CreatedAt: &metav1.Time{Time: s.now},
				Title: t.title, Guidance: t.guidance,
			})
		}
	}
	var dropped []qualv1.NotificationRecord
	st.Notifications, dropped = trimLedger(st.Notifications)
	if len(dropped) > 0 {
		st.NotificationsDropped += int64(len(dropped))
		s.dropped = dropped
		s.events = append(s.events, transition{event: EventNotificationsDropped, warning: true, reason: string(EventNotificationsDropped),
			message: droppedMessage(dropped)})
	}
	return stepResult{}, nil
}

// droppedMessage names the undelivered records trimLedger dropped, bounded for an event.
func droppedMessage(dropped []qualv1.NotificationRecord) string {
	names := make([]string, len(dropped))
	for i, r := range dropped {
		names[i] = fmt.Sprintf("%s of generation %d to %s (seq %d, %d attempt(s))", r.Event, r.Generation, r.Sink, r.Seq, r.Attempts)
	}
	msg := fmt.Sprintf("%d undelivered notification(s) dropped to keep status.notifications within %d records; they will not be sent: %s",
		len(dropped), MaxNotificationRecords, strings.Join(names, "; "))
	return qualv1.Truncate(msg, maxFailedMessage)
}

// lastSeq is the highest seq in the ledger. The records of the newest event are never the
// ones trimmed (trimLedger drops the oldest first, and one reconcile records far fewer than
// MaxNotificationRecords), so a seq, and with it an Idempotency-Key, is never given twice.
func lastSeq(recs []qualv1.NotificationRecord) int64 {
	var last int64
	for _, r := range recs {
		last = max(last, r.Seq)
	}
	return last
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
	if e == qualv1.EventReviewOverdue && r.Notifier != nil && r.Notifier.EscalationSecret.Name != "" {
		out = append(out, EscalationSink)
	}
	return out
}

// target is where a record goes: its sink, and the Sender whose address policy applies.
type target struct {
	sink   notify.Sink
	sender *notify.Sender
}

// target reads the sink Secret of a record and picks its Sender: Trusted for the reviewers'
// sink and in namespaces the platform labelled LabelSinkAllowedCIDRs, Sender otherwise.
func (n *Notifier) target(ctx context.Context, app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord) (target, error) {
	key := types.NamespacedName{Namespace: app.Namespace}
	trusted := platformSink(rec.Sink)
	switch rec.Sink {
	case ReviewerSink:
		key = n.ReviewerSecret
	case EscalationSink:
		key = n.EscalationSecret
	default:
		key.Name = rec.Sink[len("secret/"):]
	}
	sec := &corev1.Secret{}
	if err := n.Reader.Get(ctx, key, sec); err != nil {
		return target{}, fmt.Errorf("reading sink Secret %s: %w", key, err)
	}
	sink, err := notify.SinkFromSecret(rec.Sink, sec)
	if err != nil {
		return target{}, err
	}
	if !trusted && n.Trusted != nil {
		if trusted, err = n.namespaceTrusted(ctx, app.Namespace); err != nil {
			return target{}, err
		}
	}
	if trusted && n.Trusted != nil {
		return target{sink: sink, sender: n.Trusted}, nil
	}
	return target{sink: sink, sender: n.Sender}, nil
}

// namespaceTrusted reports whether the platform labelled the namespace so that its sinks may
// reach --sink-allowed-cidrs. Only the label's "true" counts.
func (n *Notifier) namespaceTrusted(ctx context.Context, name string) (bool, error) {
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	if err := n.Reader.Get(ctx, types.NamespacedName{Name: name}, ns); err != nil {
		return false, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	return ns.GetLabels()[qualv1.LabelSinkAllowedCIDRs] == "true", nil
}

// deliver sends one record to its target.
func (n *Notifier) deliver(ctx context.Context, app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord, to target) error {
	msg := notify.Notification{
		Event:       rec.Event,
		Application: notify.ApplicationRef{Namespace: app.Namespace, Name: app.Name, UID: app.UID},
		Generation:  rec.Generation, Phase: app.Status.Phase,
		Category: notify.Category{Group: app.Spec.Category.Group, Level2: app.Spec.Category.Level2, Level3: app.Spec.Category.Level3},
		ShopName: app.Spec.Merchant.ShopName, AppID: app.Spec.Merchant.AppID,
		Reason: rec.Reason, Title: rec.Title, Guidance: rec.Guidance, Message: rec.Message, Deadline: app.Status.ReviewDeadline,
		OccurredAt: *rec.CreatedAt,
	}
	if app.Status.ListingRef != nil {
		msg.Listing = &notify.ListingRef{Name: app.Status.ListingRef.Name}
	}
	return to.sender.Send(ctx, to.sink, msg, idempotencyKey(app, rec))
}

// recordAttempt is pure: it books one attempt's outcome with exponential backoff. A merchant's
// sink records the coarse class of an error (visibleClass).
func recordAttempt(rec *qualv1.NotificationRecord, err error, now time.Time) {
	rec.Attempts++
	rec.LastAttemptAt = &metav1.Time{Time: now}
	if err == nil {
		rec.State, rec.DeliveredAt, rec.NextAttemptAt, rec.LastError = qualv1.DeliveryDelivered, &metav1.Time{Time: now}, nil, ""
		return
	}
	rec.LastError = qualv1.Truncate(string(visibleClass(rec.Sink, err)), qualv1.MaxNotificationError)
	rec.NextAttemptAt = &metav1.Time{Time: now.Add(notify.Backoff(rec.Attempts))}
	rec.State = qualv1.DeliveryPending
	if rec.Attempts >= failedAfter {
		rec.State = qualv1.DeliveryFailed
	}
}

// recordKey is a record's key in the map list status.notifications.
type recordKey struct {
	event      qualv1.NotificationEvent
	generation int64
	sink       string
	round      string
	seq        int64
}

func keyOf(r *qualv1.NotificationRecord) recordKey {
	return recordKey{event: r.Event, generation: r.Generation, sink: r.Sink, round: r.MaterialsDigest, seq: r.Seq}
}

// findRecord is the record of recs with k's key, or nil.
// visibleClass is the class of err that status and events show, where the application's
// merchant reads them. A merchant's sink is aimed wherever the merchant likes, so it shows
// the coarse class (notify.Class.Coarse): "delivery failed" whether the name did not resolve,
// the address is not allowed, or the port refused or timed out. The reviewers' sink is the
// platform's choice, and its record keeps the precise class for the platform's operators.
func visibleClass(sink string, err error) notify.Class {
	c := notify.ErrorClass(err)
	if platformSink(sink) {
		return c
	}
	return c.Coarse()
}

func findRecord(recs []qualv1.NotificationRecord, k recordKey) *qualv1.NotificationRecord {
	for i := range recs {
		if keyOf(&recs[i]) == k {
			return &recs[i]
		}
	}
	return nil
}

// trimLedger is pure: it keeps the ledger within MaxNotificationRecords. The oldest delivered
// records go first; an undelivered one goes only when nothing delivered is left, the oldest
// Failed first (its sink failed it failedAfter times at least), then the oldest. It returns
// the undelivered records it dropped: the caller counts them (status.notificationsDropped,
// category_notifications_dropped_total) and tells them (a NotificationsDropped warning), so
// none is ever lost silently.
func trimLedger(recs []qualv1.NotificationRecord) (kept, dropped []qualv1.NotificationRecord) {
	for len(recs) > MaxNotificationRecords {
		drop := oldest(recs, qualv1.DeliveryDelivered)
		if drop < 0 {
			drop = max(oldest(recs, qualv1.DeliveryFailed), 0)
			dropped = append(dropped, recs[drop])
		}
		recs = append(recs[:drop], recs[drop+1:]...)
	}
	return recs, dropped
}

// oldest is the index of the first record in state, or -1. Records are appended as events
// happen, so the first is the oldest.
func oldest(recs []qualv1.NotificationRecord, state qualv1.DeliveryState) int {
	for i := range recs {
		if recs[i].State == state {
			return i
		}
	}
	return -1
}

func deliveryResult(err error) string {
	if err != nil {
		return "failure"
	}
	return "success"
}

// idempotencyKey is the Idempotency-Key of the record: different for every occurrence of an
// event, the same for every retry of one (notify.RecordIdempotencyKey).
func idempotencyKey(app *qualv1.CategoryApplication, rec *qualv1.NotificationRecord) string {
	return notify.RecordIdempotencyKey(app.UID, rec)
}

// mergeAttempts is pure: it overwrites, in recs, each record attempted (same key) unless recs already has a later attempt of it; it reports
// whether anything changed. A record recs no longer holds was trimmed by the status
// controller meanwhile and stays gone: applying its delivery fields would bring it back
// without its content.
func mergeAttempts(recs []qualv1.NotificationRecord, attempted []qualv1.NotificationRecord) ([]qualv1.NotificationRecord, bool) {
	changed := false
	for _, a := range attempted {
		cur := findRecord(recs, keyOf(&a))
		if cur == nil || cur.State == qualv1.DeliveryDelivered || cur.Attempts >= a.Attempts {
			continue
		}
		*cur = a
		changed = true
	}
	return recs, changed
}
