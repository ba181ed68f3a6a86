package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The memory section is delimited so that a -memory-only run replaces it alone.
const (
	memoryBegin = "<!-- memory section: written by hack/bench (-memory-only replaces it) -->"
	memoryEnd   = "<!-- end of memory section -->"
)

// managerMemoryLimit is the Deployment's memory limit (config/manager/manager.yaml and the
// chart's values.yaml).
const managerMemoryLimit = 512 * mib

// targetBytesPerApp is issue #14's target for the heap per cached application.
const targetBytesPerApp = 6 << 10

// apiserverRequestTimeout is kube-apiserver's default --request-timeout: a LIST that takes
// longer fails.
const apiserverRequestTimeout = 60.0

func (r *report) writeMemoryOnly() error {
	sec := r.memorySection(true)
	fmt.Println()
	fmt.Print(sec)
	if r.opts.out == "" {
		return nil
	}
	old, err := os.ReadFile(r.opts.out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	if i, j := strings.Index(doc, memoryBegin), strings.Index(doc, memoryEnd); i >= 0 && j > i {
		doc = doc[:i] + sec + doc[j+len(memoryEnd)+1:]
	} else {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + sec
	}
	if err := os.MkdirAll(filepath.Dir(r.opts.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(r.opts.out, []byte(doc), 0o644); err != nil {
		return err
	}
	say("replaced the memory section of %s", r.opts.out)
	return nil
}

// plain are the runs without unrelated Secrets, ascending.
func (r *report) plain() []memResult {
	var out []memResult
	for _, m := range r.memory {
		if m.secrets == 0 {
			out = append(out, m)
		}
	}
	return out
}

// slope is the marginal cost per application between the two largest plain sizes.
func (r *report) slope(f func(memResult) float64) (float64, bool) {
	p := r.plain()
	if len(p) < 2 {
		return 0, false
	}
	a, b := p[len(p)-2], p[len(p)-1]
	return (f(b) - f(a)) / float64(b.n-a.n), true
}

func (r *report) memorySection(standalone bool) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("%s\n## Memory of the manager process\n\n", memoryBegin)
	o := r.opts
	if standalone {
		m := r.machine
		w("Measured on its own (these figures come from this run, not from the run the sections above describe):\n\n")
		w("- Date: %s\n", r.started.Format("Mon Jan _2 15:04:05 MST 2006"))
		w("- Machine: %d CPUs (%s), %s memory; %s; kube-apiserver %s, etcd %s\n", m.cpus, m.model, m.memory, m.goVersion, m.kubeVersion, m.etcdVersion)
		w("- Code: %s\n", m.commit)
		w("- Command: `make bench BENCH_FLAGS=\"-memory-only -memory-n %s -secrets %d -secret-kib %d -out docs/benchmarks.md\"`; the run took %s\n\n",
			joinInts(o.memoryN), o.secrets, o.secretKiB, r.total.Round(time.Second))
	}
	w("`bin/manager`, built from the tree, runs as its own process with the Deployment's arguments (leader election, metrics, probes), ")
	w("serving the admission webhooks, as the operator's user bound to the generated `manager-role` (the shipped RBAC), with `--pprof-bind-address` on loopback. ")
	w("For each size it is restarted, reconciles every application and stays quiet 5 s; then `/debug/pprof/heap?gc=1` forces a garbage collection and returns the heap profile, ")
	w("and right after it its metrics give `go_memstats_heap_inuse_bytes` (heap in use) and `go_memstats_heap_alloc_bytes` (live objects), /proc gives VmRSS (RSS) and VmHWM (peak RSS, the start's LIST included). ")
	w("Applications are the sample's, %d per namespace with the sample's Secrets; those added to reach a size are taken to UnderReview only (not approved: no listings), so the marginal costs below are of UnderReview applications. ", appsPerNamespace)
	if !standalone {
		w("Here the smallest size keeps the last operator run's approved applications (with listings, 3 in 10 with a rejected round in their history), so its figures are a little higher per application. ")
	}
	w("etcd's size is its database in use after compacting all history and defragmenting (etcd's gRPC gateway), measured before the manager starts; etcd runs with `--quota-backend-bytes` = 8 GiB.\n\n")

	w("| applications | unrelated Secrets | heap in use MiB | live objects MiB | heap profile MiB | RSS MiB | peak RSS MiB | heap in use per application | etcd in use MiB | LIST of all applications |\n")
	w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range r.memory {
		sec := "0"
		if m.secrets > 0 {
			sec = fmt.Sprintf("%s × %d KiB", thousands(m.secrets), o.secretKiB)
		}
		w("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f KiB | %.1f | %.1f MiB, %.2f s |\n", thousands(m.n), sec, m.heapInuse/mib, m.heapAlloc/mib,
			m.profile.total/mib, m.rss/mib, m.peakRSS/mib, m.heapInuse/float64(m.n)/1024, m.etcdInUse/mib, m.listBytes/mib, m.listSeconds)
	}
	w("\n")
	p := r.plain()
	if len(p) >= 2 {
		w("Marginal cost per application (difference between consecutive sizes, without unrelated Secrets):\n\n")
		w("| from → to | heap in use | live objects | RSS | peak RSS | etcd in use | LIST bytes |\n|---|---:|---:|---:|---:|---:|---:|\n")
		for i := 1; i < len(p); i++ {
			a, c := p[i-1], p[i]
			d := float64(c.n - a.n)
			w("| %s → %s | %.2f KiB | %.2f KiB | %.2f KiB | %.2f KiB | %.2f KiB | %.2f KiB |\n", thousands(a.n), thousands(c.n),
				(c.heapInuse-a.heapInuse)/d/1024, (c.heapAlloc-a.heapAlloc)/d/1024, (c.rss-a.rss)/d/1024, (c.peakRSS-a.peakRSS)/d/1024,
				(c.etcdInUse-a.etcdInUse)/d/1024, (c.listBytes-a.listBytes)/d/1024)
		}
		w("\n")
		s, _ := r.slope(func(m memResult) float64 { return m.heapInuse })
		pass := map[bool]string{true: "PASS", false: "MISS"}[s <= targetBytesPerApp]
		w("| target | measured | |\n|---|---|---|\n")
		w("| heap per cached application ≤ 6 KiB, growing linearly | %.2f KiB per application between %s and %s (heap in use) | %s |\n\n",
			s/1024, thousands(p[len(p)-2].n), thousands(p[len(p)-1].n), pass)
		live, _ := r.slope(func(m memResult) float64 { return m.heapAlloc })
		r.objectFloor(w, s, live)
	}
	r.breakdown(w)
	r.secretsComparison(w)
	r.envelope(w)
	w("%s\n", memoryEnd)
	return b.String()
}

// breakdown is the heap profile of each plain size by group, and the largest one's top lines.
func (r *report) breakdown(w func(string, ...any)) {
	p := r.plain()
	if len(p) == 0 {
		return
	}
	w("### What the heap holds\n\n")
	w("The heap profile's in-use bytes (sampled by the runtime, so a little below heap in use) by the first of these found on each allocation's stack: ")
	w("the work queue (client-go `workqueue`, controller-runtime's priority queue); indexes (client-go `threadSafeMap` index updates); ")
	w("informer objects (client-go's `tools/cache` and controller-runtime's cache: the store, the handlers' buffers; and objects decoded from a watch stream, which is how the informers receive their initial list and every change); ")
	w("CEL programs and schemas (the policies' rules compiled); the reconcilers (the operator's own packages: state, digests, status being built); HTTP servers and clients (the metrics endpoint's gzip buffers, TLS, HTTP/2); package initialisation (scheme, registries); other.\n\n")
	w("| group |")
	for _, m := range p {
		w(" %s apps MiB |", thousands(m.n))
	}
	if len(p) >= 2 {
		w(" per application, %s → %s |", thousands(p[len(p)-2].n), thousands(p[len(p)-1].n))
	}
	w("\n|---|")
	for range p {
		w("---:|")
	}
	if len(p) >= 2 {
		w("---:|")
	}
	w("\n")
	names := []string{}
	for _, g := range heapGroups {
		names = append(names, g.name)
	}
	names = append(names, otherGroup)
	for _, g := range names {
		w("| %s |", g)
		for _, m := range p {
			w(" %.1f |", m.profile.groups[g]/mib)
		}
		if len(p) >= 2 {
			a, c := p[len(p)-2], p[len(p)-1]
			w(" %.2f KiB |", (c.profile.groups[g]-a.profile.groups[g])/float64(c.n-a.n)/1024)
		}
		w("\n")
	}
	w("| **all** |")
	for _, m := range p {
		w(" **%.1f** |", m.profile.total/mib)
	}
	if len(p) >= 2 {
		a, c := p[len(p)-2], p[len(p)-1]
		w(" **%.2f KiB** |", (c.profile.total-a.profile.total)/float64(c.n-a.n)/1024)
	}
	w("\n\n")
	last := p[len(p)-1]
	w("`go tool pprof -top -sample_index=inuse_space` of the manager at %s applications (where each allocation was made):\n\n```\n%s\n```\n\n",
		thousands(last.n), strings.Join(last.top, "\n"))
}

func (r *report) secretsComparison(w func(string, ...any)) {
	var with, without *memResult
	for i, m := range r.memory {
		if m.secrets > 0 {
			with = &r.memory[i]
		}
	}
	if with == nil {
		return
	}
	for i, m := range r.memory {
		if m.secrets == 0 && m.n == with.n {
			without = &r.memory[i]
		}
	}
	if without == nil {
		return
	}
	w("### Unrelated Secrets (issue #12)\n\n")
	w("The same %s applications, measured again after %s Secrets of %d KiB of random bytes, referenced by nothing, were created in another namespace ",
		thousands(with.n), thousands(with.secrets), r.opts.secretKiB)
	w("(%.0f MiB more in etcd). The manager watches Secrets as metadata only and reads a referenced Secret's keys uncached once per resourceVersion, so it never receives their values:\n\n",
		(with.etcdInUse-without.etcdInUse)/mib)
	w("| | without | with | difference | per Secret |\n|---|---:|---:|---:|---:|\n")
	for _, x := range []struct {
		name string
		f    func(memResult) float64
	}{
		{"heap in use MiB", func(m memResult) float64 { return m.heapInuse }},
		{"live objects MiB", func(m memResult) float64 { return m.heapAlloc }},
		{"heap profile: informer objects MiB", func(m memResult) float64 { return m.profile.groups["informer objects"] }},
		{"RSS MiB", func(m memResult) float64 { return m.rss }},
		{"peak RSS MiB", func(m memResult) float64 { return m.peakRSS }},
	} {
		a, c := x.f(*without), x.f(*with)
		w("| %s | %.1f | %.1f | %+.1f | %+.0f bytes |\n", x.name, a/mib, c/mib, (c-a)/mib, (c-a)/float64(with.secrets))
	}
	w("\n")
}

// envelope is how many applications one cluster holds before each limit binds, from the
// marginal costs between the two largest sizes.
func (r *report) envelope(w func(string, ...any)) {
	p := r.plain()
	if len(p) < 2 {
		return
	}
	last := p[len(p)-1]
	etcdPer, _ := r.slope(func(m memResult) float64 { return m.etcdInUse })
	peakPer, _ := r.slope(func(m memResult) float64 { return m.peakRSS })
	listPer, _ := r.slope(func(m memResult) float64 { return m.listSeconds })
	heapPer, _ := r.slope(func(m memResult) float64 { return m.heapInuse })
	at := func(base, per, limit float64) string {
		if per <= 0 {
			return "not bound (no growth measured)"
		}
		return thousands(int(math.Round((float64(last.n)+(limit-base)/per)/1000)) * 1000)
	}
	w("### Scale envelope\n\n")
	w("From the marginal costs between %s and %s applications (linear extrapolation; each application here is an UnderReview sample, its namespace share, Secrets and Event included):\n\n",
		thousands(p[len(p)-2].n), thousands(last.n))
	w("| limit | cost per application | applications at the limit |\n|---|---:|---:|\n")
	w("| etcd's 8 GiB quota (`--quota-backend-bytes`, etcd's recommended maximum), the cluster's other objects aside | %.2f KiB in etcd | %s |\n",
		etcdPer/1024, at(last.etcdInUse, etcdPer, 8<<30))
	w("| the manager's memory limit, 512 MiB (config/manager/manager.yaml), against its peak RSS | %.2f KiB | %s |\n",
		peakPer/1024, at(last.peakRSS, peakPer, managerMemoryLimit))
	w("| the same limit against the heap in use after GC (the floor no setting goes below) | %.2f KiB | %s |\n",
		heapPer/1024, at(last.heapInuse, heapPer, managerMemoryLimit))
	w("| a LIST of every application within kube-apiserver's 60 s request timeout (timed on this shared machine: indicative) | %.2f ms | %s |\n\n",
		listPer*1000, at(last.listSeconds, listPer, apiserverRequestTimeout))
	w("The peak RSS is reached while the manager starts: it receives every object and reconciles every application at once, and Go's collector lets the heap grow to about twice the live heap before collecting (GOGC=100), so the peak is well above the heap in use after GC. ")
	w("The memory limit binds on the peak: the manager is killed when the peak passes the limit, though its settled heap would fit. ")
	w("GOMEMLIMIT set somewhat below the container's limit makes the collector work harder instead, which moves the bound toward the heap-in-use row.\n\n")
	w("Past that size, a platform shards by category group across clusters. Everything the operator decides is scoped by category group or by namespace: ")
	w("an application is checked against the CategoryPolicy named by its `spec.category.group` (an application whose group has no policy in the cluster is refused by the webhook, rule D2), ")
	w("the duplicate rule (D1) keys on AppID and category, so all applications of one group in one cluster keep it sound, and a shop's AppIDs are a namespace annotation (D4) the platform team sets in every cluster the shop applies in. ")
	w("So each cluster installs the CategoryPolicies of its groups only (a subset of `config/policies`), its own operator, calendar and reviewers' sink, and the platform's GitOps places a shop's application in the cluster of its group (a shop with applications in two groups has a namespace in each cluster). ")
	w("Nothing is shared between the clusters; reviewers use `kubectl category` against each.\n\n")
}

// objectFloor says what bounds the heap per application: the application's own Go objects,
// measured alone, then what the manager adds, then what the allocator holds beyond live data.
func (r *report) objectFloor(w func(string, ...any), inuse, live float64) {
	o := r.object
	if o.cached == 0 {
		return
	}
	w("What bounds it: one application alone (the last one added, UnderReview like those of the marginal cost, %s bytes of JSON as the API server sends it), decoded %s times in the benchmark's process as the informer decodes it, takes **%.2f KiB** of live heap per copy with managedFields dropped and **%.2f KiB** through the manager's cache transform (`internal/manager/cache.go`: the strings many applications repeat, such as enum values, condition texts, namespace and Secret names, held once). ",
		thousands(o.jsonBytes), thousands(objectCopies), o.decoded/1024, o.cached/1024)
	w("That is the floor the API's Go types set: a CategoryApplication struct is %d bytes and each of its materials %d before any string or slice they point to. ", sizeofApp, sizeofMaterial)
	w("The manager's live objects per application (%.2f KiB, last row above) add %.2f KiB to it: the store, the three field indexes (each value twice, for all namespaces and for its own) and the work queue. ", live/1024, (live-o.cached)/1024)
	w("Heap in use adds %.2f KiB more: spans the allocator keeps partly used once the decoding garbage (managedFields, the watch stream's buffers) is collected; later allocations reuse them, but the process holds them.\n\n", (inuse-live)/1024)
}
