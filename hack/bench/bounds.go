package main

import (
	"fmt"
	"strings"
)

// bounds explains the ratio from what was measured; the wording follows the numbers (a run is
// called CPU-bound only when the machine was at least 90% busy).
func (r *report) bounds() string {
	f, fa, o := r.floor, r.floorAfter, r.oper
	n, cores := float64(r.opts.n), float64(r.machine.cpus)
	busy := func(res *result) float64 { return 100 * res.cpu.machine / (res.seconds * cores) }
	perWrite := func(res *result) float64 { return 1000 * res.server.writeSeconds / res.server.writes }
	perHook := func(res *result) float64 { return 1000 * res.server.webhookSeconds / res.server.webhooks }
	perEtcd := func(res *result) float64 { return 1000 * res.server.etcdSeconds / res.server.etcd }
	cpuBound := min(busy(f), busy(fa), busy(o)) >= 90
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("**The floor.** Each of its %d workers takes one application through its writes one request at a time; the machine was %.0f%% and %.0f%% busy in the two floor runs",
		r.opts.concurrency, busy(f), busy(fa))
	if cpuBound {
		w(", so the floor is bounded by CPU, not by its concurrency. ")
	} else {
		w(", so the floor is bounded by the latency of a write at this concurrency, not by the machine's capacity. ")
	}
	w("A lifecycle write spends %.0f ms in kube-apiserver, about %.0f ms of it in admission webhook calls (%.1f per write, %.1f ms each; failurePolicy=Fail) "+
		"and %.0f ms in etcd; per lifecycle write kube-apiserver used %.1f ms of CPU (decoding, schema and CEL validation, managed fields, the webhooks' "+
		"AdmissionReviews, SubjectAccessReviews, watch fan-out) and this process %.1f ms (the webhooks and the clients). ",
		perWrite(f), perHook(f)*f.server.webhooks/f.server.writes, f.server.webhooks/f.server.writes, perHook(f), perEtcd(f),
		1000*f.cpu.apiserver/float64(lifecycle(f)), 1000*f.cpu.self/float64(lifecycle(f)))
	w("The two floor runs took %.1f s and %.1f s (%.0f%% apart): differences smaller than that are noise on this machine.\n\n",
		f.seconds, fa.seconds, 100*abs(f.seconds-fa.seconds)/r.floorSeconds())

	fcpu := (f.cpu.total() + fa.cpu.total()) / 2
	w("**The operator.** Its run makes %s lifecycle writes against the floor's %s (%d answered 409), through the same path, the machine %.0f%% busy. ",
		thousands(lifecycle(o)), thousands(lifecycle(f)), conflicts(o), busy(o))
	if cpuBound {
		w("With the machine saturated in every run, time follows CPU: the operator run used %.0f CPU-seconds (kube-apiserver %.0f, etcd %.0f, this process %.0f) "+
			"against %.0f on average for the floor (%.0f, %.0f, %.0f), %+.0f%%, for a ratio of %.2f. ",
			o.cpu.total(), o.cpu.apiserver, o.cpu.etcd, o.cpu.self, fcpu, (f.cpu.apiserver+fa.cpu.apiserver)/2, (f.cpu.etcd+fa.cpu.etcd)/2,
			(f.cpu.self+fa.cpu.self)/2, 100*(o.cpu.total()/fcpu-1), r.ratio())
	} else {
		w("It used %.0f CPU-seconds against %.0f on average for the floor (%+.0f%%), for a ratio of %.2f. ", o.cpu.total(), fcpu, 100*(o.cpu.total()/fcpu-1), r.ratio())
	}
	w("Beyond the writes, the operator makes %.1f Events per application (%s POSTs through kube-apiserver into etcd, %.0f%% more mutating requests "+
		"than the lifecycle's) and %.2f reconciles per application (2 are needed: one when created, one when decided)",
		float64(events(o))/n, thousands(events(o)), 100*float64(events(o))/float64(lifecycle(o)), reconciles(o)/n)
	wasted := reconciles(o) - 2*n
	if after := o.phases[2].reconciles; after > 0 {
		w("; %.0f reconciles ran after every application was Ready, finding nothing to do", after)
	}
	w("; its informers decode every change of applications, listings, Secrets and policies. ")
	p1, p2 := o.phases[0].seconds, o.phases[1].seconds
	w("Time is also lost between the phases: the last create returned at %.1f s and all were UnderReview at %.1f s; the last decision returned %.1f s into the "+
		"approval phase and all were Ready %.1f s later, as each decision takes one reconcile worker through three writes in a row "+
		"(listing, listing status, application status).\n\n", o.lastCreate, p1, o.lastDecision, p2-o.lastDecision)
	w("So the ratio is bounded below by the write path both runs share (the same writes through the same webhooks into the same etcd, on the same cores) " +
		"and above it by the Events")
	if wasted >= 0.005*n {
		w(", the %.0f reconciles beyond the 2 per application", wasted)
	}
	w(" and the barrier between creating and approving.")
	if noise := max(f.cpu.others()/f.seconds, fa.cpu.others()/fa.seconds, o.cpu.others()/o.seconds) / cores; noise > 0.05 {
		w("\n\nOther processes on the machine used up to %.0f%% of its CPU during a run (see the CPU table): the times carry that noise.", 100*noise)
	}
	return b.String()
}

func abs(x float64) float64 { return max(x, -x) }
