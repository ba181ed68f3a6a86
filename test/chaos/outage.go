package chaos

import (
	"context"
	"strings"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/controllers"
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
	// Recovered: some application's status was written by the manager after the restart.
	_ = poll(ctx, o.Wait, func() (bool, error) {
		var list qualv1.CategoryApplicationList
		if err := c.admin.List(ctx, &list); err != nil {
			return false, nil
		}
		for _, a := range list.Items {
			for _, f := range a.ManagedFields {
				if f.Subresource == "status" && f.Time != nil && f.Time.After(back) && f.Manager == controllers.FieldManager {
					return true, nil
				}
			}
		}
		return false, nil
	})
	res.RecoveredAfter = time.Since(back)
}
