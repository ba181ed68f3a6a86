package testenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/operator"
)

// OperatorOptions are operator.DefaultOptions wired to this control plane: the operator's
// namespace and the webhook server envtest installed. Metrics and probes are off ("0").
func (e *Env) OperatorOptions() operator.Options {
	o := operator.DefaultOptions()
	wh := e.WebhookInstallOptions
	o.MetricsAddr, o.ProbeAddr = "0", "0"
	o.Namespace = OperatorNamespace
	o.OperatorUsername = OperatorUser
	o.WebhookHost, o.WebhookPort, o.CertDir = wh.LocalServingHost, wh.LocalServingPort, wh.LocalServingCertDir
	return o
}

// Operator is a manager running against the control plane as OperatorUser.
type Operator struct {
	ctrl.Manager
	cancel context.CancelFunc
	done   chan struct{}
	err    error // what Start returned, once done is closed
}

// Stop stops the manager and returns what it returned.
func (o *Operator) Stop() error {
	o.cancel()
	<-o.done
	return o.err
}

// Done is closed when the manager has stopped (see Err).
func (o *Operator) Done() <-chan struct{} { return o.done }

// Err is the manager's result once Done is closed.
func (o *Operator) Err() error { return o.err }

// StartOperator builds and starts the operator with opts (see OperatorOptions) and returns
// once its cache has synced and, when it serves webhooks, they answer through the API server.
func (e *Env) StartOperator(ctx context.Context, opts operator.Options) (*Operator, error) {
	mgr, err := operator.New(e.OperatorConfig, opts)
	if err != nil {
		return nil, fmt.Errorf("setting up the manager: %w", err)
	}
	mctx, cancel := context.WithCancel(context.Background())
	op := &Operator{Manager: mgr, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(op.done)
		op.err = mgr.Start(mctx)
	}()
	fail := func(err error) (*Operator, error) {
		_ = op.Stop()
		return nil, err
	}
	wctx, wcancel := context.WithTimeout(ctx, 60*time.Second)
	defer wcancel()
	if !mgr.GetCache().WaitForCacheSync(wctx) {
		return fail(errors.Join(errors.New("the manager's cache did not sync"), ctx.Err()))
	}
	if !opts.Webhooks || e.WebhookInstallOptions.LocalServingCertDir == "" {
		return op, nil
	}
	for {
		err := e.probeWebhook(wctx)
		if err == nil {
			return op, nil
		}
		select {
		case <-wctx.Done():
			return fail(fmt.Errorf("the webhooks did not answer: %w", err))
		case <-op.done:
			return nil, fmt.Errorf("manager: %w", op.err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// probeWebhook dry-runs a policy create: it passes only once the policy webhook answers.
func (e *Env) probeWebhook(ctx context.Context) error {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	u.SetKind("CategoryPolicy")
	u.SetName("webhook-probe")
	u.Object["spec"] = map[string]any{"displayName": "probe", "subcategories": []any{map[string]any{"id": "a", "displayName": "a"}}}
	return e.Admin.Create(ctx, u, client.DryRunAll)
}
