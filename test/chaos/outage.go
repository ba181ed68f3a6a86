package chaos

import (
	"context"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// outage stops kube-apiserver for o.Outage once, KillEvery[0] into the lifecycle, and starts
// it again on the same port, certificates and etcd; then measures how long until the manager
// writes an application's status again (it is not restarted for that: it must reconnect).
func (c *cluster) outage(ctx context.Context, o Options, start time.Time, res *Result) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(o.KillEvery[0]):
	}
	api := c.env.ControlPlane.APIServer
	res.OutageAt = time.Since(start)
	o.Logf("stopping kube-apiserver for %s", o.Outage)
	res.StopHow = "SIGTERM, exited"
	if err := api.Stop(); err != nil {
		// envtest sends SIGKILL when SIGTERM has not ended it in its StopTimeout (20s).
		if !strings.Contains(err.Error(), "timeout waiting") {
			o.Logf("stopping kube-apiserver: %v", err)
			return
		}
		res.StopHow = "SIGTERM, then SIGKILL after envtest's 20s"
	}
	stopped := time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(o.Outage):
	}
	if err := api.Start(); err != nil {
		o.Logf("starting kube-apiserver again: %v", err)
		return
	}
	back := time.Now()
	res.APIServerDown = back.Sub(stopped)
	o.Logf("kube-apiserver is back after %s", res.APIServerDown.Round(100*time.Millisecond))
	// Recovered: a new application is admitted (the manager's webhooks answer) and processed
	// (its controller writes its status) without anyone restarting the manager.
	probe := app{key: client.ObjectKey{Namespace: "chaos-000", Name: "after-outage"}, appID: "wx00000000000a0b0c", plan: planResubmitUnderRev}
	d, err := newDriver(c, o.Wait)
	if err != nil {
		o.Logf("%v", err)
		return
	}
	if err := d.retry(ctx, "create the probe", func() (bool, error) {
		obj := d.template.DeepCopy()
		obj.Namespace, obj.Name = probe.key.Namespace, probe.key.Name
		obj.Spec.Merchant.AppID = probe.appID
		err := c.merchant.Create(ctx, obj)
		return err == nil || apierrors.IsAlreadyExists(err), nil
	}); err != nil {
		o.Logf("%v", err)
		return
	}
	if err := d.waitPhase(ctx, probe, 1, qualv1.PhaseUnderReview); err != nil {
		o.Logf("%v", err)
		return
	}
	res.RecoveredAfter = time.Since(back)
	o.Logf("the manager processed a new application %s after the API server's return", res.RecoveredAfter.Round(100*time.Millisecond))
}
