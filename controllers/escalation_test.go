package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/notify/notifytest"
	"github.com/channelshop/category-operator/internal/testenv"
)

// TestOverdueRoundIsEscalated (D36): when a round's deadline passes with no decision, the
// reviewers' sink and the escalation sink (--escalation-sink-secret) each get one
// ReviewOverdue, signed (Standard Webhooks, verified by the receiver with the library); a
// manager restart neither repeats nor loses it; a round decided before its deadline is not
// escalated, and the merchant is never told.
func TestOverdueRoundIsEscalated(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	start := clock.Now()
	escalation := notifytest.NewReceiver()
	t.Cleanup(escalation.Close)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testenv.OperatorNamespace, Name: "escalation-sink"},
		StringData: escalation.SecretData()}
	g.Expect(admin.Create(ctx, sec)).To(Succeed())
	t.Cleanup(func() { _ = admin.Delete(ctx, sec) })
	opts := managerOptions()
	opts.EscalationSinkSecret = "escalation-sink"
	stopManager()
	g.Expect(startManagerWith(opts)).To(Succeed())
	t.Cleanup(func() {
		clock.SetTime(start)
		stopManager()
		if err := startManager(); err != nil {
			t.Fatal(err)
		}
	})

	ns := newNamespace(t, "shop-escalation")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "esc-token")
	bindClusterRole(t, "reviewer_role.yaml", "erin")
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "late", nextAppID(), "gold"))).To(Succeed())
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "prompt", nextAppID(), "gold"))).To(Succeed())
	late := waitPhase(g, ns, "late", qualv1.PhaseUnderReview)
	prompt := waitPhase(g, ns, "prompt", qualv1.PhaseUnderReview)
	g.Expect(decide(userClient(t, "erin"), prompt, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: prompt.Generation})).To(Succeed())
	waitPhase(g, ns, "prompt", qualv1.PhaseApproved)

	// The deadline passes.
	clock.SetTime(late.Status.ReviewDeadline.Add(time.Hour))
	touch(t, late)
	touch(t, prompt)
	overdueOnce := map[qualv1.NotificationEvent]int{qualv1.EventReviewOverdue: 1}
	eventually(g, func() map[qualv1.NotificationEvent]int { return escalation.EventsAbout(ns, "late") }).Should(Equal(overdueOnce))
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "late") }).
		Should(HaveKeyWithValue(qualv1.EventReviewOverdue, 1))
	g.Expect(escalation.Unverified()).To(BeZero(), "every post verifies with the Standard Webhooks library")
	eventually(g, func(g Gomega) {
		for _, r := range getApp(g, ns, "late").Status.Notifications {
			g.Expect(r.State).To(Equal(qualv1.DeliveryDelivered), "%+v", r)
		}
	}).Should(Succeed())
	attempts := escalation.Attempts()

	// A restart, and reconciles after it, send nothing again.
	stopManager()
	g.Expect(startManagerWith(opts)).To(Succeed())
	clock.Step(time.Hour)
	touch(t, late)
	touch(t, prompt)
	// Nothing new is told: a send that was in flight when the manager stopped may arrive again
	// with the same webhook-id (at least once; receivers drop it by that id).
	g.Consistently(func() map[qualv1.NotificationEvent]int { return escalation.EventsAbout(ns, "late") }).
		WithTimeout(2 * time.Second).Should(Equal(overdueOnce))
	g.Expect(escalation.Attempts()).To(BeNumerically("<=", attempts+1), "at most the one send in flight arrives again")
	g.Expect(escalation.EventsAbout(ns, "late")).To(Equal(overdueOnce))
	g.Expect(escalation.EventsAbout(ns, "prompt")).To(BeEmpty(), "decided before its deadline")
	g.Expect(reviewers.eventsAbout(ns, "prompt")).NotTo(HaveKey(qualv1.EventReviewOverdue))
	g.Expect(merchant.eventsAbout(ns, "late")).NotTo(HaveKey(qualv1.EventReviewOverdue), "the merchant is not told")
	var sinks []string
	for _, r := range getApp(g, ns, "late").Status.Notifications {
		if r.Event == qualv1.EventReviewOverdue {
			sinks = append(sinks, r.Sink)
		}
	}
	g.Expect(sinks).To(ConsistOf("reviewers", "escalation"))
}

// TestOverdueRecordSurvivesRestart: a ReviewOverdue recorded while the escalation sink is down
// is delivered after a manager restart, once.
func TestOverdueRecordSurvivesRestart(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	start := clock.Now()
	escalation := notifytest.NewReceiver()
	t.Cleanup(escalation.Close)
	good := escalation.SecretData()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testenv.OperatorNamespace, Name: "escalation-down"},
		StringData: map[string]string{"address": "http://127.0.0.1:1/hook", "signingKey": escalation.SigningKey}}
	g.Expect(admin.Create(ctx, sec)).To(Succeed())
	t.Cleanup(func() { _ = admin.Delete(ctx, sec) })
	opts := managerOptions()
	opts.EscalationSinkSecret = "escalation-down"
	stopManager()
	g.Expect(startManagerWith(opts)).To(Succeed())
	t.Cleanup(func() {
		clock.SetTime(start)
		stopManager()
		if err := startManager(); err != nil {
			t.Fatal(err)
		}
	})

	ns := newNamespace(t, "shop-escalation-down")
	sampleSecrets(t, ns)
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "late", nextAppID(), "gold"))).To(Succeed())
	late := waitPhase(g, ns, "late", qualv1.PhaseUnderReview)
	clock.SetTime(late.Status.ReviewDeadline.Add(time.Hour))
	touch(t, late)
	eventually(g, func(g Gomega) {
		var rec *qualv1.NotificationRecord
		recs := getApp(g, ns, "late").Status.Notifications
		for i := range recs {
			if recs[i].Sink == "escalation" {
				rec = &recs[i]
			}
		}
		g.Expect(rec).NotTo(BeNil())
		g.Expect(rec.Attempts).To(BeNumerically(">=", 1))
		g.Expect(rec.State).NotTo(Equal(qualv1.DeliveryDelivered))
		g.Expect(rec.LastError).To(Equal("connection refused"), "the platform's sink keeps the precise class")
	}).Should(Succeed())

	// The receiver comes up; the manager restarts meanwhile.
	stopManager()
	cur := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(sec), cur)).To(Succeed())
	cur.StringData = good
	g.Expect(admin.Update(ctx, cur)).To(Succeed())
	g.Expect(startManagerWith(opts)).To(Succeed())
	for i := 0; i < 3; i++ { // the test clock crosses each backoff
		clock.Step(10 * time.Minute)
		touch(t, late)
		time.Sleep(300 * time.Millisecond)
	}
	eventually(g, func() map[qualv1.NotificationEvent]int { return escalation.EventsAbout(ns, "late") }).
		Should(Equal(map[qualv1.NotificationEvent]int{qualv1.EventReviewOverdue: 1}))
	g.Expect(escalation.Unverified()).To(BeZero())
}
