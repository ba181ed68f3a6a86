package controllers

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

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
	g.Expect(rec.LastError).To(HavePrefix("503 Service Unavailable"))
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
}

func TestTrimLedger(t *testing.T) {
	ledger := func(n int, delivered ...int) []qualv1.NotificationRecord {
		out := make([]qualv1.NotificationRecord, n)
		for i := range out {
			out[i] = qualv1.NotificationRecord{Sink: fmt.Sprint(i), State: qualv1.DeliveryPending}
		}
		for _, i := range delivered {
			out[i].State = qualv1.DeliveryDelivered
		}
		return out
	}
	sinks := func(recs []qualv1.NotificationRecord) []string {
		var out []string
		for _, r := range recs {
			out = append(out, r.Sink)
		}
		return out
	}
	g := NewWithT(t)
	g.Expect(trimLedger(ledger(MaxNotificationRecords, 3))).To(HaveLen(MaxNotificationRecords), "within bounds: untouched")

	got := trimLedger(ledger(MaxNotificationRecords+2, 7, 50, 60))
	g.Expect(got).To(HaveLen(MaxNotificationRecords))
	g.Expect(sinks(got)).NotTo(ContainElements("7", "50"), "the oldest delivered go first")
	g.Expect(sinks(got)).To(ContainElements("0", "60"), "undelivered ones stay")

	got = trimLedger(ledger(MaxNotificationRecords + 1))
	g.Expect(got).To(HaveLen(MaxNotificationRecords))
	g.Expect(sinks(got)[0]).To(Equal("1"), "with nothing delivered, the oldest goes")
}
