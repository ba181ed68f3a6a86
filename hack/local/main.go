// Command local is `make run` without a cluster: it starts a local control plane (etcd and
// kube-apiserver through internal/testenv, exactly as the tests do, plus kube-controller-manager
// for garbage collection) from the binaries in KUBEBUILDER_ASSETS, installs the CRDs, the webhook
// configuration (served by the manager started here), RBAC, the calendar and the default
// policies, writes an admin kubeconfig to bin/local/kubeconfig and runs the operator in the
// foreground. SIGINT or SIGTERM stops the manager, kube-controller-manager, kube-apiserver and
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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/testenv"
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
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		s := <-sigs
		say("%s: stopping (manager, kube-controller-manager, kube-apiserver, etcd)...", s)
		cancel()
		for s := range sigs { // never let a second Ctrl-C orphan etcd and kube-apiserver
			say("%s: still stopping, please wait", s)
		}
	}()

	r := &run{root: root, dir: *stateDir, metricsAddr: *metricsAddr, probeAddr: *probeAddr}
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
	op      *testenv.Operator
	state   state
}

// state is bin/local/state.json: enough to find and stop the processes of a run that was
// killed before it could stop them.
type state struct {
	PID int `json:"pid"`
	// Procs are the started processes, each found again by its binary and a unique argument.
	Procs []proc `json:"procs"`
	// Dirs are temporary folders to remove.
	Dirs []string `json:"dirs"`
}

type proc struct {
	Binary string `json:"binary"`
	Arg    string `json:"arg"`
	PID    int    `json:"pid,omitempty"`
}

func (r *run) kubeconfigPath() string { return filepath.Join(r.dir, "kubeconfig") }
func (r *run) kcmKubeconfigPath() string {
	return filepath.Join(r.dir, "kube-controller-manager.kubeconfig")
}

// reviewerKubeconfigPath authenticates as reviewerUser: the admin created the sample
// application, and nobody decides an application they created (D16).
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

	admin, err := env.AddUser(envtest.User{Name: adminUser, Groups: []string{"system:masters"}}, env.AdminConfig)
	if err != nil {
		return err
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	if err := os.WriteFile(r.kubeconfigPath(), kubeconfig, 0o600); err != nil {
		return err
	}

	if err := r.writeReviewerKubeconfig(ctx); err != nil {
		return err
	}
	kcm, err := env.AddUser(envtest.User{Name: controllerManagerUser, Groups: []string{"system:masters"}}, env.AdminConfig)
	if err != nil {
		return err
	}
	if kubeconfig, err = kcm.KubeConfig(); err != nil {
		return err
	}
	if err := os.WriteFile(r.kcmKubeconfigPath(), kubeconfig, 0o600); err != nil {
		return err
	}

	if err := r.startControllerManager(kcmBin); err != nil {
		return err
	}
	if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		return err
	}
	if err := r.installCalendar(ctx); err != nil {
		return err
	}

	if err := r.startManager(ctx); err != nil {
		return err
	}
	// The policies go through the manager's validating webhook, so they are created once it serves.
	n, err := r.installPolicies(ctx)
	if err != nil {
		return err
	}

	rel, err := filepath.Rel(mustGetwd(), r.kubeconfigPath())
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = r.kubeconfigPath()
	}
	fmt.Printf(`
==> ready in %.1fs: local control plane at %s
    CRDs, webhooks (served here), admission policies, RBAC, calendar and %d default policies installed;
    kube-controller-manager collects garbage (log: %s).
    Admin kubeconfig: %s   Reviewer: %s   Ctrl-C stops everything.

    kubectl --kubeconfig %s apply -f config/samples/

`, time.Since(start).Seconds(), env.AdminConfig.Host, n, r.relative(filepath.Join(r.dir, "kube-controller-manager.log")), rel,
		r.relative(r.reviewerKubeconfigPath()), rel)

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.op.Done():
		err := r.op.Err()
		if err == nil {
			err = errors.New("the manager stopped")
		}
		return fmt.Errorf("manager: %w", err)
	case <-r.kcmDone:
		return fmt.Errorf("kube-controller-manager exited (%v); see %s", r.kcm.ProcessState, r.relative(r.kcmLog.Name()))
	}
}

// acquireLock makes sure one local run at a time uses bin/local.
func (r *run) acquireLock() error {
	f, err := os.OpenFile(filepath.Join(r.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		owner := "another process"
		if b, err := os.ReadFile(r.statePath()); err == nil {
			var s state
			if json.Unmarshal(b, &s) == nil && s.PID > 0 {
				owner = "pid " + strconv.Itoa(s.PID)
			}
		}
		return fmt.Errorf("another `make run` (%s) is already running its local control plane in %s; stop it first (Ctrl-C)", owner, r.dir)
	}
	r.lock = f
	r.state.PID = os.Getpid()
	return nil
}

// cleanupStale stops the processes and removes the folders of a run that did not stop itself.
// The lock is held, so a state file found now belongs to a run that is gone.
func (r *run) cleanupStale() {
	b, err := os.ReadFile(r.statePath())
	if err != nil {
		return
	}
	var s state
	if json.Unmarshal(b, &s) != nil {
		_ = os.Remove(r.statePath())
		return
	}
	for _, p := range s.Procs {
		for _, pid := range findProcs(p) {
			say("stopping %s (pid %d) left running by a previous run", p.Binary, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			waitGone(pid, 5*time.Second)
		}
	}
	for _, d := range s.Dirs {
		_ = os.RemoveAll(d)
	}
	_ = os.Remove(r.kubeconfigPath())
	_ = os.Remove(r.reviewerKubeconfigPath())
	_ = os.Remove(r.kcmKubeconfigPath())
	_ = os.Remove(r.statePath())
}

// findProcs returns the pids whose command line runs p.Binary with p.Arg among its arguments.
func findProcs(p proc) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if filepath.Base(args[0]) != p.Binary {
			continue
		}
		for _, a := range args[1:] {
			if a == p.Arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// sweepChildren stops the control-plane processes that are still children of this program and
// removes their temporary data and certificate folders.
func sweepChildren() error {
	entries, _ := os.ReadDir("/proc")
	var left []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 || fields[0] == "Z" || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		raw, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		switch filepath.Base(args[0]) {
		case "etcd", "kube-apiserver", "kube-controller-manager":
		default:
			continue
		}
		say("stopping %s (pid %d) left over after a failed start", filepath.Base(args[0]), pid)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if !waitGone(pid, 10*time.Second) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if !waitGone(pid, 5*time.Second) {
			left = append(left, fmt.Sprintf("%s (pid %d)", filepath.Base(args[0]), pid))
		}
		for _, a := range args[1:] {
			for _, flagName := range []string{"--data-dir=", "--cert-dir="} {
				if d, ok := strings.CutPrefix(a, flagName); ok && strings.HasPrefix(d, os.TempDir()) {
					_ = os.RemoveAll(d)
				}
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("could not stop %s", strings.Join(left, ", "))
	}
	return nil
}

// waitGone waits until pid has exited (a zombie counts as exited), at most d; it reports
// whether it has.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !alive(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	fields := strings.Fields(string(stat[i+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func (r *run) recordControlPlane() {
	cp := &r.env.ControlPlane
	if cp.Etcd != nil && cp.Etcd.DataDir != "" {
		r.state.Procs = append(r.state.Procs, proc{Binary: "etcd", Arg: "--data-dir=" + cp.Etcd.DataDir})
		r.state.Dirs = append(r.state.Dirs, cp.Etcd.DataDir)
	}
	if api := cp.APIServer; api != nil && api.CertDir != "" {
		r.state.Procs = append(r.state.Procs, proc{Binary: "kube-apiserver", Arg: "--cert-dir=" + api.CertDir})
		r.state.Dirs = append(r.state.Dirs, api.CertDir)
	}
	if d := r.env.WebhookInstallOptions.LocalServingCertDir; d != "" {
		r.state.Dirs = append(r.state.Dirs, d)
	}
	r.saveState()
}

func (r *run) saveState() {
	b, _ := json.MarshalIndent(r.state, "", "  ")
	_ = os.WriteFile(r.statePath(), b, 0o644)
}

// startControllerManager runs kube-controller-manager with only the garbage collector and the
// namespace controller (so deleting an owner deletes what it owns, and deleting a namespace
// empties and removes it), as controllerManagerUser (in system:masters), logging to
// bin/local/kube-controller-manager.log.
func (r *run) startControllerManager(bin string) error {
	logPath := filepath.Join(r.dir, "kube-controller-manager.log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	r.kcmLog = f
	kc := r.kcmKubeconfigPath()
	cmd := exec.Command(bin,
		"--kubeconfig="+kc, "--authentication-kubeconfig="+kc, "--authorization-kubeconfig="+kc,
		"--controllers=garbagecollector,namespace", "--leader-elect=false", "--secure-port=0",
		"--use-service-account-credentials=false",
	)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group: a Ctrl-C reaches only this program, which stops it after the manager.
	// Pdeathsig: it dies with this program even if this program is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	r.kcm = cmd
	r.kcmDone = make(chan struct{})
	go func() { _ = cmd.Wait(); close(r.kcmDone) }()
	r.state.Procs = append(r.state.Procs, proc{Binary: "kube-controller-manager", Arg: "--kubeconfig=" + kc, PID: cmd.Process.Pid})
	r.saveState()
	say("kube-controller-manager started (pid %d, log %s)", cmd.Process.Pid, r.relative(logPath))
	return nil
}

// installCalendar applies config/calendar/calendar.yaml into the manager's namespace.
func (r *run) installCalendar(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(r.root, "config", "calendar", "calendar.yaml"))
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.UnmarshalStrict(b, cm); err != nil {
		return fmt.Errorf("config/calendar/calendar.yaml: %w", err)
	}
	cm.Namespace = testenv.OperatorNamespace
	if err := r.env.Admin.Create(ctx, cm); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the calendar ConfigMap: %w", err)
	}
	return nil
}

// startManager runs the operator as its own user (bound to the generated manager-role), serving
// the webhooks envtest installed, and waits until they answer through the API server.
func (r *run) startManager(ctx context.Context) error {
	o := managertest.Options(r.env)
	o.MetricsAddr, o.ProbeAddr = freeOr(r.metricsAddr), freeOr(r.probeAddr)
	// A local run's sinks are test receivers on this machine: plain http to loopback, which a
	// manager refuses by default (--sink-allow-insecure-http, --sink-allowed-cidrs).
	o.NotifyOptions.AllowInsecureHTTP = true
	o.NotifyOptions.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	say("manager starting as %s (metrics %s, probes %s, webhooks https://%s:%d)", testenv.OperatorUser, o.MetricsAddr, o.ProbeAddr, o.WebhookHost, o.WebhookPort)
	op, err := managertest.Start(ctx, r.env, o)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	r.op = op
	return nil
}

// installPolicies creates the default policies: the resources of config/policies/kustomization.yaml.
func (r *run) installPolicies(ctx context.Context) (int, error) {
	dir := filepath.Join(r.root, "config", "policies")
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return 0, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		return 0, fmt.Errorf("config/policies/kustomization.yaml: %w", err)
	}
	n := 0
	for _, res := range k.Resources {
		f, err := os.ReadFile(filepath.Join(dir, res))
		if err != nil {
			return n, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(f), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return n, fmt.Errorf("config/policies/%s: %w", res, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			if err := r.env.Admin.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
				return n, fmt.Errorf("creating %s %s from config/policies/%s: %w", u.GetKind(), u.GetName(), res, err)
			}
			n++
		}
	}
	return n, nil
}

// stop undoes whatever main started, in reverse order. Safe to call after a partial start.
func (r *run) stop() error {
	var errs []error
	if r.op != nil {
		stopped := make(chan error, 1)
		go func() { stopped <- r.op.Stop() }()
		select {
		case err := <-stopped:
			if err != nil {
				errs = append(errs, fmt.Errorf("manager: %w", err))
			}
		case <-time.After(30 * time.Second):
			errs = append(errs, errors.New("the manager did not stop within 30s"))
		}
	}
	if r.kcm != nil {
		_ = r.kcm.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.kcmDone:
		case <-time.After(10 * time.Second):
			_ = r.kcm.Process.Kill()
			<-r.kcmDone
		}
		_ = r.kcmLog.Close()
	}
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

// freeOr returns addr if it can be listened on now, else the same host with a free port;
// "0" (disabled) is returned as is.
func freeOr(addr string) string {
	if addr == "0" {
		return addr
	}
	if l, err := net.Listen("tcp", addr); err == nil {
		_ = l.Close()
		return addr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = "127.0.0.1"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return addr
	}
	defer l.Close()
	return l.Addr().String()
}

func (r *run) relative(p string) string {
	if rel, err := filepath.Rel(mustGetwd(), p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "/"
	}
	return wd
}

// writeReviewerKubeconfig installs the shipped reviewer ClusterRole, binds it to reviewerUser
// and writes that user's kubeconfig.
func (r *run) writeReviewerKubeconfig(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(r.root, "config", "rbac", "reviewer_role.yaml"))
	if err != nil {
		return err
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(b, role); err != nil {
		return fmt.Errorf("config/rbac/reviewer_role.yaml: %w", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name + "-" + reviewerUser},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: reviewerUser}},
	}
	for _, obj := range []client.Object{role, binding} {
		if err := r.env.Admin.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
		}
	}
	u, err := r.env.AddUser(envtest.User{Name: reviewerUser, Groups: []string{"system:authenticated"}}, r.env.AdminConfig)
	if err != nil {
		return err
	}
	kubeconfig, err := u.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(r.reviewerKubeconfigPath(), kubeconfig, 0o600)
}
