package controllers

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

var (
	notificationsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "category_notifications_total", Help: "Notification deliveries attempted, by event and result (success, failure).",
	}, []string{"event", "result"})
	reviewDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "category_review_duration_seconds", Help: "Time from submission to the reviewer's decision taking effect (the operator's clock), by group and verdict.",
		// Minutes to a few weeks: review deadlines are days long.
		Buckets: []float64{60, 600, 3600, 4 * 3600, 86400, 2 * 86400, 3 * 86400, 5 * 86400, 7 * 86400, 10 * 86400, 14 * 86400},
	}, []string{"group", "verdict"})
	applicationsDesc = prometheus.NewDesc("category_applications", "Applications by phase and category group.", []string{"phase", "group"}, nil)
	overdueDesc      = prometheus.NewDesc("category_reviews_overdue", "Applications under review past their deadline, by group.", []string{"group"}, nil)
)

// stateCollector computes the gauges from the cache at scrape time, so they are always exact
// and cost nothing between scrapes. The reader is swapped when a manager is rebuilt in the same
// process (tests, the benchmark): the registry is global, the cache is not.
type stateCollector struct{}

var collectorReader atomic.Pointer[client.Reader]

func (stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- applicationsDesc
	ch <- overdueDesc
}

func (stateCollector) Collect(ch chan<- prometheus.Metric) {
	var list qualv1.CategoryApplicationList
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reader := collectorReader.Load()
	if reader == nil {
		return
	}
	if err := (*reader).List(ctx, &list); err != nil {
		return
	}
	type key struct{ phase, group string }
	phases, overdue := map[key]int{}, map[string]int{}
	for i := range list.Items {
		a := &list.Items[i]
		phase := string(a.Status.Phase)
		if phase == "" {
			phase = "Pending"
		}
		phases[key{phase, a.Spec.Category.Group}]++
		g := a.Spec.Category.Group
		if _, seen := overdue[g]; !seen {
			overdue[g] = 0 // every group with applications reports, zero included
		}
		if a.Status.Phase == qualv1.PhaseUnderReview && meta.IsStatusConditionTrue(a.Status.Conditions, qualv1.ConditionReviewOverdue) {
			overdue[g]++
		}
	}
	for k, n := range phases {
		ch <- prometheus.MustNewConstMetric(applicationsDesc, prometheus.GaugeValue, float64(n), k.phase, k.group)
	}
	for g, n := range overdue {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n), g)
	}
}

// RegisterMetrics adds the operator's metrics to controller-runtime's registry (served on the
// manager's metrics endpoint). The gauges read applications from reader (the cache).
func RegisterMetrics(reader client.Reader) error {
	collectorReader.Store(&reader)
	for _, c := range []prometheus.Collector{notificationsTotal, reviewDuration, stateCollector{}} {
		if err := metrics.Registry.Register(c); err != nil {
			if _, dup := err.(prometheus.AlreadyRegisteredError); !dup {
				return err
			}
		}
	}
	return nil
}

// observeDecisions records review durations for decisions that happened in this reconcile,
// by the operator's own clock: decidedAt is whatever the client sent when only the admission
// policies stand.
func observeDecisions(app *qualv1.CategoryApplication, events []transition, now time.Time) {
	for _, t := range events {
		if t.event != qualv1.EventApproved && t.event != qualv1.EventRejected {
			continue
		}
		d := app.Status.Decision
		if d == nil || app.Status.SubmittedAt == nil {
			continue
		}
		reviewDuration.WithLabelValues(app.Spec.Category.Group, string(d.Verdict)).
			Observe(now.Sub(app.Status.SubmittedAt.Time).Seconds())
	}
}
