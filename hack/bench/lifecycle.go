package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// The lifecycle (issue #14.2): the reviewer rejects 3 applications in 10 with a reason; the
// merchant edits the spec and the reviewer approves the resubmission. The others are
// approved at once. Floor and operator runs reject the same ones.
const (
	rejectedPerTen   = 3
	rejectionReason  = "ScreenshotsUnreadable" // a code of the jewelry policy's rejection reasons (D32)
	rejectionMessage = "the reputation screenshot does not show the score stated (benchmark)"
	// editedScore is the merchant's corrected reputation score: higher than the sample's, so
	// the application still meets its policy.
	editedScore = "4.9"
)

var editedScoreQuantity = resource.MustParse(editedScore)

func rejected(i int) bool { return i%10 < rejectedPerTen }

// rejectedCount is how many of n applications the lifecycle rejects once.
func rejectedCount(n int) int {
	c := 0
	for i := range n {
		if rejected(i) {
			c++
		}
	}
	return c
}

// reject writes the reviewer's rejection through the plugin's path.
func reject(ctx context.Context, reviewer client.Client, key client.ObjectKey) (*qualv1.CategoryApplication, error) {
	app, _, err := decision.Write(ctx, reviewer, decision.Request{Key: key, Verdict: qualv1.VerdictRejected, Reason: rejectionReason, Message: rejectionMessage})
	if err != nil {
		return nil, fmt.Errorf("rejecting %s: %w", key, err)
	}
	return app, nil
}

// approve writes the reviewer's approval of the generation under review: the reviewer reads
// it first (describe) and approves the generation and materials digest read, as an approval
// must name them (decision.Named).
func approve(ctx context.Context, reviewer client.Client, key client.ObjectKey) (*qualv1.CategoryApplication, error) {
	seen := &qualv1.CategoryApplication{}
	if err := reviewer.Get(ctx, key, seen); err != nil {
		return nil, fmt.Errorf("reading %s to approve it: %w", key, err)
	}
	app, _, err := decision.Write(ctx, reviewer, decision.Request{Key: key, Verdict: qualv1.VerdictApproved, Message: approvalMessage,
		Generation: seen.Generation, MaterialsDigest: seen.Status.MaterialsDigest})
	if err != nil {
		return nil, fmt.Errorf("approving %s: %w", key, err)
	}
	return app, nil
}

// edit is the merchant's answer to the rejection: a corrected reputation score, as a merge
// patch of the spec (what `kubectl edit` sends, without a resourceVersion precondition).
// app is updated to what the server stored: the next generation.
func edit(ctx context.Context, merchant client.Client, app *qualv1.CategoryApplication) error {
	before := app.DeepCopy()
	found := false
	for i := range app.Spec.Materials {
		if app.Spec.Materials[i].Type == qualv1.MaterialPriorPlatform {
			q := editedScoreQuantity.DeepCopy()
			app.Spec.Materials[i].ReputationScore = &q
			found = true
		}
	}
	if !found {
		return fmt.Errorf("editing %s: the sample has no PriorPlatform material", client.ObjectKeyFromObject(app))
	}
	if err := merchant.Patch(ctx, app, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("editing %s: %w", client.ObjectKeyFromObject(app), err)
	}
	return nil
}

// restartTarget is issue #14.2's bound on a restarted manager's way to quiet.
const restartTarget = 30 * time.Second

// quietFor is how long without a reconcile, write or Event counts as quiet.
const quietFor = 5 * time.Second

// largeResult is the lifecycle at -lifecycle-n: one floor run, one operator run, and a
// restart of the manager over the settled applications.
type largeResult struct {
	n       int
	floor   *result
	oper    *result
	restart restartResult
}

// restartResult is a manager started over settled applications, until quiet.
type restartResult struct {
	seconds       float64 // start → the last reconcile, write or Event before quietFor of none
	writes        int
	events        int
	reconciles    float64
	conflicts     int
	reconcileWait float64 // start → every application reconciled once
}

// runLarge runs the lifecycle at n once as the floor and once with the operator, then
// restarts the manager over the operator's settled applications and times it to quiet. It
// removes what it made, so the runs after it start from the same cluster.
func (b *bench) runLarge(ctx context.Context, t *tracker, n int) (*largeResult, error) {
	out := &largeResult{n: n}
	small := b.n
	b.n = n
	defer func() { b.n = small }()
	name := fmt.Sprintf("floor at %s", thousands(n))
	var err error
	if out.floor, err = b.floor(ctx, t, "bench-large-floor", name); err != nil {
		return nil, err
	}
	refs, err := b.prepare(ctx, "bench-large-op", n)
	if err != nil {
		return nil, err
	}
	name = fmt.Sprintf("operator at %s", thousands(n))
	say("%s: %d applications, %d workers per client, MaxConcurrentReconciles %d", name, n, b.concurrency, b.concurrency)
	if out.oper, err = b.runOperator(ctx, refs, t, name); err != nil {
		return nil, err
	}
	if err := b.stopManager(); err != nil {
		return nil, err
	}
	say("restart at %s: starting a manager over the settled applications", thousands(n))
	if out.restart, err = b.restartToQuiet(ctx, n); err != nil {
		return nil, err
	}
	say("restart at %s: every application reconciled at %.1fs, quiet from %.1fs (%d writes, %d Events, %.0f reconciles)", thousands(n),
		out.restart.reconcileWait, out.restart.seconds, out.restart.writes, out.restart.events, out.restart.reconciles)
	if err := b.stopManager(); err != nil {
		return nil, err
	}
	if err := b.remove(ctx, refs); err != nil {
		return nil, err
	}
	return out, t.wait(ctx, name+" cleanup", refs, stateGone, 10*time.Minute)
}

// restartToQuiet starts a manager and waits until it has reconciled n applications and then
// neither reconciled, written nor sent an Event for quietFor.
func (b *bench) restartToQuiet(ctx context.Context, n int) (restartResult, error) {
	cnt := newCounter()
	activity := func() (float64, int) {
		s := cnt.snapshot()
		return reconcileTotal(), s.lifecycle() + s.events()
	}
	rec0 := reconcileTotal()
	start := time.Now()
	if _, err := b.startManager(ctx, managerSpec{count: cnt}); err != nil {
		return restartResult{}, err
	}
	lastRec, lastWrites := activity()
	lastAt, all := time.Now(), time.Duration(0)
	err := poll(ctx, waitTimeout, func() (bool, error) {
		rec, w := activity()
		if rec != lastRec || w != lastWrites {
			lastRec, lastWrites, lastAt = rec, w, time.Now()
		}
		if all == 0 && rec-rec0 >= float64(n) {
			all = time.Since(start)
		}
		return all > 0 && time.Since(lastAt) >= quietFor, nil
	})
	s := cnt.snapshot()
	return restartResult{seconds: lastAt.Sub(start).Seconds(), writes: s.lifecycle(), events: s.events(), conflicts: s.conflicts,
		reconciles: reconcileTotal() - rec0, reconcileWait: all.Seconds()}, err
}

// largeVerdicts is issue #14.2's target, with the ratios at that size for reference.
func (r *report) largeVerdicts() []string {
	l := r.large
	ok := l.restart.seconds < restartTarget.Seconds()
	return []string{
		fmt.Sprintf("%s restart at N = %s to quiet (%s without a write or reconcile) < %s: %.1fs",
			pass(ok), thousands(l.n), quietFor, restartTarget, l.restart.seconds),
		fmt.Sprintf("at N = %s: wall ratio %.3f, CPU ratio %.3f (no target at this size)", thousands(l.n), l.oper.seconds/l.floor.seconds, cpuPerApp([]*result{l.oper})[0]/cpuPerApp([]*result{l.floor})[0]),
	}
}

func (r *report) largeSection(w func(string, ...any)) {
	l := r.large
	if l == nil {
		return
	}
	n := float64(l.n)
	w("## The lifecycle at N = %s (issue #14.2)\n\n", thousands(l.n))
	w("From the same run (`-lifecycle-n %d`; `-lifecycle-n 0` skips it): before the runs above, ", l.n)
	w("the same lifecycle (3 in 10 rejected, edited and approved) once as the floor and once with the operator, at %s applications; ", thousands(l.n))
	w("then the manager is stopped and a new one started over the settled applications. Its applications are removed before the runs above.\n\n")
	w("| run | seconds | CPU s | CPU ms per application | writes per application | Events per application | reconciles per application | 409s per application |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range []*result{l.floor, l.oper} {
		w("| %s | %.1f | %.1f | %.1f | %.3f | %.3f | %.3f | %.4f |\n", res.name, res.seconds, res.cpu.total(), 1000*res.cpu.total()/n,
			float64(lifecycle(res))/n, float64(events(res))/n, reconciles(res)/n, float64(conflicts(res))/n)
	}
	rs := l.restart
	ok := rs.seconds < restartTarget.Seconds()
	w("\n| target | measured | |\n|---|---|---|\n")
	w("| wall time, operator/floor | %.3f | |\n", l.oper.seconds/l.floor.seconds)
	w("| CPU-seconds per application, operator/floor | %.3f | |\n", cpuPerApp([]*result{l.oper})[0]/cpuPerApp([]*result{l.floor})[0])
	w("| a manager restarted over %s settled applications is quiet (%s without a reconcile, write or Event) within %s | quiet from %.1f s (every application reconciled at %.1f s; %d writes, %d Events, %d 409s, %.0f reconciles) | %s |\n\n",
		thousands(l.n), quietFor, restartTarget, rs.seconds, rs.reconcileWait, rs.writes, rs.events, rs.conflicts, rs.reconciles, pass(ok))
}
