// Package shards_test runs the operator as several shards (internal/shard) on one control plane:
// each caches and reconciles its own namespaces, changing the shard count loses nothing, the
// admission policy keeps every object in its namespace's bucket, D1 holds across shards, and
// the labeller labels namespaces and old objects. The webhooks are served throughout by a
// webhooks-only manager that is itself shard 0 of 2: its cache holds only even buckets, as a
// replica of one shard does in a cluster (envtest's webhook configuration has one address).
package shards_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/shard"
	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

var (
	env *testenv.Env
	fx  *fixture.Fixture
	// webhooks serves the admission webhooks as shard 0 of 2.
	webhooks *testenv.Operator
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
		o.WebhooksOnly, o.SkipControllerNameValidation = true, true
		o.Shards = shard.Shards{Count: 2, Index: 0, Buckets: shard.DefaultBuckets}
		if webhooks, err = managertest.Start(ctx, env, o); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = webhooks.Stop() }()
		return m.Run()
	}()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
