// Command bench is `make bench`: the operator's cost against a floor, on a real kube-apiserver
// and etcd (envtest, from KUBEBUILDER_ASSETS), every client unthrottled.
//
//  1. Floor: a manager serves the admission webhooks but runs no controller; plain clients
//     make exactly the lifecycle's writes for N applications, with the operator's concurrency.
//  2. Operator: a manager runs; the merchant creates N applications, the reviewer approves
//     each through the plugin's path (internal/decision) once all are UnderReview; done when
//     all are Ready with an Active listing. Floor and operator alternate, floor, operator,
//     floor, operator, floor; the ratios are of medians, of wall time and of CPU-seconds.
//  3. Counts: every identity's requests through a counting transport, the controller's
//     reconciles from controller-runtime's registry, 409s.
//  4. Steady state: a restarted manager (with a reviewers' sink) must write and send nothing.
//  5. Delivery: notifications to 8 fast loopback sinks, alone and beside a sink answering
//     after 5 s.
//  6. Memory: bin/manager built from the tree runs as its own process; its heap after GC (from
//     its metrics and a heap profile through --pprof-bind-address), RSS, and etcd's size, with
//     1,000, 10,000 and 20,000 applications, and with 2,000 unrelated 512 KiB Secrets.
//
// It prints one table and, with -out, writes docs/benchmarks.md. With -memory-only it runs
// step 6 alone and replaces only the memory section of the -out file.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/testenv"
)

type options struct {
	n           int
	memoryN     []int
	concurrency int
	out         string
	skipMemory  bool
	memoryOnly  bool
	secrets     int
	secretKiB   int
	profileDir  string
	// The delivery phase (issue #12): applications notifying fast sinks, and those notifying
	// the slow sink in its second run.
	deliveryN, deliverySlow int
	skipDelivery            bool
	// lifecycleN > 0: the lifecycle at that size too, once each (issue #14.2).
	lifecycleN int
}

func main() {
	var o options
	var memoryN string
	flag.IntVar(&o.n, "n", 2000, "Applications in the floor and operator runs (the ratio).")
	flag.StringVar(&memoryN, "memory-n", "1000,10000,20000", "Comma-separated numbers of applications to measure memory with.")
	flag.IntVar(&o.concurrency, "concurrency", manager.DefaultOptions().MaxConcurrentReconciles,
		"Workers of every client pool, and the operator's MaxConcurrentReconciles.")
	flag.StringVar(&o.out, "out", "", "Write the results here as Markdown (e.g. docs/benchmarks.md); empty: print only.")
	flag.BoolVar(&o.skipMemory, "skip-memory", false, "Skip the memory runs.")
	flag.BoolVar(&o.memoryOnly, "memory-only", false, "Run only the memory runs; with -out, replace only the memory section of that file.")
	flag.IntVar(&o.secrets, "secrets", 2000, "Unrelated Secrets added for a second measurement at the smallest -memory-n size; 0: none.")
	flag.IntVar(&o.secretKiB, "secret-kib", 512, "Size of each unrelated Secret, KiB.")
	flag.StringVar(&o.profileDir, "profile-dir", "", "Keep the manager's heap profiles here (heap-<apps>-<secrets>.pb.gz); empty: discard.")
	flag.IntVar(&o.deliveryN, "delivery-n", 400, "Applications (one notification each) to the fast sinks in the delivery phase.")
	flag.IntVar(&o.deliverySlow, "delivery-slow", 20, "Applications to the slow sink in the delivery phase's second run.")
	flag.BoolVar(&o.skipDelivery, "skip-delivery", false, "Skip the delivery phase.")
	flag.IntVar(&o.lifecycleN, "lifecycle-n", 10000, "Also run the lifecycle once as the floor and once with the operator at this size, and time a restart to quiet; 0: skip.")
	flag.Parse()
	sizes, err := parseSizes(memoryN)
	if err != nil || o.n <= 0 || o.concurrency <= 0 || o.secrets < 0 || o.secretKiB <= 0 || o.deliveryN <= 0 || o.deliverySlow <= 0 || o.lifecycleN < 0 || (o.memoryOnly && o.skipMemory) {
		fmt.Fprintln(os.Stderr, "error: -n, -concurrency, -memory-n, -secret-kib, -delivery-n and -delivery-slow must be positive, -secrets and -lifecycle-n not negative, and -memory-only excludes -skip-memory", err)
		os.Exit(2)
	}
	o.memoryN = sizes
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))

	// A signal cancels the run; the deferred stops still end the manager and the control plane.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-memory-n: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	sort.Ints(out)
	return out, nil
}

func say(format string, args ...any) {
	fmt.Printf("%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// lifecycleRuns is floor, operator, floor, operator, floor.
const lifecycleRuns = 5

// bench is the control plane, the identities, and the manager running now.
type bench struct {
	env         *testenv.Env
	admin       client.Client
	adminREST   rest.Interface
	adminCfg    *rest.Config
	operatorCfg *rest.Config
	merchantCfg *rest.Config
	reviewerCfg *rest.Config
	concurrency int
	n           int

	template   *qualv1.CategoryApplication
	secrets    []*unstructured.Unstructured
	calendar   *calendar.Calendar
	reviewDays int
	// secretSums are the digests of the sample Secrets' values (name → key → sha256).
	secretSums map[string]map[string]string
	namespaces int // namespaces made so far
	apps       int // applications named so far
	live       []appRef
	op         *testenv.Operator
	// The memory runs' manager process: its binary, kubeconfig and the running one.
	managerBin, kubeconfig, profileDir string
	proc                               *procManager
}

func run(ctx context.Context, o options) (err error) {
	started := time.Now()
	say("starting kube-apiserver and etcd from %s", os.Getenv("KUBEBUILDER_ASSETS"))
	env, err := testenv.Start(testenv.Options{Webhooks: true, EtcdQuotaBytes: etcdQuota})
	if err != nil {
		return err
	}
	b := &bench{env: env, concurrency: o.concurrency, n: o.n, profileDir: o.profileDir}
	var t *tracker
	defer func() {
		if t != nil {
			t.stop()
		}
		if stopErr := b.stopProcManager(); stopErr != nil && err == nil {
			err = stopErr
		}
		if stopErr := b.stopManager(); stopErr != nil && err == nil {
			err = stopErr
		}
		if stopErr := env.Stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	if err := b.setupCluster(ctx); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(b.adminCfg)
	if err != nil {
		return err
	}
	b.adminREST = cs.CoreV1().RESTClient()
	if err := b.loadTemplate(); err != nil {
		return err
	}
	r := &report{opts: o, started: started.UTC(), machine: describeMachine(cs)}
	if o.memoryOnly {
		if r.memory, err = b.runMemory(ctx, o.memoryN, o.secrets, o.secretKiB); err != nil {
			return err
		}
		if r.object, err = b.measureObject(ctx); err != nil {
			return err
		}
		r.total = time.Since(started)
		return r.writeMemoryOnly()
	}
	if t, err = startTracker(ctx, b.adminCfg); err != nil {
		return err
	}
	if o.lifecycleN > 0 {
		// First, on a clean cluster: it removes its applications, so the runs below start
		// from the cluster they would have without it.
		if r.large, err = b.runLarge(ctx, t, o.lifecycleN); err != nil {
			return err
		}
		for _, l := range r.largeVerdicts() {
			say("%s", l)
		}
	}
	// Floor, operator, floor, operator, floor: run-to-run noise on a small shared machine is as
	// large as the differences measured; interleaving spreads drift over both, and medians
	// drop a run that a neighbour's build slowed down.
	for i := range lifecycleRuns {
		if i%2 == 0 {
			name := fmt.Sprintf("floor %d", i/2+1)
			res, err := b.floor(ctx, t, fmt.Sprintf("bench-floor%d", i/2+1), name)
			if err != nil {
				return err
			}
			r.runs = append(r.runs, res)
			continue
		}
		name := fmt.Sprintf("operator %d", i/2+1)
		opRefs, err := b.prepare(ctx, fmt.Sprintf("bench-op%d", i/2+1), o.n)
		if err != nil {
			return err
		}
		say("%s: %d applications, %d workers per client, MaxConcurrentReconciles %d", name, o.n, o.concurrency, o.concurrency)
		res, err := b.runOperator(ctx, opRefs, t, name)
		if err != nil {
			return err
		}
		r.runs = append(r.runs, res)
		if err := b.stopManager(); err != nil {
			return err
		}
		if i+2 < lifecycleRuns {
			// The next operator run's manager would reconcile these at its start, inside its
			// timing: only the last operator run's applications stay (steady state, memory).
			if err := b.remove(ctx, opRefs); err != nil {
				return err
			}
			if err := t.wait(ctx, name+" cleanup", opRefs, stateGone, 5*time.Minute); err != nil {
				return err
			}
		} else {
			b.live = opRefs
		}
	}
	for _, l := range r.ratioVerdicts() {
		say("%s", l)
	}
	t.stop()
	t = nil

	say("steady state: restarting the manager (with a reviewers' sink)")
	if r.steady, err = b.runSteady(ctx, o.n); err != nil {
		return err
	}
	m := measureInProcess()
	r.ratioMem = &m
	say("steady state: %d writes, %d events, %.0f notifications, %.0f reconciles; heap %.1f MiB, RSS %.1f MiB",
		r.steady.identity.lifecycle(), r.steady.identity.events(), r.steady.notifications, r.steady.reconciles, m.heapMiB, m.rssMiB)

	if !o.skipDelivery {
		if r.delivery, err = b.runDelivery(ctx, o.deliveryN, o.deliverySlow); err != nil {
			return err
		}
		for _, l := range r.deliveryVerdicts() {
			say("%s", l)
		}
	}

	if !o.skipMemory {
		if r.memory, err = b.runMemory(ctx, o.memoryN, o.secrets, o.secretKiB); err != nil {
			return err
		}
		if r.object, err = b.measureObject(ctx); err != nil {
			return err
		}
	}
	r.total = time.Since(started)
	md := r.markdown()
	fmt.Println()
	fmt.Print(md)
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			return err
		}
		say("wrote %s", o.out)
	}
	return nil
}

// floor runs the floor in fresh namespaces, then removes its applications, so that the
// operator's cache holds only its own.
func (b *bench) floor(ctx context.Context, t *tracker, prefix, name string) (*result, error) {
	refs, err := b.prepare(ctx, prefix, b.n)
	if err != nil {
		return nil, err
	}
	say("%s: %d applications, %d workers, webhooks served, no controller", name, len(refs), b.concurrency)
	res, err := b.runFloor(ctx, refs, t, name)
	if err != nil {
		return nil, err
	}
	say("%s: %.1fs", name, res.seconds)
	if err := b.remove(ctx, refs); err != nil {
		return nil, err
	}
	return res, t.wait(ctx, "floor cleanup", refs, stateGone, 5*time.Minute)
}

// managerSpec is how one manager runs.
type managerSpec struct {
	webhooksOnly bool
	count        *counter // counts the manager's requests (controllers, webhooks, events)
	reviewerSink string
}

// startManager starts a manager as the operator's user, unthrottled, not binding metrics
// (read in-process), with as many reconcile workers as the benchmark's clients have.
func (b *bench) startManager(ctx context.Context, s managerSpec) (*testenv.Operator, error) {
	e := *b.env // a copy that authenticates with the (counted) unthrottled config
	e.OperatorConfig, e.Admin = b.operatorCfg, b.admin
	if s.count != nil {
		e.OperatorConfig = s.count.config(b.operatorCfg)
	}
	o := managertest.Options(&e)
	o.SkipControllerNameValidation = true
	o.MaxConcurrentReconciles = b.concurrency
	o.WebhooksOnly = s.webhooksOnly
	o.ReviewerSinkSecret = s.reviewerSink
	// The reviewers' sink is an httptest server: plain http on 127.0.0.1.
	o.NotifyOptions.AllowInsecureHTTP = true
	o.NotifyOptions.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	op, err := managertest.Start(ctx, &e, o)
	if err != nil {
		return nil, err
	}
	b.op = op
	return op, nil
}

func (b *bench) stopManager() error {
	if b.op == nil {
		return nil
	}
	err := b.op.Stop()
	b.op = nil
	return err
}
