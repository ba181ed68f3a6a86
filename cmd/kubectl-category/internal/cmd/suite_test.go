package cmd_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/zap/zapcore"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/channelshop/category-operator/internal/manager/managertest"
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
	op, err := managertest.Start(ctx, env, managertest.Options(env))
	if err != nil {
		return nil, err
	}
	stop = func() { _ = op.Stop() }
	for _, step := range []func(context.Context) error{grantRoles, installPolicy} {
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
