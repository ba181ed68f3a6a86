package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// report is everything measured, rendered as Markdown.
type report struct {
	opts       options
	started    time.Time
	total      time.Duration
	machine    machine
	runs       []*result // floor, operator, floor, operator, floor: in the order they ran
	steady     *steadyResult
	ratioMem   *inProcess
	delivery   *deliveryResult
	large      *largeResult
	memory     []memResult
	object     objectSize
	extraNotes []string
}

const dash = "—"

func (r *report) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	m := r.machine
	w("# Benchmarks\n\n")
	w("`make bench` (`hack/bench`) runs the application lifecycle on a real kube-apiserver and etcd (envtest) as a **floor**, ")
	w("plain clients making exactly the lifecycle's writes with no controller running, and with the **operator**, alternately: floor, operator, floor, operator, floor. ")
	w("Every client, the manager's included, runs with QPS -1: nothing is throttled client-side.\n\n")
	w("- Date: %s\n", r.started.Format("Mon Jan _2 15:04:05 MST 2006"))
	w("- Machine: %d CPUs (%s), %s memory; %s\n", m.cpus, m.model, m.memory, m.goVersion)
	w("- Control plane: kube-apiserver %s, etcd %s (built by `hack/envtest-assets.sh`)\n", m.kubeVersion, m.etcdVersion)
	w("- Code: %s\n", m.commit)
	w("- Command: `make bench` (here: `%s`); the whole run took %s\n\n", r.command(), r.total.Round(time.Second))

	w("## Results\n\n")
	w("| N | floor s (median) | operator s (median) | wall ratio operator/floor | CPU ratio operator/floor | writes/app operator vs floor | reconciles/app | 409s | steady-state writes | heap MiB | RSS MiB |\n")
	w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	f, o, n := r.floor(), r.oper(), float64(r.opts.n)
	heap, rss := dash, dash
	if r.ratioMem != nil {
		heap, rss = fmt.Sprintf("%.1f", r.ratioMem.heapMiB), fmt.Sprintf("%.1f", r.ratioMem.rssMiB)
	}
	w("| %s | %.1f | %.1f | %.2f | %.2f | %.3f vs %.3f | %.2f | %d | %d | %s | %s |\n", thousands(r.opts.n), median(seconds(r.floors())), median(seconds(r.opers())),
		r.ratio(), r.cpuRatio(), float64(lifecycle(o))/n, float64(lifecycle(f))/n, reconciles(o)/n, conflicts(o), r.steady.identity.lifecycle(), heap, rss)
	w("\nThe runs alternate, floor, operator, floor, operator, floor; each in fresh namespaces. Floor s is the median of the floor runs (%s s), operator s the median of the operator runs (%s s). ",
		joinSeconds(r.floors()), joinSeconds(r.opers()))
	w("The wall ratio is the one median over the other. The CPU ratio is the median CPU-seconds per application of the operator runs over that of the floor runs, ")
	w("counting kube-apiserver and etcd (from /proc/<pid>/stat) and this process (getrusage: the manager, the webhooks, the clients): a saturated machine stretches wall time, ")
	w("but much less the CPU time a run needs. Writes and reconciles are those of the last operator run, and the first floor run. ")
	w("Writes count every identity's mutating requests of the lifecycle (merchant, reviewer, operator), without Events ")
	w("(their own column below) and without the SubjectAccessReviews the status webhook makes (not stored). ")
	w("Heap is `HeapInuse` after `runtime.GC()` and `debug.FreeOSMemory()`, RSS is `VmRSS`: both of the benchmark's process, the in-process manager ")
	w("of the steady-state check plus the benchmark driver, once the manager had reconciled every application and gone quiet for 5 s; ")
	w("the manager's own memory is measured as a separate process in the memory section below.\n\n")

	r.targets(w)
	r.phases(w)
	r.writes(w)
	r.cpu(w)
	w("## What bounds the ratio\n\n%s\n\n", r.bounds())
	r.largeSection(w)
	r.deliverySection(w)
	r.method(w)
	if len(r.memory) > 0 {
		w("\n%s", r.memorySection(false))
	}
	return b.String()
}

// command is the run's command line, every flag that shapes the document spelt out.
func (r *report) command() string {
	o := r.opts
	c := fmt.Sprintf("go run ./hack/bench -n %d -concurrency %d", o.n, o.concurrency)
	if o.lifecycleN > 0 {
		c += fmt.Sprintf(" -lifecycle-n %d", o.lifecycleN)
	}
	if o.skipDelivery {
		c += " -skip-delivery"
	} else {
		c += fmt.Sprintf(" -delivery-n %d -delivery-slow %d", o.deliveryN, o.deliverySlow)
	}
	if o.skipMemory {
		c += " -skip-memory"
	} else {
		c += fmt.Sprintf(" -memory-n %s -secrets %d", joinInts(o.memoryN), o.secrets)
	}
	if o.out != "" {
		c += " -out " + o.out
	}
	return c
}

func (r *report) floors() []*result { return r.pick(false) }
func (r *report) opers() []*result  { return r.pick(true) }

func (r *report) pick(operator bool) []*result {
	var out []*result
	for _, res := range r.runs {
		if res.operator == operator {
			out = append(out, res)
		}
	}
	return out
}

// floor and oper are the runs whose counts the tables show: the first floor run and the last
// operator run (counts do not vary from run to run as times do).
func (r *report) floor() *result { return r.floors()[0] }
func (r *report) oper() *result  { fs := r.opers(); return fs[len(fs)-1] }

// ratio is the median wall time of the operator runs over that of the floor runs.
func (r *report) ratio() float64 { return median(seconds(r.opers())) / median(seconds(r.floors())) }

// cpuRatio is the same with CPU-seconds per application: control plane and this process.
func (r *report) cpuRatio() float64 {
	return median(cpuPerApp(r.opers())) / median(cpuPerApp(r.floors()))
}

func seconds(rs []*result) []float64 {
	var out []float64
	for _, x := range rs {
		out = append(out, x.seconds)
	}
	return out
}

func cpuPerApp(rs []*result) []float64 {
	var out []float64
	for _, x := range rs {
		out = append(out, x.cpu.total()/float64(x.n))
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func joinSeconds(rs []*result) string {
	var s []string
	for _, x := range rs {
		s = append(s, fmt.Sprintf("%.1f", x.seconds))
	}
	return strings.Join(s, ", ")
}

// Issue #14.1's targets, at N = 2,000.
const (
	targetCPURatio  = 1.10
	targetWallRatio = 1.20
)

// ratioVerdicts are issue #14.1's targets, one line each.
func (r *report) ratioVerdicts() []string {
	at := ""
	if r.opts.n != 2000 {
		at = fmt.Sprintf(" (target at N = 2,000; measured at N = %s)", thousands(r.opts.n))
	}
	return []string{
		fmt.Sprintf("%s CPU ratio operator/floor <= %.2f%s: %.3f", pass(r.cpuRatio() <= targetCPURatio), targetCPURatio, at, r.cpuRatio()),
		fmt.Sprintf("%s median wall ratio operator/floor <= %.2f%s: %.3f", pass(r.ratio() <= targetWallRatio), targetWallRatio, at, r.ratio()),
	}
}

func lifecycle(res *result) int {
	n := 0
	for _, s := range res.identities {
		n += s.lifecycle()
	}
	return n
}

func events(res *result) int {
	n := 0
	for _, s := range res.identities {
		n += s.events()
	}
	return n
}

func conflicts(res *result) int {
	n := 0
	for _, s := range res.identities {
		n += s.conflicts
	}
	return n
}

func reconciles(res *result) float64 {
	t := 0.0
	for _, v := range res.reconciles {
		t += v
	}
	return t
}

func (r *report) targets(w func(string, ...any)) {
	n := float64(r.opts.n)
	w("## Targets\n\n| target | measured | |\n|---|---|---|\n")
	at := ""
	if r.opts.n != 2000 {
		at = fmt.Sprintf(" (measured at N = %s)", thousands(r.opts.n))
	}
	w("| CPU-seconds per application, operator/floor ≤ %.2f at N = 2,000%s | %.3f | %s |\n", targetCPURatio, at, r.cpuRatio(), pass(r.cpuRatio() <= targetCPURatio))
	w("| median wall time, operator/floor ≤ %.2f at N = 2,000%s | %.3f | %s |\n", targetWallRatio, at, r.ratio(), pass(r.ratio() <= targetWallRatio))
	var each []string
	for _, o := range r.opers() {
		for _, f := range r.floors() {
			each = append(each, fmt.Sprintf("%.2f", o.seconds/f.seconds))
		}
	}
	w("| (noise: the wall ratio of each operator run against each floor run) | %s | |\n", strings.Join(each, ", "))
	ow, fw := lifecycle(r.oper()), lifecycle(r.floor())
	w("| writes per approved application ≤ the floor's | %.3f vs %.3f (%s vs %s writes) | %s |\n", float64(ow)/n, float64(fw)/n, thousands(ow), thousands(fw), pass(ow <= fw))
	c, all := conflicts(r.oper()), lifecycle(r.oper())
	w("| 409s < 1%% of writes | %d of %s (%.2f%%) | %s |\n", c, thousands(all), 100*float64(c)/float64(all), pass(float64(c) < 0.01*float64(all)))
	s := r.steady
	sw, se := s.identity.lifecycle(), s.identity.events()
	w("| steady state after a restart: 0 writes | %d writes, %d Events | %s |\n", sw, se, pass(sw == 0 && se == 0))
	w("| steady state after a restart: 0 notifications | %.0f sent (category_notifications_total), %d received by the reviewers' sink | %s |\n",
		s.notifications, s.sinkPosts, pass(s.notifications == 0 && s.sinkPosts == 0))
	w("\n")
}

func (r *report) phases(w func(string, ...any)) {
	w("## Phases\n\n| phase | seconds | writes | Events | 409s | reconciles |\n|---|---:|---:|---:|---:|---:|\n")
	for _, res := range r.runs {
		for _, p := range res.phases {
			secs := dash
			if p.seconds >= 0 {
				secs = fmt.Sprintf("%.1f", p.seconds)
			}
			w("| %s | %s | %s | %s | %d | %s |\n", p.name, secs, thousands(p.writes), thousands(p.events), p.conflicts, thousands(int(p.reconciles)))
		}
	}
	s := r.steady
	w("| steady state: restart, reconcile all, 5 s quiet | %.1f | %d | %d | %d | %s |\n\n",
		s.seconds, s.identity.lifecycle(), s.identity.events(), s.identity.conflicts, thousands(int(s.reconciles)))
	var results []string
	for _, k := range sortedKeys(r.oper().reconciles) {
		results = append(results, fmt.Sprintf("%s %.0f", k, r.oper().reconciles[k]))
	}
	w("Reconciles of the last operator run by result: %s. Notifications sent after the restart: %.0f.\n\n", strings.Join(results, ", "), s.notifications)
}

func (r *report) writes(w func(string, ...any)) {
	n, o, f := float64(r.opts.n), r.oper(), r.floor()
	w("## Writes per application, by identity and request\n\n| identity | request | operator run | floor |\n|---|---|---:|---:|\n")
	rows := map[string]bool{}
	for _, res := range []*result{o, f} {
		for who, s := range res.identities {
			for _, k := range s.keys() {
				rows[who+"\x00"+k] = true
			}
		}
	}
	for _, row := range sortedKeys(rows) {
		who, k, _ := strings.Cut(row, "\x00")
		note := ""
		switch {
		case isEvent(k):
			note = " (Event, not a lifecycle write)"
		case isReview(k):
			note = " (webhook's permission check, not stored)"
		}
		w("| %s | `%s`%s | %.2f | %.2f |\n", who, k, note, float64(o.identities[who].writes[k])/n, float64(f.identities[who].writes[k])/n)
	}
	w("| **all** | **lifecycle writes** | **%.2f** | **%.2f** |\n", float64(lifecycle(o))/n, float64(lifecycle(f))/n)
	w("| **all** | **Events** | **%.2f** | **%.2f** |\n\n", float64(events(o))/n, float64(events(f))/n)
	w("Requests answered with an error (a 409 is counted as a write above: it was sent):\n\n")
	errs := 0
	for _, x := range []struct {
		name string
		res  *result
	}{{o.name, o}, {f.name, f}} {
		for _, who := range sortedKeys(x.res.identities) {
			s := x.res.identities[who]
			for _, k := range sortedKeys(s.failures) {
				w("- %s, %s: %d × `%s`\n", x.name, who, s.failures[k], k)
				errs++
			}
		}
	}
	if errs == 0 {
		w("- none\n")
	}
	w("\n")
}

func (r *report) cpu(w func(string, ...any)) {
	w("## CPU and server time\n\n")
	w("| run | wall s | CPU s kube-apiserver | CPU s etcd | CPU s this process | CPU ms per application | CPU s other processes | cores busy | server ms per lifecycle write | etcd ms per write | webhook calls per app | webhook ms per call |\n")
	w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range r.runs {
		c, s := res.cpu, res.server
		w("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.1f | %.1f |\n", res.name, res.seconds, c.apiserver, c.etcd, c.self,
			1000*c.total()/float64(res.n), c.others(), 100*c.machine/(res.seconds*float64(r.machine.cpus)), 1000*s.writeSeconds/s.writes, 1000*s.etcdSeconds/s.etcd,
			s.webhooks/float64(res.n), 1000*s.webhookSeconds/s.webhooks)
	}
	w("\nServer times are kube-apiserver's `apiserver_request_duration_seconds` (mutating requests on applications and listings) and ")
	w("`apiserver_admission_webhook_admission_duration_seconds`, etcd's is `etcd_request_duration_seconds` (creates and updates of applications and listings); ")
	w("\"this process\" is the manager (controllers and webhooks) and the benchmark's clients; \"cores busy\" is the whole machine's, other processes included (/proc/stat).\n\n")
}

func (r *report) method(w func(string, ...any)) {
	w("## How it runs\n\n")
	for _, s := range []string{
		fmt.Sprintf("Five runs alternate: floor, operator, floor, operator, floor, each in fresh namespaces. The floor's applications are removed after each floor run, the first operator run's after it (a later manager would reconcile them at its start); the last floor run has the last operator run's %s applications present. Interleaving spreads drift over both kinds of run, and the medians drop one run a neighbour's build slowed down.", thousands(r.opts.n)),
		fmt.Sprintf("Applications are `config/samples/03-categoryapplication.yaml` with distinct AppIDs (D1), %d per namespace, with the Secrets of `config/samples/02-secrets.yaml`; the policies of `config/policies` and the calendar of `config/calendar` are installed first, and the policies are Ready before anything is timed.", appsPerNamespace),
		"`spec.notify` is removed from the applications and no reviewers' sink is configured in the floor and operator runs: the sample's sink (make run's local receiver) is not running here, and the floor sends no notifications, so both runs do the same lifecycle.",
		"Floor: a manager with `WebhooksOnly` serves the admission webhooks (failurePolicy=Fail, part of every write's path) and runs no controller. Each worker takes one application through: merchant creates it; operator user patches status to UnderReview (the operator's fields and conditions, resourceVersion-guarded merge patch); reviewer reads it (describe's Get) and approves the generation and materials digest read through `internal/decision` (the plugin's Get, Check and merge patch); operator user creates the ShowcaseListing owned by the application, patches its status to Active, and patches the application's status to Approved/Listed/Ready — the order the reconciler writes them. For 3 applications in 10 the reviewer first rejects (reason and message, through `internal/decision`), the operator user patches status to Rejected, the merchant edits the spec (a merge patch raising the PriorPlatform reputation score) and the operator user patches status to the new round, UnderReview; then the approval and the rest as above. Status is built with the controllers' exported pure functions (`SubmittedStatus`, `ListedStatus`, `DesiredListing`, `SetListingState`), so both runs write the same objects.",
		"Operator: a fresh manager (`env.StartOperator`, MaxConcurrentReconciles = -concurrency); the merchant creates every application with -concurrency workers; once all are UnderReview the reviewer decides them with -concurrency workers through `internal/decision`, approving 7 in 10 and rejecting the same 3 in 10 as the floor; once those are Ready or Rejected the merchant edits the rejected ones, and once those are UnderReview again the reviewer approves them; done when all are Ready with an Active listing. The same merchant and reviewer users as in the floor.",
		"Completion is followed through one watch on applications and one on listings (an informer in this process), running in both runs so that both carry the same load; nothing Lists applications repeatedly.",
		"Counts: every identity's requests go through a counting `http.RoundTripper` (`rest.Config.WrapTransport`): the manager's (controllers, webhooks' SubjectAccessReviews, the event recorder), the merchant's and the reviewer's. Reconciles are `controller_runtime_reconcile_total{controller=\"categoryapplication\"}` read in-process (differences: the registry outlives managers).",
		"Steady state: after the operator run the manager is stopped and a new one started, now with a reviewers' sink (an in-process loopback HTTP server, named by `ReviewerSinkSecret`); once it has reconciled every application and 5 s passed without a reconcile, its writes, Events and notifications (counter delta and the sink's received requests) are reported.",
		fmt.Sprintf("Memory: for each size the last operator run's %s approved applications (with their listings; 3 in 10 with a rejected round in their history) are cut down to the size, or applications are added and taken to UnderReview only (not approved); then a new manager process is started and measured once it has reconciled all and is quiet (see the memory section).", thousands(r.opts.n)),
	} {
		w("- %s\n", s)
	}
	for _, s := range r.extraNotes {
		w("- %s\n", s)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, fmt.Sprint(n))
	}
	return strings.Join(s, ",")
}
