package chaos

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
	"github.com/channelshop/category-operator/internal/testenv"
)

// plan is what the merchant and the reviewer do with one application.
type plan string

const (
	planApprove          plan = "approved"                         // approved at once
	planReject           plan = "rejected"                         // rejected, left so
	planResubmitApprove  plan = "rejected, resubmitted, approved"  // fixed and approved
	planResubmitUnderRev plan = "rejected, resubmitted, in review" // fixed, not decided yet
)

var plans = []plan{planApprove, planReject, planResubmitApprove, planResubmitUnderRev}

// planFor: of every ten applications six are approved, one rejected, two resubmitted and
// approved, one resubmitted and left under review.
func planFor(i int) plan {
	switch i % 10 {
	case 0:
		return planReject
	case 1, 2:
		return planResubmitApprove
	case 3:
		return planResubmitUnderRev
	}
	return planApprove
}

// appsPerNamespace: shops' namespaces hold a few applications each, and one notify Secret.
const appsPerNamespace = 25

type app struct {
	key   client.ObjectKey
	appID string
	plan  plan
}

func makeApps(n int) []app {
	out := make([]app, n)
	for i := range out {
		out[i] = app{key: client.ObjectKey{Namespace: fmt.Sprintf("chaos-%03d", i/appsPerNamespace), Name: fmt.Sprintf("app-%04d", i)},
			appID: fmt.Sprintf("wx%016x", 0xc4a050000+i), plan: planFor(i)}
	}
	return out
}

// driver is the merchant and the reviewer going through the lifecycle while the manager dies
// and comes back: every write is retried until it is done, as a person or a pipeline would
// retry a refused kubectl; refusals are counted.
type driver struct {
	c        *cluster
	template *qualv1.CategoryApplication
	secrets  []*unstructured.Unstructured
	refused  atomic.Int64
	wait     time.Duration // the longest any one step may take
}

func newDriver(c *cluster, wait time.Duration) (*driver, error) {
	d := &driver{c: c, wait: wait}
	samples := filepath.Join(testenv.RepoRoot(), "config", "samples")
	objs, err := testenv.ReadObjects(filepath.Join(samples, "03-categoryapplication.yaml"))
	if err != nil {
		return nil, err
	}
	for _, u := range objs {
		if u.GetKind() == "CategoryApplication" {
			d.template = &qualv1.CategoryApplication{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, d.template); err != nil {
				return nil, err
			}
		}
	}
	if d.template == nil {
		return nil, fmt.Errorf("no CategoryApplication in config/samples/03-categoryapplication.yaml")
	}
	d.template.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: notifySecret}}}
	if d.secrets, err = testenv.ReadObjects(filepath.Join(samples, "02-secrets.yaml")); err != nil {
		return nil, err
	}
	return d, nil
}

// prepare makes the shops' namespaces with the sample's material Secrets and a notify Secret
// pointing at the sink (by admin: the merchant's earlier work).
func (d *driver) prepare(ctx context.Context, apps []app) error {
	seen := map[string]bool{}
	for _, a := range apps {
		ns := a.key.Namespace
		if seen[ns] {
			continue
		}
		seen[ns] = true
		if err := d.c.env.EnsureNamespace(ctx, ns); err != nil {
			return err
		}
		if err := d.c.env.AllowLocalSinks(ctx, ns); err != nil { // the sink is on loopback
			return err
		}
		for _, s := range d.secrets {
			if s.GetName() != "acme-gold-materials" {
				continue
			}
			u := s.DeepCopy()
			u.SetNamespace(ns)
			if err := d.c.admin.Create(ctx, u); err != nil {
				return err
			}
		}
		if err := d.c.admin.Create(ctx, sinkSecret(ns, notifySecret, d.c.sink.addr+"/merchant/"+ns)); err != nil {
			return err
		}
	}
	return nil
}

// run takes one application through its plan.
func (d *driver) run(ctx context.Context, a app) error {
	if err := d.retry(ctx, "create "+a.key.String(), func() (bool, error) {
		obj := d.template.DeepCopy()
		obj.Namespace, obj.Name = a.key.Namespace, a.key.Name
		obj.Spec.Merchant.AppID = a.appID
		err := d.c.merchant.Create(ctx, obj)
		return err == nil || apierrors.IsAlreadyExists(err), nil // AlreadyExists: an earlier try got through
	}); err != nil {
		return err
	}
	if err := d.waitPhase(ctx, a, 1, qualv1.PhaseUnderReview); err != nil {
		return err
	}
	if a.plan == planApprove {
		return d.decide(ctx, a, 1, qualv1.VerdictApproved)
	}
	if err := d.decide(ctx, a, 1, qualv1.VerdictRejected); err != nil {
		return err
	}
	if a.plan == planReject {
		return nil
	}
	if err := d.waitPhase(ctx, a, 1, qualv1.PhaseRejected); err != nil {
		return err
	}
	if err := d.resubmit(ctx, a); err != nil {
		return err
	}
	if err := d.waitPhase(ctx, a, 2, qualv1.PhaseUnderReview); err != nil {
		return err
	}
	if a.plan == planResubmitApprove {
		return d.decide(ctx, a, 2, qualv1.VerdictApproved)
	}
	return nil
}

// resubmit is the merchant fixing the materials: generation 2. The write is guarded by the
// resourceVersion read, and skipped once generation 2 exists, so a retry never makes a third.
func (d *driver) resubmit(ctx context.Context, a app) error {
	return d.retry(ctx, "resubmit "+a.key.String(), func() (bool, error) {
		obj := &qualv1.CategoryApplication{}
		if err := d.c.merchant.Get(ctx, a.key, obj); err != nil {
			return false, nil
		}
		if obj.Generation >= 2 {
			return true, nil
		}
		before := obj.DeepCopy()
		obj.Spec.Materials[0].Files = append(obj.Spec.Materials[0].Files, qualv1.FileRef{
			URL: "https://files.acme.example/filing-letter-rescan.jpg", SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
		return d.c.merchant.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})) == nil, nil
	})
}

// decide writes the reviewer's verdict on generation gen through internal/decision (the
// plugin's path); a decision already stored for gen (an earlier try that got through) is done.
func (d *driver) decide(ctx context.Context, a app, gen int64, v qualv1.Verdict) error {
	req := decision.Request{Key: a.key, Verdict: v, Generation: gen}
	if v == qualv1.VerdictRejected {
		req.Reason, req.Message = "FilingLetterUnreadable", "the seal is not legible"
	}
	return d.retry(ctx, fmt.Sprintf("%s %s generation %d", v, a.key, gen), func() (bool, error) {
		obj := &qualv1.CategoryApplication{}
		if err := d.c.reviewer.Get(ctx, a.key, obj); err != nil {
			return false, nil
		}
		if dec := obj.Status.Decision; dec != nil && dec.Generation == gen {
			if dec.Verdict != v {
				return false, fmt.Errorf("%s: generation %d was %s, not %s", a.key, gen, dec.Verdict, v)
			}
			return true, nil
		}
		req.MaterialsDigest = obj.Status.MaterialsDigest
		_, _, err := decision.Write(ctx, d.c.reviewer, req)
		return err == nil, nil
	})
}

// waitPhase waits until the operator has processed generation gen and shows phase.
func (d *driver) waitPhase(ctx context.Context, a app, gen int64, phase qualv1.ApplicationPhase) error {
	var last *qualv1.CategoryApplication
	err := poll(ctx, d.wait, func() (bool, error) {
		obj := &qualv1.CategoryApplication{}
		if err := d.c.admin.Get(ctx, a.key, obj); err != nil {
			return false, nil
		}
		last = obj
		return obj.Generation == gen && obj.Status.ObservedGeneration == gen && obj.Status.Phase == phase, nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("%s: waited %s for generation %d %s; it is generation %d (observed %d) %s: %w",
			a.key, d.wait, gen, phase, last.Generation, last.Status.ObservedGeneration, last.Status.Phase, err)
	}
	return err
}

// retry calls try until it reports done, counting the tries that were not.
func (d *driver) retry(ctx context.Context, what string, try func() (bool, error)) error {
	err := poll(ctx, d.wait, func() (bool, error) {
		ok, err := try()
		if !ok && err == nil {
			d.refused.Add(1)
		}
		return ok, err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
