package main

import (
	"fmt"
	"slices"
	"strings"
)

// bounds explains the ratio from what was measured; the wording follows the numbers (a run is
// called CPU-bound only when the machine was at least 90% busy).
func (r *report) bounds() string {
	f, o := r.floor(), r.oper()
	n, cores := float64(r.opts.n), float64(r.machine.cpus)
	busy := func(res *result) float64 { return 100 * res.cpu.machine / (res.seconds * cores) }
	perWrite := func(res *result) float64 { return 1000 * res.server.writeSeconds / res.server.writes }
	perHook := func(res *result) float64 { return 1000 * res.server.webhookSeconds / res.server.webhooks }
	perEtcd := func(res *result) float64 { return 1000 * res.server.etcdSeconds / res.server.etcd }
	minBusy := 100.0
	for _, res := range r.runs {
		minBusy = min(minBusy, busy(res))
	}
	cpuBound := minBusy >= 90
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	var fb []string
	for _, res := range r.floors() {
		fb = append(fb, fmt.Sprintf("%.0f%%", busy(res)))
	}
	w("**The floor.** Each of its %d workers takes one application through its writes one request at a time; the machine was %s busy in the floor runs",
		r.opts.concurrency, strings.Join(fb, ", "))
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
	fs := seconds(r.floors())
	lo, hi := slices.Min(fs), slices.Max(fs)
	w("The floor runs took %s s (%.0f%% apart at most): differences of wall time smaller than that are noise on this machine; their CPU-seconds per application were %s ms.\n\n",
		joinSeconds(r.floors()), 100*(hi-lo)/median(fs), joinMillis(cpuPerApp(r.floors())))

	fcpu := median(cpuPerApp(r.floors())) * n
	w("**The operator.** Its last run makes %s lifecycle writes against the floor's %s (%d answered 409), through the same path, the machine %.0f%% busy. ",
		thousands(lifecycle(o)), thousands(lifecycle(f)), conflicts(o), busy(o))
	ocpu := median(cpuPerApp(r.opers())) * n
	if cpuBound {
		w("With the machine saturated in every run, time follows CPU: the")
	} else {
		w("The")
	}
	w(" operator runs used %s ms of CPU per application (kube-apiserver, etcd and this process; the last run: kube-apiserver %.0f s, etcd %.0f s, this process %.0f s) "+
		"against %s ms for the floor runs (the first: %.0f, %.0f, %.0f s); the medians, %.0f against %.0f CPU-seconds for %s applications, are %+.0f%%, the CPU ratio %.2f; the median wall ratio is %.2f. ",
		joinMillis(cpuPerApp(r.opers())), o.cpu.apiserver, o.cpu.etcd, o.cpu.self, joinMillis(cpuPerApp(r.floors())), f.cpu.apiserver, f.cpu.etcd, f.cpu.self,
		ocpu, fcpu, thousands(r.opts.n), 100*(ocpu/fcpu-1), r.cpuRatio(), r.ratio())
	rej := float64(rejectedCount(r.opts.n))
	needed := 2*n + 2*rej // created, decided; and for a rejected one, edited and decided again
	w("Beyond the writes, the operator makes %.1f Events per application (%s POSTs through kube-apiserver into etcd, %.0f%% more mutating requests "+
		"than the lifecycle's) and %.2f reconciles per application (%.2f are needed: one when created, one when decided, and for the %.0f%% rejected one more after the edit and one after the second decision)",
		float64(events(o))/n, thousands(events(o)), 100*float64(events(o))/float64(lifecycle(o)), reconciles(o)/n, needed/n, 100*rej/n)
	wasted := reconciles(o) - needed
	if after := o.phases[len(o.phases)-2].reconciles; after > 0 {
		w("; %.0f reconciles ran after every application was Ready, finding nothing to do", after)
	}
	w("; its informers decode every change of applications, listings, Secrets and policies. ")
	w("Time is also lost between the phases, which the floor does not have (each of its workers takes one application through all its writes): "+
		"the last create returned at %.1f s and all were UnderReview at %.1f s; the last decision returned %.1f s into the decision phase and its applications were "+
		"Ready or Rejected %.1f s later, as each approval takes one reconcile worker through three writes in a row (listing, listing status, application status); "+
		"the edits took %.1f s to be UnderReview again, and the resubmissions, approved in %.1f s, were all Ready %.1f s later.\n\n",
		o.lastCreate, o.phases[0].seconds, o.lastDecision, o.phases[1].seconds-o.lastDecision, o.phases[2].seconds, o.lastResubmission, o.phases[3].seconds-o.lastResubmission)
	w("So the ratio is bounded below by the write path both runs share (the same writes through the same webhooks into the same etcd, on the same cores) " +
		"and above it by the Events")
	if wasted >= 0.005*n {
		w(", the %.0f reconciles beyond those needed", wasted)
	}
	w(" and the barriers between the phases.")
	noise := 0.0
	for _, res := range r.runs {
		noise = max(noise, res.cpu.others()/res.seconds/cores)
	}
	if noise > 0.05 {
		w("\n\nOther processes on the machine used up to %.0f%% of its CPU during a run (see the CPU table): the times carry that noise.", 100*noise)
	}
	return b.String()
}

func joinMillis(xs []float64) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprintf("%.1f", 1000*x))
	}
	return strings.Join(s, ", ")
}
