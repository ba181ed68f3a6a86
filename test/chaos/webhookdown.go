package chaos

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
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
	// With the webhooks bypassed (failurePolicy Ignore while none serves): what the API
	// server's own policies answer.
	BypassedOperatorDecides, BypassedReviewerForges string
	Failures                                        []string
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
	_, _, err = decision.Write(ctx, c.reviewer, decision.Request{Key: under.key, Verdict: qualv1.VerdictApproved,
		Generation: before.Generation, MaterialsDigest: before.Status.MaterialsDigest})
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

	// The same with the webhooks bypassed, as a misconfigured install (failurePolicy Ignore)
	// would: the API server's ValidatingAdmissionPolicies still refuse.
	restore, err := c.ignoreWebhookFailures(ctx)
	if err != nil {
		return nil, err
	}
	// The API server sees the new failurePolicy through an informer: try until the answer is
	// the policy's (or a minute passes; then the last answer is reported).
	opWant, revWant := "the operator may archive a decision but never make or change one", "a reviewer may set status.decision only"
	_ = poll(ctx, time.Minute, func() (bool, error) {
		if err := c.admin.Get(ctx, under.key, before); err != nil {
			return false, nil
		}
		patch, err := decision.Patch(before.ResourceVersion, qualv1.Decision{Verdict: qualv1.VerdictApproved,
			Generation: before.Generation, MaterialsDigest: before.Status.MaterialsDigest})
		if err != nil {
			return false, err
		}
		err = op.Status().Patch(ctx, before.DeepCopy(), client.RawPatch(types.MergePatchType, patch))
		res.BypassedOperatorDecides = refusal("the operator's own decision with the webhooks bypassed", err)
		forged := before.DeepCopy()
		forged.Status.Phase = qualv1.PhaseApproved
		err = c.reviewer.Status().Update(ctx, forged)
		res.BypassedReviewerForges = refusal("a reviewer's write of status.phase with the webhooks bypassed", err)
		return len(res.Failures) > 0 || strings.Contains(res.BypassedOperatorDecides, opWant) && strings.Contains(res.BypassedReviewerForges, revWant), nil
	})
	if err := restore(); err != nil {
		return nil, err
	}
	for _, m := range []struct{ got, want string }{
		{res.BypassedOperatorDecides, opWant},
		{res.BypassedReviewerForges, revWant},
	} {
		if !strings.Contains(m.got, m.want) {
			failf("with the webhooks bypassed, want the admission policy's %q, got %q", m.want, m.got)
		}
	}
	for _, m := range []string{res.Create, res.Approve, res.OperatorDecides} {
		if !strings.Contains(m, "failed calling webhook") {
			failf("with no webhook serving, want a refusal naming the webhook, got %q", m)
		}
	}

	after := &qualv1.CategoryApplication{}
	if err := c.admin.Get(ctx, under.key, after); err != nil {
		return nil, err
	}
	if after.Status.Decision != nil || after.Status.Phase != before.Status.Phase {
		failf("%s has a decision after the refused writes: %+v", under.key, after.Status.Decision)
	}
	if err := c.admin.Get(ctx, client.ObjectKeyFromObject(obj), &qualv1.CategoryApplication{}); !apierrors.IsNotFound(err) {
		failf("the application created while no webhook served exists (%v)", err)
	}
	return res, nil
}

// ignoreWebhookFailures sets failurePolicy Ignore on every webhook of the operator's
// configurations; restore puts them back as they were.
func (c *cluster) ignoreWebhookFailures(ctx context.Context) (restore func() error, err error) {
	var vs admissionregistrationv1.ValidatingWebhookConfigurationList
	var ms admissionregistrationv1.MutatingWebhookConfigurationList
	if err := c.admin.List(ctx, &vs); err != nil {
		return nil, err
	}
	if err := c.admin.List(ctx, &ms); err != nil {
		return nil, err
	}
	ignore := admissionregistrationv1.Ignore
	var saved []client.Object
	for i := range vs.Items {
		saved = append(saved, vs.Items[i].DeepCopy())
		for j := range vs.Items[i].Webhooks {
			vs.Items[i].Webhooks[j].FailurePolicy = &ignore
		}
		if err := c.admin.Update(ctx, &vs.Items[i]); err != nil {
			return nil, err
		}
	}
	for i := range ms.Items {
		saved = append(saved, ms.Items[i].DeepCopy())
		for j := range ms.Items[i].Webhooks {
			ms.Items[i].Webhooks[j].FailurePolicy = &ignore
		}
		if err := c.admin.Update(ctx, &ms.Items[i]); err != nil {
			return nil, err
		}
	}
	return func() error {
		for _, o := range saved {
			cur := o.DeepCopyObject().(client.Object)
			if err := c.admin.Get(ctx, client.ObjectKeyFromObject(o), cur); err != nil {
				return err
			}
			o.SetResourceVersion(cur.GetResourceVersion())
			if err := c.admin.Update(ctx, o); err != nil {
				return err
			}
		}
		return nil
	}, nil
}
