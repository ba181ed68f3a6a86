// Package managertest runs the assembled manager on a test control plane (internal/testenv).
// Only tests, the benchmark and `make run` import it.
package managertest

import (
	"context"
	"fmt"

	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/testenv"
)

// Options are manager.DefaultOptions wired to env: the operator's namespace and user, and the
// webhook server envtest installed. Metrics and probes are off ("0").
func Options(env *testenv.Env) manager.Options {
	o := manager.DefaultOptions()
	s := env.WebhookServing()
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.Namespace = testenv.OperatorNamespace
	o.OperatorUsername = testenv.OperatorUser
	o.WebhookHost, o.WebhookPort, o.CertDir = s.Host, s.Port, s.CertDir
	return o
}

// Start builds the manager with o as the operator's user and starts it on env.
func Start(ctx context.Context, env *testenv.Env, o manager.Options) (*testenv.Operator, error) {
	mgr, err := manager.New(env.OperatorConfig, o)
	if err != nil {
		return nil, fmt.Errorf("setting up the manager: %w", err)
	}
	return env.StartManager(ctx, mgr, o.Webhooks)
}
