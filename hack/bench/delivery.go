package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/notify"
)

const (
	// fastSinks are the merchants' receivers that answer at once.
	fastSinks = 8
	// slowDelay is how long the slow sink takes to answer: well under the send timeout
	// (notify.DefaultTimeout), so its sends succeed, slowly.
	slowDelay = 5 * time.Second
	slowSink  = "bench-sink-slow"
)

// receiver is a loopback notification sink: it counts POSTs by Idempotency-Key (what a
// receiver that deduplicates acts on) and the most requests it ever had in flight at once.
type receiver struct {
	srv   *http.Server
	url   string
	delay time.Duration

	mu                    sync.Mutex
	keys                  map[string]int
	noKey                 int
	inFlight, maxInFlight int
	last                  time.Time // when the last new key arrived
}

func startReceiver(delay time.Duration) (*receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + l.Addr().String() + "/hook", delay: delay, keys: map[string]int{}}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(l) }()
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	r.mu.Unlock()
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-req.Context().Done():
		}
	}
	key := req.Header.Get("Idempotency-Key")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inFlight--
	if key == "" {
		r.noKey++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if r.keys[key] == 0 {
		r.last = time.Now()
	}
	r.keys[key]++
	w.WriteHeader(http.StatusNoContent)
}

// counts: distinct keys, POSTs repeating a key, the most in flight, the last new key's time.
func (r *receiver) counts() (distinct, duplicates, maxInFlight int, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.keys {
		duplicates += n - 1
	}
	return len(r.keys), duplicates, r.maxInFlight, r.last
}

func (r *receiver) close() { _ = r.srv.Close() }

// deliveryRun is one measurement of the delivery phase.
type deliveryRun struct {
	name              string
	apps, slowApps    int
	fastDelivered     int     // distinct Idempotency-Keys the fast sinks received
	seconds           float64 // first create → last fast notification received
	lastCreate        float64 // when the last create returned, seconds into the run
	fastDuplicates    int
	fastMaxInFlight   int // the most any one fast sink had in flight
	slowDelivered     int
	slowDuplicates    int
	slowMaxInFlight   int
	ledgerSeconds     float64 // first create → every ledger record Delivered
	noKey             int     // POSTs without an Idempotency-Key
	perSink, workers  int
	deliveryReconcile float64
}

func (d deliveryRun) rate() float64 { return float64(d.fastDelivered) / d.seconds }

// deliveryResult is the delivery phase: without and with the slow sink.
type deliveryResult struct {
	without, with deliveryRun
}

// runDelivery measures notification delivery to merchants' sinks: apps applications, each
// notifying one of fastSinks fast loopback receivers, once alone and once with slowApps more
// applications notifying a sink that answers after slowDelay. Each application is created by
// the merchant and taken to UnderReview, which notifies its sink once (Submitted).
func (b *bench) runDelivery(ctx context.Context, apps, slowApps int) (*deliveryResult, error) {
	if err := b.stopManager(); err != nil {
		return nil, err
	}
	out := &deliveryResult{}
	var err error
	if out.without, err = b.deliveryOnce(ctx, "bench-deliv-a", "without the slow sink", apps, 0); err != nil {
		return nil, err
	}
	if out.with, err = b.deliveryOnce(ctx, "bench-deliv-b", "with the slow sink", apps, slowApps); err != nil {
		return nil, err
	}
	return out, nil
}

func (b *bench) deliveryOnce(ctx context.Context, prefix, name string, apps, slowApps int) (deliveryRun, error) {
	run := deliveryRun{name: name, apps: apps, slowApps: slowApps}
	fast := make([]*receiver, fastSinks)
	for i := range fast {
		r, err := startReceiver(0)
		if err != nil {
			return run, err
		}
		defer r.close()
		fast[i] = r
	}
	slow, err := startReceiver(slowDelay)
	if err != nil {
		return run, err
	}
	defer slow.close()

	// Slow applications are spread among the fast ones, so the slow sink is busy from the start.
	refs, err := b.prepare(ctx, prefix, apps+slowApps)
	if err != nil {
		return run, err
	}
	every := 0
	if slowApps > 0 {
		every = (apps + slowApps) / slowApps
	}
	isSlow := func(i int) bool { return every > 0 && i%every == 0 && i/every < slowApps }
	all := append(fast[:fastSinks:fastSinks], slow)
	for _, ns := range namespacesOf(refs) {
		if err := b.env.AllowLocalSinks(ctx, ns); err != nil { // the receivers are on loopback
			return run, err
		}
		for i, r := range all {
			name := fmt.Sprintf("bench-sink-%d", i)
			if r == slow {
				name = slowSink
			}
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				StringData: map[string]string{notify.SecretKeyAddress: r.url}}
			if err := b.admin.Create(ctx, sec); err != nil {
				return run, err
			}
		}
	}
	sinkOf := func(i int) string {
		if isSlow(i) {
			return slowSink
		}
		return fmt.Sprintf("bench-sink-%d", i%fastSinks)
	}

	o := managertest.Options(b.env)
	run.workers, run.perSink = o.DeliveryWorkers, o.DeliveriesPerSink
	if _, err := b.startManager(ctx, managerSpec{}); err != nil {
		return run, err
	}
	defer b.stopManager()
	c, err := b.newClients()
	if err != nil {
		return run, err
	}
	say("delivery, %s: %d applications to %d fast sinks, %d to a sink answering after %s; %d delivery workers, %d per sink",
		name, run.apps, fastSinks, run.slowApps, slowDelay, run.workers, run.perSink)
	rec0 := counterSum("controller_runtime_reconcile_total", map[string]string{"controller": "notification-delivery"})
	start := time.Now()
	if err := pool(ctx, b.concurrency, len(refs), "delivery: creating", func(ctx context.Context, i int) error {
		app := b.newApp(refs[i])
		app.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: sinkOf(i)}}}
		if err := c.merchant.Create(ctx, app); err != nil {
			return fmt.Errorf("creating %s: %w", refs[i].key, err)
		}
		return nil
	}); err != nil {
		return run, err
	}
	run.lastCreate = time.Since(start).Seconds()
	fastCounts := func() (distinct, dups, maxIn int, last time.Time) {
		for _, r := range fast {
			d, dup, m, l := r.counts()
			distinct, dups, maxIn = distinct+d, dups+dup, max(maxIn, m)
			if l.After(last) {
				last = l
			}
		}
		return
	}
	// Timed: until the fast sinks have every application's Submitted notification.
	lastSay := time.Now()
	if err := poll(ctx, waitTimeout, func() (bool, error) {
		d, _, _, _ := fastCounts()
		if time.Since(lastSay) >= 10*time.Second {
			lastSay = time.Now()
			say("  delivery, %s: %d/%d received by the fast sinks", name, d, run.apps)
		}
		return d >= run.apps, nil
	}); err != nil {
		return run, fmt.Errorf("delivery, %s: the fast sinks did not receive every notification: %w", name, err)
	}
	var last time.Time
	run.fastDelivered, _, _, last = fastCounts()
	run.seconds = last.Sub(start).Seconds()
	// Untimed: the ledger must record every delivery (the slow sink's too) before the manager
	// stops, or a restart would send again.
	if err := b.waitLedger(ctx, refs, name); err != nil {
		return run, err
	}
	run.ledgerSeconds = time.Since(start).Seconds()
	run.deliveryReconcile = counterSum("controller_runtime_reconcile_total", map[string]string{"controller": "notification-delivery"}) - rec0
	_, run.fastDuplicates, run.fastMaxInFlight, _ = fastCounts()
	run.slowDelivered, run.slowDuplicates, run.slowMaxInFlight, _ = slow.counts()
	for _, r := range all {
		r.mu.Lock()
		run.noKey += r.noKey
		r.mu.Unlock()
	}
	say("delivery, %s: %d fast notifications in %.1fs (%.1f/s; last create at %.1fs), ledger complete at %.1fs; slow sink: %d received, at most %d in flight",
		name, run.fastDelivered, run.seconds, run.rate(), run.lastCreate, run.ledgerSeconds, run.slowDelivered, run.slowMaxInFlight)
	if err := b.stopManager(); err != nil {
		return run, err
	}
	return run, b.remove(ctx, refs)
}

// waitLedger waits until every record of status.notifications of refs is Delivered.
func (b *bench) waitLedger(ctx context.Context, refs []appRef, name string) error {
	want := map[client.ObjectKey]bool{}
	for _, r := range refs {
		want[r.key] = true
	}
	lastSay := time.Now()
	// Every second, not poll's 200ms: each round Lists every application of the phase.
	return wait.PollUntilContextTimeout(ctx, time.Second, waitTimeout, true, func(ctx context.Context) (bool, error) {
		done, pending := 0, 0
		for _, ns := range namespacesOf(refs) {
			var list qualv1.CategoryApplicationList
			if err := b.admin.List(ctx, &list, client.InNamespace(ns)); err != nil {
				return false, err
			}
			for _, a := range list.Items {
				if !want[client.ObjectKeyFromObject(&a)] {
					continue
				}
				ok := len(a.Status.Notifications) > 0
				for _, rec := range a.Status.Notifications {
					if rec.State != qualv1.DeliveryDelivered {
						ok = false
						pending++
					}
				}
				if ok {
					done++
				}
			}
		}
		if time.Since(lastSay) >= 10*time.Second {
			lastSay = time.Now()
			say("  delivery, %s: %d/%d applications with every ledger record Delivered (%d records pending)", name, done, len(refs), pending)
		}
		return done == len(refs), nil
	})
}

func pass(ok bool) string { return map[bool]string{true: "PASS", false: "MISS"}[ok] }

// deliveryVerdicts are issue #12's targets, one line each: "PASS|MISS target: measured".
func (r *report) deliveryVerdicts() []string {
	d := r.delivery
	w := d.with
	keep := w.rate() / d.without.rate()
	return []string{
		fmt.Sprintf("%s slow sink in flight <= --deliveries-per-sink (%d): at most %d", pass(w.slowMaxInFlight <= w.perSink), w.perSink, w.slowMaxInFlight),
		fmt.Sprintf("%s fast throughput with the slow sink >= 50%% of without: %.1f/s vs %.1f/s (%.0f%%)", pass(keep >= 0.5), w.rate(), d.without.rate(), 100*keep),
	}
}

func (r *report) deliverySection(w func(string, ...any)) {
	d := r.delivery
	if d == nil {
		return
	}
	x := d.with
	w("## Notification delivery with one slow sink (issue #12)\n\n")
	w("From the same `make bench` run (`-delivery-n %d -delivery-slow %d`). ", r.opts.deliveryN, r.opts.deliverySlow)
	w("The merchant creates applications (with -concurrency workers) whose `spec.notify` names one of %d loopback HTTP receivers, round robin; ", fastSinks)
	w("each application is taken to UnderReview and notifies its sink once (Submitted). In the second run %d more applications, spread among the others, ", x.slowApps)
	w("notify one more receiver that answers only after %s. The manager runs with the defaults: `--delivery-workers` %d, `--deliveries-per-sink` %d. ", slowDelay, x.workers, x.perSink)
	w("Notifications are counted at the receivers by Idempotency-Key; time runs from the first create to the last fast notification received. ")
	w("Before the manager stops, every ledger record (`status.notifications[].state`) must read Delivered.\n\n")
	w("| run | fast-sink applications | slow-sink applications | fast notifications received | seconds | fast notifications/s | last create returned s | every record Delivered s | slow sink received | slow sink most in flight | fast sink most in flight | repeated keys | delivery reconciles |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, run := range []deliveryRun{d.without, d.with} {
		w("| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %d | %d | %d | %d | %.0f |\n", run.name, run.apps, run.slowApps, run.fastDelivered,
			run.seconds, run.rate(), run.lastCreate, run.ledgerSeconds, run.slowDelivered, run.slowMaxInFlight, run.fastMaxInFlight,
			run.fastDuplicates+run.slowDuplicates, run.deliveryReconcile)
	}
	w("\n| target | measured | |\n|---|---|---|\n")
	keep := x.rate() / d.without.rate()
	w("| the slow sink's sends in flight ≤ `--deliveries-per-sink` | at most %d, limit %d | %s |\n", x.slowMaxInFlight, x.perSink, pass(x.slowMaxInFlight <= x.perSink))
	w("| fast-sink throughput with the slow sink ≥ 50%% of without | %.1f/s vs %.1f/s (%.0f%%) | %s |\n\n", x.rate(), d.without.rate(), 100*keep, pass(keep >= 0.5))
	if x.lastCreate >= x.seconds*0.9 || d.without.lastCreate >= d.without.seconds*0.9 {
		w("The last create returned close to the last fast notification: delivery kept pace with the merchant's creates, so these rates are bounded by how fast applications arrive, not by delivery alone.\n\n")
	}
}
