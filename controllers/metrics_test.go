package controllers_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
	"github.com/channelshop/category-operator/internal/manager"
)

// metricsFamilies scrapes the manager's metrics endpoint, as Prometheus does.
func metricsFamilies(g Gomega) map[string]*dto.MetricFamily {
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	return fams
}

// sample finds the metric of a family with exactly these label values (nil when absent).
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		if len(m.Label) != len(labels) {
			continue
		}
		for _, l := range m.Label {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		return m
	}
	return nil
}

func gauge(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	if m := sample(fams, name, labels); m != nil {
		return m.GetGauge().GetValue()
	}
	return -1
}

func counter(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	if m := sample(fams, name, labels); m != nil {
		return m.GetCounter().GetValue()
	}
	return 0
}

// TestMetrics reads the operator's metrics from the manager's endpoint after a lifecycle in a
// group of its own: one application approved after two hours, one rejected at once, one
// incomplete, one overdue.
func TestMetrics(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	const group = "jewelry-metrics"
	createJewelryCopy(t, group, nil)
	ns := newNamespace(t, "shop-metrics")
	sampleSecrets(t, ns)
	merchant := merchantSink(t, ns, "metrics-token")
	bindClusterRole(t, "reviewer_role.yaml", "mona")
	mona := userClient(t, "mona")
	start := clock.Now()
	t.Cleanup(func() { clock.SetTime(start) })
	before := metricsFamilies(g)
	notified := func(fams map[string]*dto.MetricFamily, e qualv1.NotificationEvent) float64 {
		return counter(fams, "category_notifications_total", map[string]string{"event": string(e), "result": "success"}) -
			counter(before, "category_notifications_total", map[string]string{"event": string(e), "result": "success"})
	}

	create := func(name string, phase qualv1.ApplicationPhase, change func(*qualv1.CategoryApplication)) *qualv1.CategoryApplication {
		app := sampleApp(t, ns, name, nextAppID(), "gold")
		app.Spec.Category.Group = group
		if change != nil {
			change(app)
		}
		g.Expect(admin.Create(ctx, app)).To(Succeed())
		return waitPhase(g, ns, name, phase)
	}
	approved := create("approved", qualv1.PhaseUnderReview, nil)
	rejected := create("rejected", qualv1.PhaseUnderReview, nil)
	create("incomplete", qualv1.PhaseIncomplete, func(a *qualv1.CategoryApplication) {
		a.Spec.Materials[0].Files[0].SecretKeyRef.Name = "not-uploaded-yet"
	})
	overdue := create("overdue", qualv1.PhaseUnderReview, nil)

	g.Expect(decide(mona, rejected, qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: "ScreenshotsUnreadable",
		Message: "the license scan is blurry", Generation: rejected.Generation})).To(Succeed())
	waitPhase(g, ns, "rejected", qualv1.PhaseRejected) // durations end when the operator acts, by its clock
	clock.Step(2 * time.Hour)
	g.Expect(decide(mona, approved, qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: approved.Generation})).To(Succeed())
	eventually(g, func(g Gomega) {
		g.Expect(condition(getApp(g, ns, "approved"), qualv1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	}).Should(Succeed())
	clock.SetTime(overdue.Status.ReviewDeadline.Add(time.Minute))
	touch(t, overdue)
	eventually(g, func(g Gomega) {
		g.Expect(condition(getApp(g, ns, "overdue"), qualv1.ConditionReviewOverdue).Status).To(Equal(metav1.ConditionTrue))
	}).Should(Succeed())
	// Merchant: 3 Submitted, Approved, Listed, Rejected, RequirementsNotMet; reviewers: 3 Submitted, 1 ReviewOverdue.
	eventually(g, merchant.events).Should(Equal(map[qualv1.NotificationEvent]int{qualv1.EventSubmitted: 3,
		qualv1.EventApproved: 1, qualv1.EventListed: 1, qualv1.EventRejected: 1, qualv1.EventRequirementsNotMet: 1}))
	eventually(g, func() map[qualv1.NotificationEvent]int { return reviewers.eventsAbout(ns, "overdue") }).
		Should(HaveKeyWithValue(qualv1.EventReviewOverdue, 1))

	eventually(g, func(g Gomega) {
		fams := metricsFamilies(g)
		for phase, n := range map[qualv1.ApplicationPhase]float64{
			qualv1.PhaseApproved: 1, qualv1.PhaseRejected: 1, qualv1.PhaseIncomplete: 1, qualv1.PhaseUnderReview: 1,
		} {
			g.Expect(gauge(fams, "category_applications", map[string]string{"group": group, "phase": string(phase)})).
				To(Equal(n), "category_applications{phase=%q}", phase)
		}
		g.Expect(gauge(fams, "category_reviews_overdue", map[string]string{"group": group})).To(Equal(1.0))

		h := sample(fams, "category_review_duration_seconds", map[string]string{"group": group, "verdict": "Approved"})
		g.Expect(h).NotTo(BeNil())
		g.Expect(h.GetHistogram().GetSampleCount()).To(Equal(uint64(1)))
		g.Expect(h.GetHistogram().GetSampleSum()).To(Equal(7200.0), "submitted to decided, on the operator's clock")
		h = sample(fams, "category_review_duration_seconds", map[string]string{"group": group, "verdict": "Rejected"})
		g.Expect(h).NotTo(BeNil())
		g.Expect(h.GetHistogram().GetSampleCount()).To(Equal(uint64(1)))
		g.Expect(h.GetHistogram().GetSampleSum()).To(Equal(0.0))

		g.Expect(notified(fams, qualv1.EventApproved)).To(Equal(1.0))
		g.Expect(notified(fams, qualv1.EventRejected)).To(Equal(1.0))
		g.Expect(notified(fams, qualv1.EventListed)).To(Equal(1.0))
		g.Expect(notified(fams, qualv1.EventSubmitted)).To(BeNumerically(">=", 6))
		g.Expect(notified(fams, qualv1.EventReviewOverdue)).To(BeNumerically(">=", 1))
		// controller-runtime's own metrics are served alongside.
		g.Expect(fams).To(HaveKey("controller_runtime_reconcile_total"))
	}).Should(Succeed())
}

// TestMetricsCollectorFailureIsVisible: the gauges are computed from the manager's cache at
// each scrape, read in place (no copy of any application). When the cache cannot be read, the
// gauges are left out (CategoryReviewsOverdue cannot fire) and category_collect_errors_total
// counts the failed scrape, for the alert CategoryMetricsMissing.
func TestMetricsCollectorFailureIsVisible(t *testing.T) {
	g := NewWithT(t)
	cached := operator.GetCache()
	t.Cleanup(func() { _ = controllers.RegisterMetrics(cached, nil) })
	errorsTotal := func(fams map[string]*dto.MetricFamily) float64 {
		return counter(fams, "category_collect_errors_total", nil)
	}
	failed := errorsTotal(metricsFamilies(g))

	notSynced := interceptor.NewClient(fake.NewClientBuilder().WithScheme(manager.Scheme).Build(), interceptor.Funcs{
		List: func(context.Context, client.WithWatch, client.ObjectList, ...client.ListOption) error {
			return errors.New("the cache has not synced")
		},
	})
	g.Expect(controllers.RegisterMetrics(notSynced, nil)).To(Succeed())
	fams := metricsFamilies(g)
	g.Expect(fams).NotTo(HaveKey("category_applications"))
	g.Expect(fams).NotTo(HaveKey("category_reviews_overdue"))
	g.Expect(errorsTotal(fams)).To(Equal(failed+1), "the failed scrape is counted")
	g.Expect(errorsTotal(metricsFamilies(g))).To(Equal(failed + 2))

	// Back on the cache: the gauges are back, read without copies.
	c, err := client.NewWithWatch(env.OperatorConfig, client.Options{Scheme: manager.Scheme, Cache: &client.CacheOptions{Reader: cached}})
	g.Expect(err).NotTo(HaveOccurred())
	var lists, inPlace atomic.Int32
	g.Expect(controllers.RegisterMetrics(interceptor.NewClient(c, interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			o := (&client.ListOptions{}).ApplyOptions(opts)
			lists.Add(1)
			if o.UnsafeDisableDeepCopy != nil && *o.UnsafeDisableDeepCopy {
				inPlace.Add(1)
			}
			return c.List(ctx, list, opts...)
		},
	}), nil)).To(Succeed())
	ensurePolicies(t)
	ns := newNamespace(t, "shop-metrics-cache")
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	g.Expect(admin.Create(context.Background(), app)).To(Succeed())
	eventually(g, func(g Gomega) {
		g.Expect(gauge(metricsFamilies(g), "category_applications", map[string]string{"group": "jewelry", "phase": "Incomplete"})).To(BeNumerically(">=", 1))
	}).Should(Succeed())
	fams = metricsFamilies(g)
	g.Expect(errorsTotal(fams)).To(Equal(failed+2), "no failure since")
	g.Expect(lists.Load()).To(BeNumerically(">", 0))
	g.Expect(inPlace.Load()).To(Equal(lists.Load()), "every scrape reads the cache in place")
}
