package cmd_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/channelshop/category-operator/internal/operator"
	"github.com/channelshop/category-operator/internal/testenv"
)

var (
	env   *testenv.Env
	admin client.Client
	// users are the reviewers' identities: alice may decide, bob may read and write
	// status but lacks the approve verb, so only the webhook stops him.
	users = map[string]*rest.Config{}
)

// TestMain runs the real API server with the operator's webhooks and controllers, as
// controllers/suite_test.go does, so every command meets what it meets in a cluster.
func TestMain(m *testing.M) {
	level := zapcore.Level(2) // errors only
	if os.Getenv("TEST_VERBOSE") != "" {
		level = -2
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(level)))
	var err error
	if env, err = testenv.Start(testenv.Options{Webhooks: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	admin = env.Admin
	code := func() int {
		stop, err := setup()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer stop()
		return m.Run()
	}()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// setup starts the operator, grants the reviewers' roles and installs the jewelry policy.
func setup() (stop func(), err error) {
	ctx := context.Background()
	if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		return nil, err
	}
	o := operator.DefaultOptions()
	wh := env.WebhookInstallOptions
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.Namespace = testenv.OperatorNamespace
	o.WebhookHost, o.WebhookPort, o.CertDir = wh.LocalServingHost, wh.LocalServingPort, wh.LocalServingCertDir
	mgr, err := operator.New(env.OperatorConfig, o)
	if err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(mctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	stop = func() { cancel(); <-done }
	syncCtx, syncCancel := context.WithTimeout(mctx, 30*time.Second)
	defer syncCancel()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		stop()
		return nil, fmt.Errorf("manager cache did not sync")
	}
	for _, step := range []func(context.Context) error{waitForWebhook, grantRoles, installPolicy} {
		if err := step(ctx); err != nil {
			stop()
			return nil, err
		}
	}
	for name, group := range map[string]string{"alice": "reviewers", "bob": "readers"} {
		if users[name], err = env.UserConfig(name, group); err != nil {
			stop()
			return nil, err
		}
	}
	return stop, nil
}

// grantRoles gives reviewers what the plugin needs, and readers the same without approve.
func grantRoles(ctx context.Context) error {
	read := []string{"get", "list", "watch"}
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{"qualification.channelshop.dev"}, Resources: []string{"categoryapplications", "categorypolicies"}, Verbs: read},
		{APIGroups: []string{"qualification.channelshop.dev"}, Resources: []string{"categoryapplications/status"}, Verbs: []string{"update", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: read},
	}
	approve := rbacv1.PolicyRule{APIGroups: []string{"qualification.channelshop.dev"}, Resources: []string{"categorypolicies"}, Verbs: []string{"approve"}}
	for group, rules := range map[string][]rbacv1.PolicyRule{"readers": rules, "reviewers": append(rules, approve)} {
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "category-" + group}, Rules: rules}
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "category-" + group},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: group}},
		}
		for _, obj := range []client.Object{role, binding} {
			if err := admin.Create(ctx, obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitForWebhook waits until the webhook server answers through the API server.
func waitForWebhook(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		u := &unstructured.Unstructured{}
		u.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
		u.SetKind("CategoryPolicy")
		u.SetName("webhook-probe")
		u.Object["spec"] = map[string]any{"displayName": "probe", "subcategories": []any{map[string]any{"id": "a", "displayName": "a"}}}
		err := admin.Create(ctx, u, client.DryRunAll)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook not serving: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
