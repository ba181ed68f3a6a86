package model_test

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/chaos"
)

// stats are the figures of a run: sequences (rapid's shrinking runs included), steps,
// invariant checks, and the violations found.
type stats struct {
	sequences, steps atomic.Int64
	mu               sync.Mutex
	checks           map[string]int
	tolerated        map[string]int // MODEL_TOLERATE's, by kind
	batches          int
	elapsed          time.Duration
	// Of the current rapid.Check: when it first failed, and the failing sequence shrinking
	// ended with.
	failedAt   time.Time
	pending    bool // the last run failed: rapid confirms it with the next
	confirming bool // the current run is that confirmation
	failure    *found
	found      []found
}

// reset starts a new rapid.Check.
func (s *stats) reset() {
	s.mu.Lock()
	s.failedAt, s.failure, s.pending, s.confirming = time.Time{}, nil, false, false
	s.mu.Unlock()
}

// shrinkSpent: the time to shrink the current failure is up, and the run about to start is
// not rapid's confirmation of a smaller failing sequence (rapid runs each such sequence twice
// in a row, and must see it fail the same way twice before keeping it).
func (s *stats) shrinkSpent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.confirming, s.pending = s.pending, false
	return !s.failedAt.IsZero() && time.Since(s.failedAt) > shrinkBudget() && !s.confirming
}

// fail records a failing sequence: the first, then each one rapid confirmed, so the last is
// where shrinking ended (rapid keeps a smaller sequence that fails where the first did, which
// here is any violation).
func (s *stats) fail(q *seq) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failedAt.IsZero() {
		s.failedAt = time.Now()
	}
	if s.failure == nil || s.confirming {
		s.failure = &found{violations: append([]violation(nil), q.violations...), transcript: append([]string(nil), q.transcript...)}
	}
	s.pending = !s.confirming
}

// found is one violation as rapid left it: shrunk, with its seed.
type found struct {
	seed       string
	violations []violation
	transcript []string
}

func newStats() *stats { return &stats{checks: map[string]int{}, tolerated: map[string]int{}} }

func (s *stats) tolerate(v violation) {
	s.mu.Lock()
	s.tolerated[v.inv+" ("+v.kind+")"]++
	s.mu.Unlock()
}

func (s *stats) count(inv string) {
	s.mu.Lock()
	s.checks[inv]++
	s.mu.Unlock()
}

func (s *stats) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var inv []string
	for _, k := range sortedKeys(s.checks) {
		inv = append(inv, fmt.Sprintf("%s %d", k, s.checks[k]))
	}
	out := fmt.Sprintf("model: %d sequences, %d steps; invariant checks: %s; violations found: %d",
		s.sequences.Load(), s.steps.Load(), strings.Join(inv, ", "), len(s.found))
	for _, k := range sortedKeys(s.tolerated) {
		out += fmt.Sprintf("; tolerated %s: %d", k, s.tolerated[k])
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeReport writes the "Model-based test" section of docs/reliability.md, leaving the
// others as they are.
func writeReport(path string, s *stats) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("## Model-based test")
	p("")
	p("`make model` (test/model, `TestModel` with `MODEL_DURATION`) drives random sequences of what")
	p("merchants, a co-merchant who also reviews, reviewers of the group and of another group, a GitOps")
	p("ServiceAccount, the garbage collector and the platform team do to one application: create, edit")
	p("the spec, replace, add and remove Secret files, approve, reject and withdraw with the current, a")
	p("stale or no generation and digest (through the plugin's code or as a raw status patch), tighten")
	p("and relax the policy, delete (background and orphan) and re-create, restart or stop the manager,")
	p("remove and restore the webhook configurations, take the merchant's sink down. It runs on a real")
	p("kube-apiserver and etcd with the shipped admission policies, webhooks and roles, each sequence in")
	p("a namespace of its own, and after every step, once the operator is quiet, checks the invariants")
	p("of the README's Security model against a model of what must hold:")
	p("")
	p("- **I1** an Active listing stands on the latest decision that counts, a rightful approval of the")
	p("  generation it names; and such an approval has its Active listing;")
	p("- **I2** while a listing is Active, an authorized reviewer's withdrawal is accepted (a dry run);")
	p("- **I3** status.history only grows at the front; every accepted decision is in it, or is the")
	p("  current decision, exactly once;")
	p("- **I4** whether each decision was accepted matches internal/decision (Allowed, Who) and the")
	p("  roles, judged on the very object the decider read;")
	p("- **I5** every event that occurred has its own ledger record; no undelivered record goes missing;")
	p("- **I6** the operator's writes are never refused (no reconcile error 422, never stuck);")
	p("- **I0** the model and the operator agree on the materials digest.")
	p("")
	p("pgregory.net/rapid draws the sequences (about %s steps each) and shrinks a failure to a", flagValue("rapid.steps"))
	p("minimal one. A short run (%d sequences) is part of `make test`; each violation found becomes a", shortChecks)
	p("`TestRegression_` test in test/model.")
	p("")
	s.mu.Lock()
	defer s.mu.Unlock()
	p("| figure | value |")
	p("|---|---|")
	p("| tree | %s |", revision())
	p("| duration | %s |", s.elapsed)
	p("| batches (a fresh seed each) | %d |", s.batches)
	p("| sequences run (shrinking included) / steps | %d / %d |", s.sequences.Load(), s.steps.Load())
	for _, k := range sortedKeys(s.checks) {
		p("| %s checks | %d |", k, s.checks[k])
	}
	p("| violations found (shrunk) | %d |", len(s.found))
	for _, k := range sortedKeys(s.tolerated) {
		p("| tolerated (MODEL_TOLERATE) %s | %d |", k, s.tolerated[k])
	}
	p("")
	// Each distinct violation once (by the first a sequence broke), with how many batches
	// ended with it, and its shortest sequence.
	batches, shortest := map[string]int{}, map[string]found{}
	var order []string
	for _, f := range s.found {
		v := f.violations[0]
		k := v.inv + " (" + v.kind + ")"
		if batches[k] == 0 {
			order = append(order, k)
		}
		batches[k]++
		if old, ok := shortest[k]; !ok || len(f.transcript) < len(old.transcript) {
			shortest[k] = f
		}
	}
	for _, k := range order {
		f := shortest[k]
		p("- %s, in %d batch(es); `-rapid.seed=%s`:", k, batches[k], f.seed)
		p("")
		p("  ```")
		for _, l := range f.transcript {
			p("  %s", l)
		}
		p("  ```")
		p("")
	}
	p("Reproduce: `make model MODEL_DURATION=%s`; one sequence: `go test ./test/model -run TestModel -rapid.seed=SEED`.", s.elapsed)
	return chaos.WriteSection(path, b.String())
}

// revision names the tree the run tested: the commit, and "-dirty" with uncommitted changes.
func revision() string {
	root := testenv.RepoRoot()
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if exec.Command("git", "-C", root, "diff", "--quiet", "HEAD", "--", ".", ":!docs").Run() != nil {
		rev += "-dirty"
	}
	return rev
}
