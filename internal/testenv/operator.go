package testenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Serving is where a manager must serve its webhooks for the configuration envtest installed.
type Serving struct {
	Host    string
	Port    int
	CertDir string
}

// WebhookServing returns the address and certificates envtest set up for the webhooks.
func (e *Env) WebhookServing() Serving {
	wh := e.WebhookInstallOptions
	return Serving{Host: wh.LocalServingHost, Port: wh.LocalServingPort, CertDir: wh.LocalServingCertDir}
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

// StartManager starts mgr (built by the caller against OperatorConfig) and returns once its
// cache has synced and, when it serves webhooks, they answer through the API server.
func (e *Env) StartManager(ctx context.Context, mgr ctrl.Manager, webhooks bool) (*Operator, error) {
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
	if !webhooks || e.WebhookInstallOptions.LocalServingCertDir == "" {
		return op, nil
	}
	for {
		err := e.ProbeWebhook(wctx)
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

// ProbeWebhook dry-runs a policy create: it passes only once the policy webhook answers.
func (e *Env) ProbeWebhook(ctx context.Context) error {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	u.SetKind("CategoryPolicy")
	u.SetName("webhook-probe")
	u.Object["spec"] = map[string]any{"displayName": "probe", "subcategories": []any{map[string]any{"id": "a", "displayName": "a"}}}
	return e.Admin.Create(ctx, u, client.DryRunAll)
}
