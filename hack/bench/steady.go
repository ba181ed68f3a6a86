package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/internal/notify"
	"github.com/channelshop/category-operator/internal/testenv"
)

const reviewerSinkSecret = "bench-reviewer-sink"

// steadyResult is what a restarted manager sent once everything had settled.
type steadyResult struct {
	identity      snapshot // the new manager's requests
	reconciles    float64
	notifications float64 // category_notifications_total delta
	sinkPosts     int64   // requests the reviewers' sink received
	seconds       float64 // until all were reconciled and 5 s passed quietly
}

// runSteady restarts the manager, now with a reviewers' sink, and counts what the new one
// writes and sends while it reconciles every application again: a resync of settled
// applications must change nothing and notify nobody (notifications are ledger entries made on
// transitions only, and a resync has none).
func (b *bench) runSteady(ctx context.Context, n int) (*steadyResult, error) {
	if err := b.stopManager(); err != nil {
		return nil, err
	}
	var posts atomic.Int64
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { posts.Add(1) }))
	defer sink.Close()
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: testenv.OperatorNamespace, Name: reviewerSinkSecret},
		StringData: map[string]string{notify.SecretKeyAddress: sink.URL, notify.SecretKeyToken: "bench"},
	}
	if err := b.admin.Create(ctx, sec); err != nil {
		return nil, err
	}
	cnt := newCounter()
	rec0, notif0, start := reconcileTotal(), notificationsSent(), time.Now()
	if _, err := b.startManager(ctx, managerSpec{count: cnt, reviewerSink: reviewerSinkSecret}); err != nil {
		return nil, err
	}
	if err := waitQuiet(ctx, rec0, float64(n), 5*time.Second, waitTimeout); err != nil {
		return nil, err
	}
	return &steadyResult{identity: cnt.snapshot(), reconciles: reconcileTotal() - rec0,
		notifications: notificationsSent() - notif0, sinkPosts: posts.Load(), seconds: time.Since(start).Seconds()}, nil
}
