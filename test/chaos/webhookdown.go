package chaos

import (
	"context"
	"fmt"
	"net"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/testenv"
)

// downResult is what the API server answered while no manager served webhooks.
type downResult struct {
	Create, Approve, OperatorDecides string // the refusals, verbatim
	Failures                         []string
}

// webhookDown stops every replica (not restarted meanwhile) and checks that writes are
// refused, with a message naming the webhook, and that the approval rules the API server
// enforces itself (ValidatingAdmissionPolicies) still hold: the operator's own identity
// cannot make a decision. Then the replicas come back.
func (c *cluster) webhookDown(ctx context.Context, under app) (*downResult, error) {
	for _, r := range c.replicas {
		r.mu.Lock()
		r.paused = true
		r.mu.Unlock()
		c.kill(r)
	}
	defer func() {
		for _, r := range c.replicas {
			r.mu.Lock()
			r.paused = false
			r.mu.Unlock()
		}
	}()
	for _, r := range c.replicas {
		addr := fmt.Sprintf("127.0.0.1:%d", r.webhookPort)
		if err := poll(ctx, time.Minute, func() (bool, error) {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				conn.Close()
			}
			return err != nil, nil
		}); err != nil {
			return nil, fmt.Errorf("%s still accepts connections", addr)
		}
	}
	res := &downResult{}
	failf := func(format string, a ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, a...)) }
	refusal := func(what string, err error) string {
		if err == nil {
			failf("%s was admitted with no webhook serving", what)
			return ""
		}
		return err.Error()
	}

	d, err := newDriver(c, time.Minute)
	if err != nil {
		return nil, err
	}
	obj := d.template.DeepCopy()
	obj.Namespace, obj.Name = under.key.Namespace, "while-down"
	obj.Spec.Merchant.AppID = "wx00000000000d0e0e"
	res.Create = refusal("the merchant's create", c.merchant.Create(ctx, obj))

	before := &qualv1.CategoryApplication{}
	if err := c.admin.Get(ctx, under.key, before); err != nil {
		return nil, err
	}
	_, _, err = decision.Write(ctx, c.reviewer, decision.Request{Key: under.key, Verdict: qualv1.VerdictApproved})
	res.Approve = refusal("the reviewer's approval", err)

	// The operator's identity writing a decision: refused by the API server's own policy.
	op, err := client.New(c.env.OperatorConfig, client.Options{Scheme: testenv.Scheme})
	if err != nil {
		return nil, err
	}
	patch, err := decision.Patch(before.ResourceVersion, qualv1.Decision{Verdict: qualv1.VerdictApproved,
		Generation: before.Generation, MaterialsDigest: before.Status.MaterialsDigest})
	if err != nil {
		return nil, err
	}
	err = op.Status().Patch(ctx, before.DeepCopy(), client.RawPatch(types.MergePatchType, patch))
	res.OperatorDecides = refusal("the operator's own decision", err)

	after := &qualv1.CategoryApplication{}
	if err := c.admin.Get(ctx, under.key, after); err != nil {
		return nil, err
	}
	if after.Status.Decision != nil {
		failf("%s has a decision after the refused writes: %+v", under.key, after.Status.Decision)
	}
	if err := c.admin.Get(ctx, client.ObjectKeyFromObject(obj), &qualv1.CategoryApplication{}); !apierrors.IsNotFound(err) {
		failf("the application created while no webhook served exists (%v)", err)
	}
	return res, nil
}
