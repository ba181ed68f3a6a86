// Package tenancy_test checks, with the webhooks serving and --require-namespace-app-ids on (as
// in the shipped cluster install), that AppIDs belong to namespaces (D4), that a duplicate (D1)
// does not reveal other tenants, and that the garbage collector can orphan a listing.
package tenancy_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

var (
	env *testenv.Env
	fx  *fixture.Fixture
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	var err error
	if env, err = testenv.Start(testenv.Options{Webhooks: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fx = &fixture.Fixture{Env: env}
	code := func() int {
		ctx := context.Background()
		if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		o := managertest.Options(env)
		o.RequireNamespaceAppIDs = true
		op, err := managertest.Start(ctx, env, o)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = op.Stop() }()
		return m.Run()
	}()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
