package chaos

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// TestKillAndRestart is the short version of `make chaos`: bin/manager, as its own process,
// is killed with SIGKILL three times while 50 applications go through their lifecycle, and
// restarted each time. Every end state must then be exact: phases, one Active listing per
// approved application, every notification delivered, repeats bounded by the kills. Then,
// with no manager serving, writes must be refused naming the webhook, and with the webhooks
// bypassed the API server's own policies must still refuse the operator's decision and a
// reviewer's status write. Waits are generous (a loaded 2-core machine); nothing is timed.
func TestKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane and builds the manager")
	}
	logf.SetLogger(logr.Discard()) // the test's clients; the managers log into their own files
	o := Options{N: 50, Kills: 3, Seed: 12, KillEvery: [2]time.Duration{time.Second, 4 * time.Second},
		Wait: 4 * time.Minute, Workers: 10, WebhookDown: true, Logf: t.Logf}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", res.Markdown("go test ./test/chaos"))
	if len(res.Killed) != o.Kills {
		t.Errorf("the manager was killed %d times, want %d", len(res.Killed), o.Kills)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
	if res.Down == nil {
		t.Fatal("the webhook-down checks did not run")
	}
	t.Logf("\n%s", res.DownMarkdown("go test ./test/chaos"))
	for _, f := range res.Down.Failures {
		t.Error(f)
	}
	// The checks must have something to check: every application, and its notifications.
	if res.Approved != 40 || res.Listings != 40 || res.Ledger == 0 || res.Keys != res.Ledger {
		t.Errorf("approved %d, listings %d, ledger %d, keys %d: want 40, 40, >0 and keys == ledger", res.Approved, res.Listings, res.Ledger, res.Keys)
	}
}
