package model_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

// How the test waits for the operator: watch events tell when anything in a namespace last
// changed; quiet is when nothing did for quietWindow, every application's generation has been
// processed, no notification is due, and no worker of the manager is busy.
var debug = os.Getenv("MODEL_DEBUG") != ""

const (
	quietWindow  = 200 * time.Millisecond
	reactTimeout = 2 * time.Second
	quietPoll    = 25 * time.Millisecond
	quietTimeout = 20 * time.Second
)

// tracker records, per namespace, when a watched object last changed.
type tracker struct {
	cache  cache.Cache
	cancel context.CancelFunc
	mu     sync.Mutex
	last   map[string]time.Time
}

func startTracker(ctx context.Context, cfg *rest.Config) (*tracker, error) {
	c, err := cache.New(cfg, cache.Options{Scheme: testenv.Scheme})
	if err != nil {
		return nil, err
	}
	t := &tracker{cache: c, last: map[string]time.Time{}}
	for _, obj := range []client.Object{&qualv1.CategoryApplication{}, &qualv1.ShowcaseListing{}, &corev1.Secret{}} {
		inf, err := c.GetInformer(ctx, obj)
		if err != nil {
			return nil, err
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(o any) { t.touch(o) },
			UpdateFunc: func(_, o any) { t.touch(o) },
			DeleteFunc: func(o any) { t.touch(o) },
		}); err != nil {
			return nil, err
		}
	}
	cctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	go func() { _ = c.Start(cctx) }()
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	if !c.WaitForCacheSync(sctx) {
		cancel()
		return nil, errors.New("the test's own cache did not sync")
	}
	return t, nil
}

func (t *tracker) stop() { t.cancel() }

func (t *tracker) touch(o any) {
	if d, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
		o = d.Obj
	}
	obj, ok := o.(client.Object)
	if !ok {
		return
	}
	t.mu.Lock()
	t.last[obj.GetNamespace()] = time.Now()
	t.mu.Unlock()
}

func (t *tracker) since(ns string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return time.Since(t.last[ns])
}

// waitQuiet waits until the operator is done with ns. It returns an error naming what was
// still under way after quietTimeout. After a change the operator watches, it first waits
// (up to reactTimeout) for the application controller to have reconciled more than after
// times: the operator's reaction may come later than the quiet window.
func (h *harness) waitQuiet(ctx context.Context, ns string, after float64) error {
	begin := time.Now()
	deadline := begin.Add(quietTimeout)
	for reconciles() <= after && time.Since(begin) < reactTimeout {
		time.Sleep(quietPoll)
	}
	last := ""
	for {
		busy := h.busy(ctx, ns)
		if kind, _, _ := strings.Cut(busy, " "); debug && kind != last {
			fmt.Fprintf(os.Stderr, "  quiet %s +%s: %s\n", ns, time.Since(begin).Round(time.Millisecond), busy)
			last = kind
		}
		if busy == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the operator was not done with %s after %s: %s", ns, quietTimeout, busy)
		}
		time.Sleep(quietPoll)
	}
}

// busy says what is still under way in ns; "" when nothing.
func (h *harness) busy(ctx context.Context, ns string) string {
	if d := h.tracker.since(ns); d < quietWindow {
		return fmt.Sprintf("something changed %s ago", d.Round(time.Millisecond))
	}
	var apps qualv1.CategoryApplicationList
	if err := h.tracker.cache.List(ctx, &apps, client.InNamespace(ns)); err != nil {
		return err.Error()
	}
	now := time.Now()
	for _, a := range apps.Items {
		if a.DeletionTimestamp == nil && a.Status.ObservedGeneration != a.Generation {
			return fmt.Sprintf("generation %d of %s not processed (observed %d)", a.Generation, a.Name, a.Status.ObservedGeneration)
		}
		for _, r := range a.Status.Notifications {
			if r.State != qualv1.DeliveryDelivered && (r.NextAttemptAt == nil || !now.Before(r.NextAttemptAt.Time)) {
				return fmt.Sprintf("notification %s/%d to %s is due", r.Event, r.Generation, r.Sink)
			}
		}
	}
	if q := queued(); q != "" {
		return q
	}
	return ""
}

// reconciles is how many reconciles the application controller finished so far, from
// controller-runtime's metrics registry (the manager runs in this process).
func reconciles() float64 {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0
	}
	n := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "categoryapplication" {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// queued reads the manager's busy workers from controller-runtime's metrics registry (the
// manager runs in this process). Not the work queues' depth: the gauge outlives a stopped
// manager, and an item left in its queue would count forever.
func queued() string {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return ""
	}
	for _, f := range families {
		if f.GetName() != "controller_runtime_active_workers" {
			continue
		}
		for _, m := range f.GetMetric() {
			if v := m.GetGauge().GetValue(); v > 0 {
				return fmt.Sprintf("%s %v %v", f.GetName(), labels(m.GetLabel()), v)
			}
		}
	}
	return ""
}

func labels[L interface{ GetValue() string }](ls []L) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.GetValue())
	}
	return out
}

// reconcileErrors records the manager's reconcile errors per namespace (I6): controller-runtime
// logs each one as "Reconciler error" with the request's namespace.
var reconcileErrors = &errorSink{byNamespace: map[string][]error{}}

type errorSink struct {
	mu          sync.Mutex
	byNamespace map[string][]error
	values      []any
}

func (s *errorSink) Init(logr.RuntimeInfo)    {}
func (s *errorSink) Enabled(level int) bool   { return false }
func (s *errorSink) Info(int, string, ...any) {}

func (s *errorSink) Error(err error, msg string, kv ...any) {
	if msg != "Reconciler error" || err == nil {
		return
	}
	ns := ""
	all := append(append([]any{}, s.values...), kv...)
	for i := 0; i+1 < len(all); i += 2 {
		if k, _ := all[i].(string); k == "namespace" {
			ns = fmt.Sprint(all[i+1])
		}
	}
	root := reconcileErrors
	root.mu.Lock()
	root.byNamespace[ns] = append(root.byNamespace[ns], err)
	root.mu.Unlock()
}

func (s *errorSink) WithValues(kv ...any) logr.LogSink {
	return &errorSink{values: append(append([]any{}, s.values...), kv...)}
}

func (s *errorSink) WithName(string) logr.LogSink { return s }

// refusals returns the reconcile errors in ns that are the API server refusing a write of the
// operator's as invalid or by admission: status (or a listing) the operator cannot write.
func (s *errorSink) refusals(ns string) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []error
	for _, err := range s.byNamespace[ns] {
		if apierrors.IsInvalid(err) || strings.Contains(err.Error(), "denied the request") || strings.Contains(err.Error(), "is invalid") {
			out = append(out, err)
		}
	}
	return out
}
