package console

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/zap/zapcore"
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
	// users: alice and carol may decide (the shipped reviewer role), bob has the same role
	// without its approve rule.
	users = map[string]*rest.Config{}
)

// TestMain runs the real API server with the operator's webhooks and controllers, as the
// plugin's command tests do (internal/cmd), so the console meets what it meets in a cluster.
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
	fail := func(err error) (func(), error) { stop(); return nil, err }
	if err := env.GrantReviewers(ctx); err != nil {
		return fail(err)
	}
	if _, err := env.InstallPolicies(ctx, "jewelry"); err != nil {
		return fail(err)
	}
	for name, group := range map[string]string{"alice": "reviewers", "bob": "readers", "carol": "reviewers"} {
		if users[name], err = env.UserConfig(name, group); err != nil {
			return fail(err)
		}
	}
	return stop, nil
}
