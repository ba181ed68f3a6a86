package main

import (
	"context"
	"fmt"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// waitTimeout bounds each wait for the operator: generous, the point is to measure it.
const waitTimeout = 30 * time.Minute

// phaseTime is one phase's time and what was sent meanwhile.
type phaseTime struct {
	name       string
	seconds    float64 // < 0: not timed
	writes     int     // lifecycle writes, every identity
	events     int
	conflicts  int
	reconciles float64
}

// mark is the state of the counters at a phase boundary.
type mark struct {
	at         time.Time
	counts     map[string]snapshot
	reconciles float64
}

func markNow(counts map[string]*counter) mark {
	m := mark{at: time.Now(), counts: map[string]snapshot{}, reconciles: reconcileTotal()}
	for who, c := range counts {
		m.counts[who] = c.snapshot()
	}
	return m
}

// phase is what happened between two marks.
func phase(name string, from, to mark, timed bool) phaseTime {
	p := phaseTime{name: name, seconds: -1, reconciles: to.reconciles - from.reconciles}
	if timed {
		p.seconds = to.at.Sub(from.at).Seconds()
	}
	for who, s := range to.counts {
		d := s.minus(from.counts[who])
		p.writes += d.lifecycle()
		p.events += d.events()
		p.conflicts += d.conflicts
	}
	return p
}

// runOperator runs the lifecycle with the operator: the merchant creates every application,
// the operator takes them to UnderReview, the reviewer decides each through the plugin's
// path, approving 7 in 10 (the operator lists them) and rejecting the others; their merchants
// edit the spec, and once the operator has them UnderReview again the reviewer approves them.
// The manager keeps running afterwards.
func (b *bench) runOperator(ctx context.Context, refs []appRef, t *tracker, name string) (*result, error) {
	mgr := newCounter()
	if _, err := b.startManager(ctx, managerSpec{count: mgr}); err != nil {
		return nil, err
	}
	c, err := b.newClients()
	if err != nil {
		return nil, err
	}
	counts := map[string]*counter{"merchant": c.counts["merchant"], "reviewer": c.counts["reviewer"], "operator": mgr}
	rec0 := reconcileCounts()
	s0, err := b.scrapeServer(ctx)
	if err != nil {
		return nil, err
	}
	cpu0, m0 := sampleCPU(), markNow(counts)

	if err := pool(ctx, b.concurrency, len(refs), name+": creating", func(ctx context.Context, i int) error {
		if err := c.merchant.Create(ctx, b.newApp(refs[i])); err != nil {
			return fmt.Errorf("creating %s: %w", refs[i].key, err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	created := time.Since(m0.at).Seconds()
	if err := t.wait(ctx, name, refs, stateUnderReview, waitTimeout); err != nil {
		return nil, err
	}
	m1 := markNow(counts)
	var first, again []appRef // approved at once; rejected, then approved
	for i, r := range refs {
		if rejected(i) {
			again = append(again, r)
		} else {
			first = append(first, r)
		}
	}
	if err := pool(ctx, b.concurrency, len(refs), name+": deciding", func(ctx context.Context, i int) error {
		var err error
		if rejected(i) {
			_, err = reject(ctx, c.reviewer, refs[i].key)
		} else {
			_, err = approve(ctx, c.reviewer, refs[i].key)
		}
		return err
	}); err != nil {
		return nil, err
	}
	decidedAt := time.Since(m1.at).Seconds()
	if err := t.wait(ctx, name, first, stateListed, waitTimeout); err != nil {
		return nil, err
	}
	if err := t.wait(ctx, name, again, stateRejected, waitTimeout); err != nil {
		return nil, err
	}
	m2 := markNow(counts)
	// The merchants of the rejected ones edit their spec, the reviewer approves the resubmissions.
	if err := pool(ctx, b.concurrency, len(again), name+": editing", func(ctx context.Context, i int) error {
		app := &qualv1.CategoryApplication{}
		if err := c.merchant.Get(ctx, again[i].key, app); err != nil {
			return err
		}
		return edit(ctx, c.merchant, app)
	}); err != nil {
		return nil, err
	}
	if err := t.wait(ctx, name, again, stateUnderReview, waitTimeout); err != nil {
		return nil, err
	}
	m3 := markNow(counts)
	if err := pool(ctx, b.concurrency, len(again), name+": approving resubmissions", func(ctx context.Context, i int) error {
		_, err := approve(ctx, c.reviewer, again[i].key)
		return err
	}); err != nil {
		return nil, err
	}
	approved := time.Since(m3.at).Seconds()
	if err := t.wait(ctx, name, refs, stateListed, waitTimeout); err != nil {
		return nil, err
	}
	m4, cpu := markNow(counts), sampleCPU().minus(cpu0)
	s1, err := b.scrapeServer(ctx)
	if err != nil {
		return nil, err
	}
	// Untimed: retries after conflicts and Events still in flight belong to the run's cost.
	if err := waitQuiet(ctx, m4.reconciles, 0, 2*time.Second, time.Minute); err != nil {
		return nil, err
	}
	m5 := markNow(counts)

	res := &result{name: name, operator: true, n: len(refs), seconds: m4.at.Sub(m0.at).Seconds(), server: s1.minus(s0), cpu: cpu,
		identities: m5.counts, reconciles: map[string]float64{}, lastCreate: created, lastDecision: decidedAt, lastResubmission: approved}
	for k, v := range reconcileCounts() {
		res.reconciles[k] = v - rec0[k]
	}
	res.phases = []phaseTime{
		phase(name+": create → all UnderReview", m0, m1, true),
		phase(fmt.Sprintf("%s: decide → %d Ready, listing Active; %d Rejected", name, len(first), len(again)), m1, m2, true),
		phase(name+": edit the rejected → UnderReview", m2, m3, true),
		phase(name+": approve the resubmissions → all Ready", m3, m4, true),
		phase(name+": after Ready (untimed)", m4, m5, false),
		phase(name+": end to end", m0, m5, false),
	}
	res.phases[len(res.phases)-1].seconds = res.seconds
	say("%s: created %d in %.1fs, all UnderReview at %.1fs; decided in %.1fs; resubmissions approved in %.1fs, all Ready at %.1fs",
		name, len(refs), created, res.phases[0].seconds, decidedAt, approved, res.seconds)
	return res, nil
}

// minus is what a counter counted since an earlier snapshot.
func (s snapshot) minus(o snapshot) snapshot {
	out := snapshot{writes: map[string]int{}, failures: map[string]int{}, conflicts: s.conflicts - o.conflicts, reads: s.reads - o.reads}
	for k, v := range s.writes {
		if d := v - o.writes[k]; d != 0 {
			out.writes[k] = d
		}
	}
	for k, v := range s.failures {
		if d := v - o.failures[k]; d != 0 {
			out.failures[k] = d
		}
	}
	return out
}
