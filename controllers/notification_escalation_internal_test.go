package controllers

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestReviewOverdueOnceARound (D36): ReviewOverdue goes to the reviewers' and the escalation
// sink, never to the merchant, and is recorded once per round: the condition flipping back and
// forth in one round (a calendar change moved the deadline later, then it passed again) records
// nothing more; a new round (another materials digest) is told again.
func TestReviewOverdueOnceARound(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	r := &ApplicationReconciler{Notifier: &Notifier{
		ReviewerSecret:   types.NamespacedName{Namespace: "op", Name: "rev"},
		EscalationSecret: types.NamespacedName{Namespace: "op", Name: "esc"},
	}}
	app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gold", UID: "u-1", Generation: 2}}
	app.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: "s"}}}
	app.Status.MaterialsDigest = "sha256:a"
	overdue := func() {
		s := &appState{app: app, now: now, events: []transition{{event: qualv1.EventReviewOverdue, reason: "DeadlinePassed", message: "late"}}}
		_, err := r.notifications(context.Background(), s)
		g.Expect(err).NotTo(HaveOccurred())
	}
	sinks := func() []string {
		var out []string
		for _, rec := range app.Status.Notifications {
			out = append(out, rec.Sink+"@"+rec.MaterialsDigest)
		}
		return out
	}

	overdue()
	g.Expect(sinks()).To(Equal([]string{"reviewers@sha256:a", "escalation@sha256:a"}))
	overdue() // the same round, overdue again
	g.Expect(sinks()).To(HaveLen(2), "once a round")

	app.Status.MaterialsDigest = "sha256:b" // a new round
	overdue()
	g.Expect(sinks()).To(Equal([]string{"reviewers@sha256:a", "escalation@sha256:a", "reviewers@sha256:b", "escalation@sha256:b"}))

	r.Notifier.EscalationSecret = types.NamespacedName{}
	g.Expect(r.sinksFor(app, qualv1.EventReviewOverdue)).To(Equal([]string{ReviewerSink}), "no escalation sink configured")
	g.Expect(r.sinksFor(app, qualv1.EventSubmitted)).To(Equal([]string{"secret/s", ReviewerSink}))
}

func TestEscalationSinkIsThePlatforms(t *testing.T) {
	g := NewWithT(t)
	g.Expect(platformSink(EscalationSink)).To(BeTrue())
	g.Expect(platformSink(ReviewerSink)).To(BeTrue())
	g.Expect(platformSink("secret/escalation")).To(BeFalse())
	rec := &qualv1.NotificationRecord{Event: qualv1.EventReviewOverdue, Sink: EscalationSink}
	recordAttempt(rec, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, time.Now())
	g.Expect(rec.LastError).To(Equal("connection refused"), "the platform's sink keeps the precise class")
}
