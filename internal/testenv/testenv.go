// Package testenv starts a real kube-apiserver and etcd (controller-runtime's envtest) with the
// operator's CRDs, webhook configuration, RBAC and admission policies installed, for tests, the
// benchmark and the local run. The operator always runs as its own user bound to the generated
// ClusterRole, never as cluster admin, so a missing RBAC marker fails a test instead of a
// deployment.
//
// It is also the one place that sets a cluster up the way the shipped manifests say: the
// working-day calendar (InstallCalendar), the default policies of config/policies'
// kustomization (InstallPolicies) and the shipped roles of config/rbac bound to users or
// groups (BindClusterRole, BindRoleInNamespace, Grant). hack/local, hack/bench and the tests
// all call these, so none of them drifts from what an administrator installs.
//
// It knows nothing of the controllers: callers pass the manager they built (as Cluster API's
// envtest takes its reconcilers), so white-box tests inside any package can use it. It must
// not import controllers, internal/manager or internal/webhook; its only project imports are
// api/v1alpha1 and internal/scheme.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"

	"github.com/channelshop/category-operator/internal/scheme"
)

// OperatorUser is the identity the manager runs as in tests: the same service account name a
// cluster install uses, so the manager's default --operator-username applies (a test in
// internal/manager keeps the two equal).
const OperatorUser = "system:serviceaccount:category-operator-system:category-operator-controller-manager"

// OperatorNamespace is the manager's namespace in tests.
const OperatorNamespace = "category-operator-system"

// Scheme has the built-in types and the operator's API.
var Scheme = scheme.Scheme

// Env is a running control plane.
type Env struct {
	*envtest.Environment
	// Admin is cluster admin: use it to arrange a test, never to act as the operator.
	Admin       client.Client
	AdminConfig *rest.Config
	// OperatorConfig authenticates as OperatorUser, bound to the generated manager-role.
	OperatorConfig *rest.Config
	certDir        string // RestartableAPIServer's, removed by Stop
}

// Options tune Start.
type Options struct {
	// Webhooks installs config/webhook/manifests.yaml; the caller must serve it with a manager
	// using WebhookServerOptions.
	Webhooks bool
	// RestartableAPIServer keeps kube-apiserver's certificates in a folder of their own, so
	// ControlPlane.APIServer.Stop and Start bring it back on the same port with the same
	// certificates, and every client config still works (envtest otherwise makes new ones).
	RestartableAPIServer bool
	// EtcdQuotaBytes sets etcd's --quota-backend-bytes (etcd's own default, 2 GiB, when 0):
	// the benchmark stores more than that.
	EtcdQuotaBytes int64
	// FeatureGates are kube-apiserver's --feature-gates, e.g. "ShardedListAndWatch=true".
	FeatureGates string
}

// Start starts etcd and kube-apiserver from KUBEBUILDER_ASSETS and installs CRDs, RBAC and
// the admission policies (config/admission-policies).
func Start(opts Options) (*Env, error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return nil, fmt.Errorf("KUBEBUILDER_ASSETS is not set: run tests with `make test`, which builds kube-apiserver and etcd and sets it")
	}
	root := RepoRoot()
	te := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                Scheme,
	}
	var certDir string
	if opts.RestartableAPIServer {
		var err error
		if certDir, err = os.MkdirTemp("", "kube-apiserver-"); err != nil {
			return nil, err
		}
		te.ControlPlane.APIServer = &envtest.APIServer{CertDir: certDir}
	}
	if opts.EtcdQuotaBytes > 0 {
		te.ControlPlane.Etcd = &envtest.Etcd{}
		te.ControlPlane.Etcd.Configure().Set("quota-backend-bytes", strconv.FormatInt(opts.EtcdQuotaBytes, 10))
	}
	if opts.FeatureGates != "" {
		te.ControlPlane.GetAPIServer().Configure().Append("feature-gates", opts.FeatureGates)
	}
	cfg, err := te.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the test API server: %w", err)
	}
	e := &Env{Environment: te, AdminConfig: cfg, certDir: certDir}
	if e.Admin, err = client.New(cfg, client.Options{Scheme: Scheme}); err != nil {
		_ = te.Stop()
		return nil, err
	}
	if err := e.installRBAC(context.Background()); err != nil {
		_ = te.Stop()
		return nil, err
	}
	// The policies first: their readiness is probed with requests no webhook may intercept.
	if err := e.installAdmissionPolicies(context.Background()); err != nil {
		_ = te.Stop()
		return nil, err
	}
	if opts.Webhooks {
		te.WebhookInstallOptions = envtest.WebhookInstallOptions{
			Paths: []string{filepath.Join(root, "config", "webhook", "manifests.yaml")},
		}
		if err := te.WebhookInstallOptions.Install(cfg); err != nil {
			_ = te.Stop()
			return nil, fmt.Errorf("installing the webhook configurations: %w", err)
		}
	}
	op, err := te.AddUser(envtest.User{Name: OperatorUser, Groups: []string{"system:serviceaccounts", "system:authenticated"}}, cfg)
	if err != nil {
		_ = te.Stop()
		return nil, err
	}
	e.OperatorConfig = op.Config()
	return e, nil
}

// installRBAC applies config/rbac/role.yaml (generated from markers) and binds it to OperatorUser.
func (e *Env) installRBAC(ctx context.Context) error {
	role, err := ReadClusterRole("role.yaml")
	if err != nil {
		return err
	}
	return e.Grant(ctx, role, "", User(OperatorUser))
}

// UserConfig returns a rest config authenticating as a new user with the given groups.
func (e *Env) UserConfig(name string, groups ...string) (*rest.Config, error) {
	u, err := e.AddUser(envtest.User{Name: name, Groups: append(groups, "system:authenticated")}, e.AdminConfig)
	if err != nil {
		return nil, err
	}
	return u.Config(), nil
}

// EnsureNamespace creates a namespace if it does not exist.
func (e *Env) EnsureNamespace(ctx context.Context, name string) error {
	err := e.Admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// AllowLocalSinks labels namespace name as the platform labels one whose notification sinks
// may reach the manager's --sink-allowed-cidrs (qualv1.LabelSinkAllowedCIDRs): the tests'
// receivers on loopback.
func (e *Env) AllowLocalSinks(ctx context.Context, name string) error {
	patch := fmt.Appendf(nil, `{"metadata":{"labels":{%q:"true"}}}`, qualv1.LabelSinkAllowedCIDRs)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	return e.Admin.Patch(ctx, ns, client.RawPatch(types.MergePatchType, patch))
}

// Stop stops the control plane, giving it a moment to release ports.
func (e *Env) Stop() error {
	done := make(chan error, 1)
	go func() {
		err := e.Environment.Stop()
		if e.certDir != "" {
			_ = os.RemoveAll(e.certDir)
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("timed out stopping the test API server")
	}
}
