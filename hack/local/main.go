// Command local is `make run` without a cluster: it starts a local control plane (etcd and
// kube-apiserver through internal/testenv, exactly as the tests do, plus kube-controller-manager
// for garbage collection) from the binaries in KUBEBUILDER_ASSETS, installs the CRDs, the webhook
// configuration (served by the manager started here), RBAC, the calendar and the default
// policies, writes an admin kubeconfig to bin/local/kubeconfig and runs bin/manager as its own
// process (manager.go), restarted whenever it dies, as a Deployment's pod would be. For the
// README's walk-through (walkthrough.go) it creates the samples' namespace as a platform team
// would (its sinks may reach loopback, the local reviewer may read its Secrets) and starts
// hack/receiver where the samples' and the reviewers' sinks post. SIGINT or SIGTERM stops the manager, kube-controller-manager, kube-apiserver and
// etcd, removes their temporary folders and the kubeconfig: nothing is left running.
//
// hack/run.sh builds and starts it; run it directly only with KUBEBUILDER_ASSETS set.
//
// etcd and kube-apiserver run in their own process groups (envtest's choice), so a Ctrl-C in the
// terminal reaches only this program, which stops them in order. If this program is killed
// outright (SIGKILL), the next run finds their leftovers through bin/local/state.json and stops
// them before starting anew.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/procmgr"
)

// adminUser is the identity of bin/local/kubeconfig.
const adminUser = "local-admin"

// controllerManagerUser is kube-controller-manager's identity, as in a cluster: the admission
// policies and the listing webhook let the garbage collector, and only it, remove a listing's
// owner reference (`kubectl delete --cascade=orphan`).
const controllerManagerUser = "system:kube-controller-manager"

// reviewerUser is the identity of bin/local/reviewer.kubeconfig, bound to the shipped
// config/rbac/reviewer_role.yaml like a reviewer in a cluster.
const reviewerUser = "local-reviewer"

func main() {
	root := testenv.RepoRoot()
	metricsAddr := flag.String("metrics-bind-address", "127.0.0.1:8080", "Address the metrics endpoint binds to; a free port is used if it is taken; \"0\" disables it.")
	probeAddr := flag.String("health-probe-bind-address", "127.0.0.1:8081", "Address /healthz and /readyz bind to; a free port is used if it is taken.")
	stateDir := flag.String("dir", filepath.Join(root, "bin", "local"), "Folder for the kubeconfig, the kube-controller-manager log and the run's state.")
	zo := zap.Options{Development: true, Level: zapcore.InfoLevel, StacktraceLevel: zapcore.DPanicLevel}
	zo.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zo)))

	// Catch the signals first: a Ctrl-C during start-up must still stop what was started.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, stopSignals...)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		s := <-sigs
		say("%s: stopping (manager, receiver, kube-controller-manager, kube-apiserver, etcd)...", s)
		cancel()
		for s := range sigs { // never let a second Ctrl-C orphan etcd and kube-apiserver
			say("%s: still stopping, please wait", s)
		}
	}()

	// The manager is its own process now: its log flags (--zap-*) are passed on to it, readable
	// (development) logs by default, then any arguments after the flags.
	managerArgs := []string{"--zap-devel=true"}
	flag.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "zap-") {
			managerArgs = append(managerArgs, "--"+f.Name+"="+f.Value.String())
		}
	})
	r := &run{root: root, dir: *stateDir, metricsAddr: *metricsAddr, probeAddr: *probeAddr, managerArgs: append(managerArgs, flag.Args()...)}
	err := r.main(ctx)
	stopErr := r.stop()
	if err == nil && stopErr != nil {
		err = stopErr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	if stopErr == nil {
		say("stopped: nothing left running")
	}
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stdout, "==> "+format+"\n", args...)
}

type run struct {
	root, dir              string
	metricsAddr, probeAddr string

	lock    *os.File
	env     *testenv.Env
	kcm     *exec.Cmd
	kcmDone chan struct{}
	kcmLog  *os.File
	mgr     *managerProc
	// receiver is hack/receiver, where the samples' and the reviewers' sinks post.
	receiver *procmgr.Process
	state    state
	// managerArgs are passed on to bin/manager (a later flag wins), e.g. --zap-log-level=debug.
	managerArgs []string
}

func (r *run) kubeconfigPath() string { return filepath.Join(r.dir, "kubeconfig") }
func (r *run) kcmKubeconfigPath() string {
	return filepath.Join(r.dir, "kube-controller-manager.kubeconfig")
}

// reviewerKubeconfigPath authenticates as reviewerUser: the admin created the sample
// application and may write every application, and nobody decides an application they
// created or may write (D16).
func (r *run) reviewerKubeconfigPath() string { return filepath.Join(r.dir, "reviewer.kubeconfig") }
func (r *run) statePath() string              { return filepath.Join(r.dir, "state.json") }

func (r *run) main(ctx context.Context) error {
	start := time.Now()
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		return fmt.Errorf("KUBEBUILDER_ASSETS is not set: use `make run`, which builds and caches kube-apiserver, etcd and kube-controller-manager")
	}
	kcmBin := filepath.Join(assets, "kube-controller-manager")
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		if _, err := os.Stat(filepath.Join(assets, b)); err != nil {
			return fmt.Errorf("%s not found in KUBEBUILDER_ASSETS=%s: run ./hack/envtest-assets.sh", b, assets)
		}
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	if err := r.acquireLock(); err != nil {
		return err
	}
	r.cleanupStale()

	say("starting etcd and kube-apiserver (%s)", assets)
	env, err := testenv.Start(testenv.Options{Webhooks: true})
	if err != nil {
		// testenv.Start does not stop etcd and kube-apiserver when a later step (installing the
		// CRDs, webhooks or RBAC) fails; stop() sweeps them up as this program's children.
		return err
	}
	r.env = env
	r.recordControlPlane()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.writeKubeconfigs(ctx); err != nil {
		return err
	}
	if err := r.startControllerManager(kcmBin); err != nil {
		return err
	}
	if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		return err
	}
	if _, err := env.InstallCalendar(ctx); err != nil {
		return err
	}
	if err := r.prepareSampleNamespace(ctx); err != nil {
		return err
	}
	if err := r.startReceiver(ctx); err != nil {
		return err
	}
	if err := r.startManager(ctx); err != nil {
		return err
	}
	// The policies go through the manager's validating webhook, so they are created once it
	// serves (it starts in a few seconds).
	var policies []string
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if policies, err = env.InstallPolicies(ctx); err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("installing the default policies (does the manager serve its webhooks?): %w", err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	kubeconfig := r.relative(r.kubeconfigPath())
	fmt.Printf(`
==> ready in %.1fs: local control plane at %s
    CRDs, webhooks (served by bin/manager), admission policies, RBAC, calendar and %d default policies
    installed; kube-controller-manager collects garbage (log: %s). The manager runs as its own
    process and is restarted when it dies (try kill -9 on it), as the kubelet would.
    Namespace %s is ready for the samples: its sinks may reach the local receiver, which
    prints each notification here ("receiver: ..."), and the reviewer may read its Secrets.
    Admin kubeconfig: %s   Reviewer: %s   Ctrl-C stops everything.

    kubectl --kubeconfig %s apply -f config/samples/

`, time.Since(start).Seconds(), env.AdminConfig.Host, len(policies), r.relative(filepath.Join(r.dir, "kube-controller-manager.log")), sampleNamespace, kubeconfig,
		r.relative(r.reviewerKubeconfigPath()), kubeconfig)

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.kcmDone:
		return fmt.Errorf("kube-controller-manager exited (%v); see %s", r.kcm.ProcessState, r.relative(r.kcmLog.Name()))
	}
}

// stop undoes whatever main started, in reverse order. Safe to call after a partial start.
func (r *run) stop() error {
	var errs []error
	if r.mgr != nil {
		r.mgr.stop()
	}
	r.stopReceiver()
	r.stopControllerManager()
	if r.env != nil {
		if err := r.env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping etcd and kube-apiserver: %w", err))
		}
	}
	// Safety net: any etcd, kube-apiserver or kube-controller-manager still running as a child of
	// this program (for example after a failed start) is stopped too.
	if err := sweepChildren(); err != nil {
		errs = append(errs, err)
	}
	if r.lock != nil {
		if len(errs) == 0 { // on failure keep the state: the next run stops what is left
			_ = os.Remove(r.statePath())
		}
		_ = os.Remove(r.kubeconfigPath())
		_ = os.Remove(r.reviewerKubeconfigPath())
		_ = os.Remove(r.kcmKubeconfigPath())
		_ = r.lock.Close()
	}
	return errors.Join(errs...)
}
