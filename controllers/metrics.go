package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

var (
	notificationsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "category_notifications_total", Help: "Notification deliveries attempted, by event and result (success, failure).",
	}, []string{"event", "result"})
	notificationsDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "category_notifications_dropped_total", Help: "Undelivered notifications dropped from a full ledger (status.notifications), by event.",
	}, []string{"event"})
	reviewDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "category_review_duration_seconds", Help: "Time from submission to the reviewer's decision taking effect (the operator's clock), by group and verdict.",
		// Minutes to a few weeks: review deadlines are days long.
		Buckets: []float64{60, 600, 3600, 4 * 3600, 86400, 2 * 86400, 3 * 86400, 5 * 86400, 7 * 86400, 10 * 86400, 14 * 86400},
	}, []string{"group", "verdict"})
	applicationsDesc  = prometheus.NewDesc("category_applications", "Applications by phase and category group.", []string{"phase", "group"}, nil)
	overdueDesc       = prometheus.NewDesc("category_reviews_overdue", "Applications under review past their deadline, by group.", []string{"group"}, nil)
	collectErrorsDesc = prometheus.NewDesc("category_collect_errors_total",
		"Scrapes at which category_applications and category_reviews_overdue could not be computed and were left out.", nil, nil)
	calendarDesc = prometheus.NewDesc("category_calendar_last_covered_day_timestamp_seconds",
		"Start of the last day (December 31, in the calendar's zone) of the last year whose holidays the working-day calendar lists; 0 when it lists none, or is missing or invalid.", nil, nil)
)

// stateCollector computes the gauges from the cache at scrape time, so they are always exact
// and cost nothing between scrapes. It reads the cached applications in place
// (UnsafeDisableDeepCopy: a scrape copies none, and must change none). When it cannot read
// them it reports no gauge, since a stale one would claim to be exact, and counts the failure
// in category_collect_errors_total, which an alert watches: the alerts on the gauges
// (CategoryReviewsOverdue) would otherwise just fall silent. The reader is swapped when a
// manager is rebuilt in the same process (tests, the benchmark): the registry is global, the
// cache is not.
type stateCollector struct {
	reader   atomic.Pointer[client.Reader]
	calendar atomic.Pointer[func(context.Context) *calendar.Calendar]
	errors   atomic.Uint64
}

// state is the collector registered with controller-runtime's registry.
var state = &stateCollector{}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- applicationsDesc
	ch <- overdueDesc
	ch <- collectErrorsDesc
	ch <- calendarDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if cal := c.calendar.Load(); cal != nil {
		ch <- prometheus.MustNewConstMetric(calendarDesc, prometheus.GaugeValue, lastCoveredDay((*cal)(ctx)))
	}
	t, err := c.count(ctx)
	if err != nil {
		c.errors.Add(1)
		log.Log.WithName("metrics").Error(err, "computing the application gauges; they are left out of this scrape")
	}
	for k, n := range t.phases {
		ch <- prometheus.MustNewConstMetric(applicationsDesc, prometheus.GaugeValue, float64(n), k.phase, k.group)
	}
	for g, n := range t.overdue {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n), g)
	}
	ch <- prometheus.MustNewConstMetric(collectErrorsDesc, prometheus.CounterValue, float64(c.errors.Load()))
}

// counts are the cached applications by phase and group, and the overdue ones by group.
type counts struct {
	phases  map[phaseGroup]int
	overdue map[string]int
}

type phaseGroup struct{ phase, group string }

// errNoReader: metrics are registered but no manager has given its cache yet.
var errNoReader = errors.New("no cache to read applications from")

func (c *stateCollector) count(ctx context.Context) (counts, error) {
	reader := c.reader.Load()
	if reader == nil {
		return counts{}, errNoReader
	}
	var list qualv1.CategoryApplicationList
	if err := (*reader).List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return counts{}, fmt.Errorf("listing applications: %w", err)
	}
	t := counts{phases: map[phaseGroup]int{}, overdue: map[string]int{}}
	for i := range list.Items {
		a := &list.Items[i] // the cache's own object: read only
		phase := string(a.Status.Phase)
		if phase == "" {
			phase = "Pending"
		}
		g := a.Spec.Category.Group
		t.phases[phaseGroup{phase, g}]++
		if _, seen := t.overdue[g]; !seen {
			t.overdue[g] = 0 // every group with applications reports, zero included
		}
		if a.Status.Phase == qualv1.PhaseUnderReview && meta.IsStatusConditionTrue(a.Status.Conditions, qualv1.ConditionReviewOverdue) {
			t.overdue[g]++
		}
	}
	return t, nil
}

// lastCoveredDay is the calendar gauge's value: an alert fires well before deadlines start to
// be provisional (config/prometheus/rules.yaml).
func lastCoveredDay(cal *calendar.Calendar) float64 {
	d, ok := cal.LastCoveredDay()
	if !ok {
		return 0
	}
	return float64(d.Start(cal.Location()).Unix())
}

// RegisterMetrics adds the operator's metrics to controller-runtime's registry (served on the
// manager's metrics endpoint). The gauges read applications from reader (the cache), and the
// calendar in force from cal (nil keeps the one given before: tests swap only the reader).
func RegisterMetrics(reader client.Reader, cal func(context.Context) *calendar.Calendar) error {
	state.reader.Store(&reader)
	if cal != nil {
		state.calendar.Store(&cal)
	}
	for _, c := range []prometheus.Collector{notificationsTotal, notificationsDropped, reviewDuration, state} {
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
