// Package chaos is `make chaos` (hack/chaos) and its short version in `make test`: the
// operator's manager, built from this tree and run as its own process, is killed with SIGKILL
// at random moments while merchants and a reviewer take applications through their
// lifecycle, and restarted each time, as the kubelet would. Afterwards every application must
// be in the phase its history gives it, with exactly one listing if approved, every
// notification delivered at least once and repeated (same Idempotency-Key) no more often than
// the manager was killed.
package chaos

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"
)

// Options of one run.
type Options struct {
	N     int   // applications
	Kills int   // kill -9s of the manager
	Seed  int64 // of the kill moments
	// KillEvery bounds the random time between a restart and the next kill.
	KillEvery [2]time.Duration
	// Wait bounds every step of the lifecycle and the final convergence.
	Wait    time.Duration
	Workers int // applications driven at once
	// Replicas of the manager; more than one: with leader election, behind a balancer, and the
	// leader is the one killed.
	Replicas int
	// Outage, if set, stops kube-apiserver this long once, instead of killing the manager.
	Outage time.Duration
	// WebhookDown checks, at the end, what the API server does while no manager serves.
	WebhookDown bool
	// DeliveryWorkers is the manager's --delivery-workers; 0: its default. It bounds the
	// repeats one kill may cause (RepeatsPerKill).
	DeliveryWorkers int
	Bin             string // a built manager; empty: build one
	Logf            func(format string, a ...any)
}

// Result are the figures of a run; Failures lists every end state that is wrong.
type Result struct {
	Options
	Plans                      map[plan]int
	Killed                     []time.Duration // when, since the lifecycle started
	Lifecycle, Converged       time.Duration
	Refused                    int64 // merchant and reviewer writes refused or lost while the manager was down, retried
	Approved, Listings, Active int
	Ledger, Delivered          int             // notification records, and those Delivered
	Posts, Keys, Duplicates    int             // at the sink
	MaxRepeats                 int             // the most POSTs of one key
	Exits                      int             // manager exits nobody asked for (each restarted)
	Takeovers                  []time.Duration // kill of the leader → the other holds the lease
	LeaseDuration              time.Duration
	WebhookConns               []int         // webhook connections each replica took
	OutageAt, APIServerDown    time.Duration // when kube-apiserver stopped, and for how long
	RecoveredAfter             time.Duration // API server back → the manager's next status write
	StopHow                    string        // how kube-apiserver ended
	Down                       *downResult
	Failures                   []string
}

// Run runs the scenario on a fresh control plane and stops it afterwards.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Workers <= 0 {
		o.Workers = 10
	}
	c, err := newCluster(ctx, o)
	if err != nil {
		if c != nil {
			c.close()
		}
		return nil, err
	}
	defer c.close()
	d, err := newDriver(c, o.Wait)
	if err != nil {
		return nil, err
	}
	apps := makeApps(o.N)
	res := &Result{Options: o, Plans: map[plan]int{}}
	for _, a := range apps {
		res.Plans[a.plan]++
	}
	if err := d.prepare(ctx, apps); err != nil {
		return nil, err
	}

	o.Logf("lifecycle of %d applications, %d kills", o.N, o.Kills)
	start := time.Now()
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		switch {
		case o.Outage > 0:
			c.outage(ctx, o, start, res)
		case o.Replicas > 1:
			c.failovers(ctx, o, start, res)
		default:
			res.Killed = c.killer(ctx, o, start)
		}
	}()
	errs := drive(ctx, d, apps, o.Workers)
	res.Lifecycle = time.Since(start)
	<-killerDone
	if len(errs) > 0 {
		return nil, fmt.Errorf("the lifecycle did not complete (%d applications): %w", len(errs), errs[0])
	}
	res.Refused = d.refused.Load()
	o.Logf("lifecycle done in %s after %d kills; waiting for the end states", res.Lifecycle.Round(time.Second), len(res.Killed))

	// The end states: checked until they hold (the manager may still be catching up after the
	// last kill), then once more for the figures.
	// An outage is one disruption, as a kill is: sends acknowledged but not yet recorded when
	// the API server went away are sent again.
	disruptions := len(res.Killed)
	if o.Outage > 0 {
		disruptions++
	}
	lastSaid := time.Now()
	_ = poll(ctx, o.Wait, func() (bool, error) {
		f := c.check(ctx, apps, res, disruptions).Failures
		if len(f) > 0 && time.Since(lastSaid) > 20*time.Second {
			lastSaid = time.Now()
			o.Logf("not yet: %d wrong end states, e.g. %s", len(f), f[0])
		}
		return len(f) == 0, nil
	})
	res.Converged = time.Since(start)
	c.check(ctx, apps, res, disruptions)
	for _, r := range c.replicas {
		res.Exits += r.exits
	}
	if c.balancer != nil {
		res.WebhookConns = c.balancer.counts()
	}
	for i, t := range res.Takeovers {
		if t > leaseDuration+5*time.Second {
			res.Failures = append(res.Failures, fmt.Sprintf("takeover #%d took %s, more than the lease duration %s + 5s", i+1, t.Round(100*time.Millisecond), leaseDuration))
		}
	}
	if o.Outage > 0 && (res.APIServerDown == 0 || res.RecoveredAfter == 0) {
		res.Failures = append(res.Failures, "kube-apiserver was not stopped and started again, or the manager did not process a new application afterwards (see the log)")
	}
	if o.Replicas > 1 && len(res.Takeovers) != len(res.Killed) {
		res.Failures = append(res.Failures, fmt.Sprintf("%d takeovers for %d kills of the leader", len(res.Takeovers), len(res.Killed)))
	}
	if o.Replicas > 1 {
		for _, r := range c.replicas {
			if err := poll(ctx, time.Minute, func() (bool, error) { return c.answers(r) == nil, nil }); err != nil {
				res.Failures = append(res.Failures, fmt.Sprintf("%s does not serve webhooks: %v", r.name, c.answers(r)))
			}
		}
	}
	if o.WebhookDown {
		res.Down, err = c.webhookDown(ctx, firstOf(apps, planResubmitUnderRev))
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// killer kills the manager o.Kills times at random moments and restarts it each time. Kills
// not made before the lifecycle's writes end are made while the operator catches up.
func (c *cluster) killer(ctx context.Context, o Options, start time.Time) []time.Duration {
	rnd := rand.New(rand.NewSource(o.Seed))
	var killed []time.Duration
	for len(killed) < o.Kills {
		lo, hi := o.KillEvery[0], o.KillEvery[1]
		wait := lo + time.Duration(rnd.Int63n(int64(hi-lo)+1))
		select {
		case <-ctx.Done():
			return killed
		case <-time.After(wait):
		}
		c.kill(c.replicas[0])
		killed = append(killed, time.Since(start))
		o.Logf("kill -9 #%d at %s", len(killed), killed[len(killed)-1].Round(100*time.Millisecond))
	}
	return killed
}

// drive runs every application's lifecycle on workers goroutines.
func drive(ctx context.Context, d *driver, apps []app, workers int) []error {
	var mu sync.Mutex
	var errs []error
	next := make(chan app)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				if err := d.run(ctx, a); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range apps {
		next <- a
	}
	close(next)
	wg.Wait()
	return errs
}

func firstOf(apps []app, p plan) app {
	for _, a := range apps {
		if a.plan == p {
			return a
		}
	}
	return apps[0]
}
