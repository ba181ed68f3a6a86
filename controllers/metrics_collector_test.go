package controllers

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/scheme"
)

// TestStateCollector: the gauges when the applications can be read; none and one more failed
// scrape counted when they cannot, or when there is no cache yet. The pedantic registry checks
// that what Collect sends is what Describe announced.
func TestStateCollector(t *testing.T) {
	g := NewWithT(t)
	app := testApp(2, nil)
	app.Status.Phase = qualv1.PhaseUnderReview
	broken := false
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(app).WithInterceptorFuncs(interceptor.Funcs{
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if broken {
				return errors.New("the cache has not synced")
			}
			return c.List(ctx, list, opts...)
		},
	}).Build()
	col := &stateCollector{}
	reg := prometheus.NewPedanticRegistry()
	g.Expect(reg.Register(col)).To(Succeed())
	names := func() []string {
		fams, err := reg.Gather()
		g.Expect(err).NotTo(HaveOccurred())
		var out []string
		for _, f := range fams {
			out = append(out, f.GetName())
		}
		return out
	}
	errorsTotal := func() float64 {
		fams, err := reg.Gather()
		g.Expect(err).NotTo(HaveOccurred())
		for _, f := range fams {
			if f.GetName() == "category_collect_errors_total" {
				return f.GetMetric()[0].GetCounter().GetValue()
			}
		}
		return -1
	}

	g.Expect(names()).To(Equal([]string{"category_collect_errors_total"}), "no cache yet")
	var r client.Reader = c
	col.reader.Store(&r)
	g.Expect(names()).To(ConsistOf("category_applications", "category_reviews_overdue", "category_collect_errors_total"))
	g.Expect(errorsTotal()).To(Equal(1.0), "only the scrape without a cache failed")

	broken = true
	g.Expect(names()).To(Equal([]string{"category_collect_errors_total"}))
	g.Expect(errorsTotal()).To(Equal(3.0), "each failed scrape counts")
}
