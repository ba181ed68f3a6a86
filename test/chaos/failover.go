package chaos

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand"
	"net/http"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/testenv"
)

// leaseDuration is controller-runtime's default, which the manager keeps.
const leaseDuration = 15 * time.Second

// failovers kills the leader o.Kills times at random moments and measures how long until
// the other replica holds the lease.
func (c *cluster) failovers(ctx context.Context, o Options, start time.Time, res *Result) {
	rnd := rand.New(rand.NewSource(o.Seed))
	res.LeaseDuration = leaseDuration
	key := client.ObjectKey{Namespace: testenv.OperatorNamespace, Name: manager.DefaultOptions().LeaderElectionID}
	for len(res.Killed) < o.Kills {
		lo, hi := o.KillEvery[0], o.KillEvery[1]
		select {
		case <-ctx.Done():
			return
		case <-time.After(lo + time.Duration(rnd.Int63n(int64(hi-lo)+1))):
		}
		// The leader: the replica whose current process started its controllers, which only
		// the holder of the lease does.
		var leader *replica
		var holder string
		_ = poll(ctx, o.Wait, func() (bool, error) {
			l := &coordinationv1.Lease{}
			if err := c.admin.Get(ctx, key, l); err != nil || l.Spec.HolderIdentity == nil {
				return false, nil
			}
			holder = *l.Spec.HolderIdentity
			for _, r := range c.replicas {
				if strings.Contains(r.current().Log.String(), "Starting workers") {
					leader = r
				}
			}
			return leader != nil, nil
		})
		if leader == nil {
			o.Logf("no leader found")
			return
		}
		killedAt := time.Now()
		c.kill(leader)
		res.Killed = append(res.Killed, time.Since(start))
		o.Logf("kill -9 of the leader %s (#%d)", leader.name, len(res.Killed))
		err := poll(ctx, o.Wait, func() (bool, error) {
			l := &coordinationv1.Lease{}
			if err := c.admin.Get(ctx, key, l); err != nil || l.Spec.HolderIdentity == nil {
				return false, nil
			}
			return *l.Spec.HolderIdentity != holder, nil
		})
		if err != nil {
			o.Logf("no takeover: %v", err)
			return
		}
		res.Takeovers = append(res.Takeovers, time.Since(killedAt))
		o.Logf("taken over after %s", res.Takeovers[len(res.Takeovers)-1].Round(100*time.Millisecond))
	}
}

// answers says whether a replica's webhook server completes a TLS handshake with the
// certificate the webhook configurations trust and answers an HTTPS request.
func (c *cluster) answers(r *replica) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.env.WebhookInstallOptions.LocalServingCAData)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: c.webhook.Host}}}
	resp, err := hc.Get(fmt.Sprintf("https://%s:%d/healthz", c.webhook.Host, r.webhookPort))
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
