package chaos

import (
	"context"
	"fmt"
	"k8s.io/apimachinery/pkg/util/wait"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/procmgr"
)

const (
	merchantUser   = "chaos-merchant"
	reviewerUser   = "chaos-reviewer"
	reviewerSecret = "chaos-reviewers"
	notifySecret   = "chaos-notify"
)

// cluster is the control plane, the users, the sink and the manager process.
type cluster struct {
	env                       *testenv.Env
	admin, merchant, reviewer client.Client
	sink                      *sink
	dir, bin, kubeconfig      string
	webhook                   testenv.Serving
	logf                      func(string, ...any)
	replicas                  []*replica
	balancer                  *balancer
	stopping                  chan struct{}
	leaderElect               bool
	deliveryWorkers           int
	closeOnce                 sync.Once
}

// replica is one manager Deployment replica: its ports and its current process, restarted by
// supervise whenever it exits, as the kubelet restarts a container.
type replica struct {
	name        string
	webhookPort int
	mu          sync.Mutex
	proc        *procmgr.Process
	starts      int
	exits       int  // exits nobody asked for (not a kill of the scenario)
	paused      bool // not restarted while set
	killing     bool
}

func (r *replica) current() *procmgr.Process {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.proc
}

func newCluster(ctx context.Context, o Options) (c *cluster, err error) {
	c = &cluster{logf: o.Logf, stopping: make(chan struct{}), leaderElect: o.Replicas > 1, deliveryWorkers: o.DeliveryWorkers}
	if c.dir, err = os.MkdirTemp("", "chaos-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	c.bin = o.Bin
	if c.bin == "" {
		c.logf("building bin/manager")
		if c.bin, err = procmgr.Build(testenv.RepoRoot(), c.dir); err != nil {
			return c, err
		}
	}
	c.logf("starting kube-apiserver and etcd")
	if c.env, err = testenv.Start(testenv.Options{Webhooks: true, RestartableAPIServer: o.Outage > 0}); err != nil {
		return c, err
	}
	c.webhook = c.env.WebhookServing()
	c.admin = c.env.Admin
	m, err := c.env.UserConfig(merchantUser)
	if err != nil {
		return c, err
	}
	r, err := c.env.UserConfig(reviewerUser)
	if err != nil {
		return c, err
	}
	if c.merchant, err = client.New(m, client.Options{Scheme: testenv.Scheme}); err != nil {
		return c, err
	}
	if c.reviewer, err = client.New(r, client.Options{Scheme: testenv.Scheme}); err != nil {
		return c, err
	}
	if c.sink, err = startSink(); err != nil {
		return c, err
	}
	if err = c.env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		return c, err
	}
	for role, user := range map[string]string{"merchant_role.yaml": merchantUser, "reviewer_role.yaml": reviewerUser} {
		if err = c.env.BindClusterRole(ctx, role, testenv.User(user)); err != nil {
			return c, err
		}
	}
	if err = c.bindLeaderElection(ctx); err != nil {
		return c, err
	}
	if _, err = c.env.InstallCalendar(ctx); err != nil {
		return c, err
	}
	if err = c.admin.Create(ctx, sinkSecret(testenv.OperatorNamespace, reviewerSecret, c.sink.addr+"/reviewers")); err != nil {
		return c, err
	}
	// The manager's kubeconfig: the operator's user (a client certificate envtest issued), bound
	// to the generated ClusterRole only, as its ServiceAccount is in a cluster.
	c.kubeconfig = filepath.Join(c.dir, "kubeconfig")
	if err = procmgr.WriteKubeconfig(c.kubeconfig, c.env.OperatorConfig, testenv.OperatorNamespace); err != nil {
		return c, err
	}
	if o.Replicas <= 1 {
		c.replicas = []*replica{{name: "manager", webhookPort: c.webhook.Port}}
	} else {
		// Several replicas behind one address, as behind a Service: a TCP balancer on the port
		// the webhook configurations call passes each connection to a replica that accepts it.
		var ports []int
		for i := 0; i < o.Replicas; i++ {
			port, err := procmgr.FreePort()
			if err != nil {
				return c, err
			}
			ports = append(ports, port)
			c.replicas = append(c.replicas, &replica{name: fmt.Sprintf("replica-%d", i), webhookPort: port})
		}
		if c.balancer, err = startBalancer(fmt.Sprintf("%s:%d", c.webhook.Host, c.webhook.Port), ports); err != nil {
			return c, err
		}
	}
	for _, r := range c.replicas {
		if err = c.startManager(r); err != nil {
			return c, err
		}
		go c.supervise(r)
	}
	return c, c.installPolicy(ctx)
}

// supervise restarts r's manager whenever it exits, unless paused, saying so.
func (c *cluster) supervise(r *replica) {
	for {
		p := r.current()
		select {
		case <-c.stopping:
			return
		case <-p.Done():
		}
		r.mu.Lock()
		if !r.killing {
			r.exits++
			c.logf("%s exited by itself; restarting it, as the kubelet would", r.name)
		}
		r.killing = false
		r.mu.Unlock()
		for {
			select {
			case <-c.stopping:
				return
			case <-time.After(500 * time.Millisecond):
			}
			r.mu.Lock()
			paused := r.paused
			r.mu.Unlock()
			if !paused {
				break
			}
		}
		if err := c.startManager(r); err != nil {
			c.logf("restarting %s: %v", r.name, err)
			return
		}
	}
}

// kill sends SIGKILL to r's manager; supervise restarts it.
func (c *cluster) kill(r *replica) {
	r.mu.Lock()
	r.killing = true
	p := r.proc
	r.mu.Unlock()
	p.Kill()
}

// args are the manager's flags: the webhook server envtest's configurations call, the sinks on
// loopback over plain http, the reviewers' sink.
func (c *cluster) args(r *replica) ([]string, error) {
	probe, err := procmgr.FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--namespace=" + testenv.OperatorNamespace,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=127.0.0.1:" + strconv.Itoa(probe),
		"--webhook-host=" + c.webhook.Host,
		"--webhook-port=" + strconv.Itoa(r.webhookPort),
		"--webhook-cert-dir=" + c.webhook.CertDir,
		"--reviewer-sink-secret=" + reviewerSecret,
		"--sink-allow-insecure-http",
		"--sink-allowed-cidrs=127.0.0.0/8",
	}
	if c.leaderElect {
		args = append(args, "--leader-elect")
	}
	if c.deliveryWorkers > 0 {
		args = append(args, "--delivery-workers="+strconv.Itoa(c.deliveryWorkers))
	}
	return args, nil
}

// startManager starts a new manager process; its output goes to manager-<n>.log in the run's
// folder.
func (c *cluster) startManager(r *replica) error {
	args, err := c.args(r)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts++
	f, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("%s-%02d.log", r.name, r.starts)))
	if err != nil {
		return err
	}
	p, err := procmgr.Start(c.bin, c.kubeconfig, args, f)
	if err != nil {
		f.Close()
		return err
	}
	go func() { <-p.Done(); f.Close() }()
	r.proc = p
	return nil
}

func (c *cluster) close() {
	c.closeOnce.Do(c.doClose)
}

func (c *cluster) doClose() {
	close(c.stopping)
	for _, r := range c.replicas {
		if p := r.current(); p != nil {
			p.Stop(10 * time.Second)
		}
	}
	if c.balancer != nil {
		c.balancer.close()
	}
	if c.sink != nil {
		c.sink.close()
	}
	if c.env != nil {
		_ = c.env.Stop()
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
}

func sinkSecret(ns, name, address string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		StringData: map[string]string{"address": address, "format": "generic"}}
}

// bindLeaderElection applies config/rbac/leader_election_role.yaml in the manager's
// namespace and binds it to the operator's user, as the chart does.
func (c *cluster) bindLeaderElection(ctx context.Context) error {
	objs, err := testenv.ReadObjects(testenv.RepoPath("config", "rbac", "leader_election_role.yaml"))
	if err != nil {
		return err
	}
	role := &rbacv1.Role{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(objs[0].Object, role); err != nil {
		return err
	}
	role.Namespace = testenv.OperatorNamespace
	if err := c.admin.Create(ctx, role); err != nil {
		return err
	}
	return c.admin.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: testenv.OperatorNamespace, Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: testenv.OperatorUser}},
	})
}

// installPolicy creates the jewelry policy (through the policy webhook, so once the manager
// serves) and waits until it is Ready.
func (c *cluster) installPolicy(ctx context.Context) error {
	var last error
	if err := poll(ctx, 2*time.Minute, func() (bool, error) {
		_, last = c.env.InstallPolicies(ctx, "jewelry")
		return last == nil, nil
	}); err != nil {
		return fmt.Errorf("installing the jewelry policy: %w (last: %v); the manager's log ends:\n%s", err, last, tail(c.replicas[0].current().Log.String(), 3000))
	}
	err := poll(ctx, 2*time.Minute, func() (bool, error) {
		var list qualv1.CategoryPolicyList
		if err := c.admin.List(ctx, &list); err != nil {
			return false, nil
		}
		for _, p := range list.Items {
			if !meta.IsStatusConditionTrue(p.Status.Conditions, qualv1.ConditionReady) {
				return false, nil
			}
		}
		return len(list.Items) == 1, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the policy to be Ready: %w; the manager's log ends:\n%s", err, tail(c.replicas[0].current().Log.String(), 3000))
	}
	return nil
}

// poll calls cond every 250ms until it is true, fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	return wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true,
		func(context.Context) (bool, error) { return cond() })
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
