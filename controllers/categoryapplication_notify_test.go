package controllers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify"
)

func TestRecordAttempt(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	rec := &qualv1.NotificationRecord{Event: qualv1.EventApproved, State: qualv1.DeliveryPending}
	boom := errors.New("503 Service Unavailable: " + strings.Repeat("x", 600))

	recordAttempt(rec, boom, now)
	g.Expect(rec.State).To(Equal(qualv1.DeliveryPending))
	g.Expect(rec.Attempts).To(Equal(int32(1)))
	g.Expect(rec.NextAttemptAt.Time).To(Equal(now.Add(notify.Backoff(1))))
	g.Expect(rec.LastError).To(Equal("internal error"), "an error class, never the remote's words")
	g.Expect(len(rec.LastError)).To(BeNumerically("<=", qualv1.MaxNotificationError), "bounded in status")

	recordAttempt(rec, boom, now)
	g.Expect(rec.State).To(Equal(qualv1.DeliveryPending))
	recordAttempt(rec, boom, now)
	g.Expect(rec.State).To(Equal(qualv1.DeliveryFailed), "failed after %d attempts", failedAfter)
	g.Expect(rec.NextAttemptAt.Time).To(Equal(now.Add(notify.Backoff(3))), "and still retried")

	later := now.Add(time.Hour)
	recordAttempt(rec, nil, later)
	g.Expect(rec.State).To(Equal(qualv1.DeliveryDelivered))
	g.Expect(rec.DeliveredAt.Time).To(Equal(later))
	g.Expect(rec.LastAttemptAt.Time).To(Equal(later))
	g.Expect(rec.NextAttemptAt).To(BeNil())
	g.Expect(rec.LastError).To(BeEmpty())
	g.Expect(rec.Attempts).To(Equal(int32(4)))

	// A refused connection: the merchant's sink shows the coarse class, the reviewers' the precise one.
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	merchant := &qualv1.NotificationRecord{Event: qualv1.EventApproved, Sink: "secret/s"}
	recordAttempt(merchant, refused, now)
	g.Expect(merchant.LastError).To(Equal("delivery failed"))
	reviewer := &qualv1.NotificationRecord{Event: qualv1.EventSubmitted, Sink: ReviewerSink}
	recordAttempt(reviewer, refused, now)
	g.Expect(reviewer.LastError).To(Equal("connection refused"))
}

func TestTrimLedger(t *testing.T) {
	// ledger makes n records, sink i for record i, Pending unless listed as delivered or failed.
	ledger := func(n int, delivered, failed []int) []qualv1.NotificationRecord {
		out := make([]qualv1.NotificationRecord, n)
		for i := range out {
			out[i] = qualv1.NotificationRecord{Sink: fmt.Sprint(i), State: qualv1.DeliveryPending}
		}
		for _, i := range delivered {
			out[i].State = qualv1.DeliveryDelivered
		}
		for _, i := range failed {
			out[i].State = qualv1.DeliveryFailed
		}
		return out
	}
	sinks := func(recs []qualv1.NotificationRecord) []string {
		out := []string{}
		for _, r := range recs {
			out = append(out, r.Sink)
		}
		return out
	}
	for _, c := range []struct {
		name               string
		n                  int
		delivered, failed  []int
		gone, stay, counts []string
	}{
		{"within bounds: untouched", MaxNotificationRecords, []int{3}, []int{4}, nil, []string{"0", "3", "4"}, nil},
		{"the oldest delivered go first", MaxNotificationRecords + 2, []int{7, 50, 60}, []int{1}, []string{"7", "50"}, []string{"0", "1", "60"}, nil},
		{"nothing delivered: the oldest that failed goes, counted", MaxNotificationRecords + 1, nil, []int{9, 20}, []string{"9"}, []string{"0", "20"}, []string{"9"}},
		{"one delivered, then a failed one", MaxNotificationRecords + 2, []int{30}, []int{40}, []string{"30", "40"}, []string{"0"}, []string{"40"}},
		{"nothing delivered nor failed: the oldest, counted", MaxNotificationRecords + 2, nil, nil, []string{"0", "1"}, []string{"2"}, []string{"0", "1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			kept, dropped := trimLedger(ledger(c.n, c.delivered, c.failed))
			g.Expect(kept).To(HaveLen(min(c.n, MaxNotificationRecords)))
			g.Expect(sinks(kept)).To(ContainElements(c.stay))
			for _, gone := range c.gone {
				g.Expect(sinks(kept)).NotTo(ContainElement(gone))
			}
			g.Expect(sinks(dropped)).To(Equal(append([]string{}, c.counts...)), "every undelivered record dropped is returned, to be counted")
		})
	}
}

func TestMergeAttempts(t *testing.T) {
	rec := func(e qualv1.NotificationEvent, attempts int32, state qualv1.DeliveryState) qualv1.NotificationRecord {
		return qualv1.NotificationRecord{Event: e, Generation: 1, Sink: "secret/s", Attempts: attempts, State: state}
	}
	for _, c := range []struct {
		name      string
		live      []qualv1.NotificationRecord
		attempted []qualv1.NotificationRecord
		want      []qualv1.NotificationRecord
		changed   bool
	}{
		{"the attempt replaces the stored record",
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 1, qualv1.DeliveryPending)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 2, qualv1.DeliveryDelivered)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 2, qualv1.DeliveryDelivered)}, true},
		{"a record the status controller trimmed meanwhile stays gone",
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 1, qualv1.DeliveryDelivered)},
			[]qualv1.NotificationRecord{rec(qualv1.EventApproved, 1, qualv1.DeliveryPending)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 1, qualv1.DeliveryDelivered)}, false},
		{"a later attempt stored by someone else wins",
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 3, qualv1.DeliveryPending)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 2, qualv1.DeliveryPending)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 3, qualv1.DeliveryPending)}, false},
		{"a delivered record is never reopened",
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 1, qualv1.DeliveryDelivered)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 2, qualv1.DeliveryPending)},
			[]qualv1.NotificationRecord{rec(qualv1.EventSubmitted, 1, qualv1.DeliveryDelivered)}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			got, changed := mergeAttempts(c.live, c.attempted)
			g.Expect(changed).To(Equal(c.changed))
			g.Expect(got).To(Equal(c.want))
		})
	}
}

// TestFailedMessage: one warning names every record that failed in a pass, and stays bounded
// however many there are.
func TestFailedMessage(t *testing.T) {
	g := NewWithT(t)
	g.Expect(failedMessage([]string{"Approved to secret/s (timeout)", "Listed to secret/s (HTTP 503)"})).To(Equal(
		"2 notification(s) failed 3 times, still retrying: Approved to secret/s (timeout); Listed to secret/s (HTTP 503)"))

	many := make([]string, 200)
	for i := range many {
		many[i] = fmt.Sprintf("Submitted to secret/sink-%03d (connection refused)", i)
	}
	msg := failedMessage(many)
	g.Expect(len(msg)).To(BeNumerically("<=", maxFailedMessage))
	g.Expect(msg).To(HavePrefix("200 notification(s) failed 3 times"))
	g.Expect(msg).To(ContainSubstring("more bytes)"), "says it was cut")
}

// TestNotificationsNumbered: every notifiable transition takes the next seq, shared by its
// records for every sink, even when an earlier occurrence of the event for the same
// generation, round and sink is still in the ledger; each occurrence has its own
// Idempotency-Key, and a record stored before seq existed keeps the key it had.
func TestNotificationsNumbered(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	r := &ApplicationReconciler{Notifier: &Notifier{ReviewerSecret: types.NamespacedName{Namespace: "op", Name: "rev"}}}
	app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gold", UID: "u-1", Generation: 2}}
	app.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: "s"}}}
	app.Status.Notifications = []qualv1.NotificationRecord{ // recorded before seq existed
		{Event: qualv1.EventRequirementsNotMet, Generation: 2, Sink: "secret/s", State: qualv1.DeliveryDelivered},
	}
	record := func(events ...qualv1.NotificationEvent) {
		s := &appState{app: app, now: now}
		for _, e := range events {
			s.events = append(s.events, transition{event: e, reason: string(e), message: "m"})
		}
		_, err := r.notifications(context.Background(), s)
		g.Expect(err).NotTo(HaveOccurred())
	}
	record(qualv1.EventRequirementsNotMet, EventDecisionIgnored) // not notifiable: no seq taken
	record(qualv1.EventSubmitted)
	record(qualv1.EventRequirementsNotMet)

	type key struct {
		e    qualv1.NotificationEvent
		sink string
		seq  int64
	}
	var got []key
	ids := map[string]bool{}
	for i := range app.Status.Notifications {
		rec := &app.Status.Notifications[i]
		got = append(got, key{rec.Event, rec.Sink, rec.Seq})
		ids[idempotencyKey(app, rec)] = true
	}
	g.Expect(got).To(Equal([]key{
		{qualv1.EventRequirementsNotMet, "secret/s", 0},
		{qualv1.EventRequirementsNotMet, "secret/s", 1},
		{qualv1.EventSubmitted, "secret/s", 2}, {qualv1.EventSubmitted, ReviewerSink, 2},
		{qualv1.EventRequirementsNotMet, "secret/s", 3},
	}))
	g.Expect(ids).To(HaveLen(len(got)), "an Idempotency-Key of its own for each record")
	g.Expect(idempotencyKey(app, &app.Status.Notifications[0])).To(Equal(
		notify.IdempotencyKey("u-1", 2, qualv1.EventRequirementsNotMet, "secret/s")), "unnumbered: the key it always had")
	kept, _ := trimLedger(app.Status.Notifications)
	g.Expect(lastSeq(kept)).To(Equal(int64(3)))
}

// TestSinkLimiter: a send takes a slot of its tenant and of its host, or none; one merchant's
// sinks share its tenant's slots whatever their hosts, and one host's slots are shared by
// every tenant.
func TestSinkLimiter(t *testing.T) {
	g := NewWithT(t)
	app := func(ns string) *qualv1.CategoryApplication {
		return &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gold"}}
	}
	sink := func(address string) notify.Sink {
		u, err := url.Parse(address)
		g.Expect(err).NotTo(HaveOccurred())
		return notify.Sink{Address: u}
	}
	merchant := &qualv1.NotificationRecord{Sink: "secret/s"}
	reviewer := &qualv1.NotificationRecord{Sink: ReviewerSink}
	g.Expect(limitKeys(app("shop-a"), merchant, sink("https://A.example:8443/x"))).To(Equal([]string{"namespace/shop-a", "host/a.example:8443"}))
	g.Expect(limitKeys(app("shop-a"), reviewer, sink("https://hooks.platform/x"))).To(Equal([]string{"reviewers", "host/hooks.platform"}))

	var l sinkLimiter
	r1, ok := l.acquire(limitKeys(app("shop-a"), merchant, sink("https://n1.evil.example/")), 1)
	g.Expect(ok).To(BeTrue())
	_, ok = l.acquire(limitKeys(app("shop-a"), merchant, sink("https://n2.evil.example/")), 1)
	g.Expect(ok).To(BeFalse(), "another name, the same tenant")
	_, ok = l.acquire(limitKeys(app("shop-b"), merchant, sink("https://n1.evil.example/")), 1)
	g.Expect(ok).To(BeFalse(), "another tenant, the same host")
	r2, ok := l.acquire(limitKeys(app("shop-b"), merchant, sink("https://hooks.b.example/")), 1)
	g.Expect(ok).To(BeTrue(), "the refusals above took no slot")
	r1()
	r2()
	g.Expect(l.inFlight).To(BeEmpty())
}
