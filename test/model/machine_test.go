package model_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/testenv"
)

// The short run, part of `go test ./...` (make test): shortChecks sequences of about
// shortSteps steps each. -rapid.checks and -rapid.steps (or RAPID_CHECKS, RAPID_STEPS)
// override them; MODEL_DURATION (e.g. 30m, `make model`) runs batches of longChecks sequences
// with fresh seeds until that much time has passed.
const (
	shortChecks = 20
	shortSteps  = 8
	longChecks  = 25
	longSteps   = 20
)

// setRapidDefaults makes the short run the default, and never writes rapid's fail files into
// the source tree (the seed reproduces a run).
func setRapidDefaults() error {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	defaults := map[string]string{"rapid.checks": strconv.Itoa(shortChecks), "rapid.steps": strconv.Itoa(shortSteps),
		"rapid.nofailfile": "true", "rapid.shrinktime": shrinkBudget().String()}
	if longRun() > 0 {
		defaults["rapid.checks"], defaults["rapid.steps"] = strconv.Itoa(longChecks), strconv.Itoa(longSteps)
	}
	env := map[string]string{"rapid.checks": "RAPID_CHECKS", "rapid.steps": "RAPID_STEPS", "rapid.nofailfile": "RAPID_NOFAILFILE", "rapid.shrinktime": "RAPID_SHRINKTIME"}
	for name, v := range defaults {
		if _, ok := os.LookupEnv(env[name]); ok || set[name] {
			continue
		}
		if err := flag.Set(name, v); err != nil {
			return err
		}
	}
	return nil
}

// longRun is MODEL_DURATION, or 0 for the short run.
func longRun() time.Duration {
	d, _ := time.ParseDuration(os.Getenv("MODEL_DURATION"))
	return d
}

// run is the figures of one TestModel run, for the report.
var run = newStats()

// TestModel is the model-based test: rapid draws sequences of steps (Repeat), each in a fresh
// namespace, and the invariants are checked after every step.
func TestModel(t *testing.T) {
	if d := longRun(); d > 0 {
		longModel(t, d)
		return
	}
	run.reset()
	t.Run("rapid", func(t *testing.T) { rapid.Check(t, property(run)) })
	if f := run.failure; f != nil {
		run.found = append(run.found, *f)
		t.Errorf("shrunk sequence:\n%s", strings.Join(f.transcript, "\n"))
	}
	t.Logf("%s", run.summary())
}

// shrinkBudget bounds the time spent shrinking one failure.
func shrinkBudget() time.Duration {
	if longRun() > 0 {
		return 3 * time.Minute
	}
	return 45 * time.Second
}

// longModel runs batches with fresh seeds until d has passed, each failure shrunk and recorded,
// and writes the report when MODEL_REPORT names a file.
func longModel(t *testing.T, d time.Duration) {
	deadline := time.Now().Add(d)
	for i := 1; time.Now().Before(deadline); i++ {
		if err := flag.Set("rapid.seed", strconv.FormatUint(rand.Uint64(), 10)); err != nil {
			t.Fatal(err)
		}
		run.reset()
		var seed string
		t.Run(fmt.Sprintf("batch-%d", i), func(t *testing.T) {
			st := &seedOf{T: t}
			defer func() { seed = st.seed }() // a failed Check ends with FailNow
			rapid.Check(st, property(run))
		})
		if f := run.failure; f != nil {
			f.seed = seed
			run.found = append(run.found, *f)
		}
		run.batches++
	}
	run.elapsed = d
	t.Logf("%s", run.summary())
	if out := os.Getenv("MODEL_REPORT"); out != "" {
		if !filepath.IsAbs(out) {
			out = testenv.RepoPath(out)
		}
		if err := writeReport(out, run); err != nil {
			t.Fatal(err)
		}
	}
}

// property is one sequence: a fresh namespace, the application created by a drawn writer,
// then Repeat's steps with the invariants checked after each.
func property(st *stats) func(*rapid.T) {
	return func(t *rapid.T) {
		if st.shrinkSpent() {
			// rapid's shrinker may try many more sequences than its -rapid.shrinktime allows
			// for: each try here costs seconds. Refusing them keeps the smallest so far.
			t.Skip("time to shrink is up")
		}
		s := newSeq(t, st)
		defer s.cleanup()
		creator := rapid.SampledFrom(writers).Draw(t, "creator")
		if err := s.do(create{creator}); err != nil {
			t.Fatalf("%v", err)
		}
		actions := map[string]func(*rapid.T){
			// After each step: the one place a sequence fails, so that a shrunk sequence fails
			// the same way (rapid compares the message and where it was raised).
			"": func(*rapid.T) { s.failOnViolations() },
		}
		for _, a := range drawers {
			for i := range a.weight {
				name := a.name
				if i > 0 {
					name = fmt.Sprintf("%s#%d", a.name, i+1)
				}
				actions[name] = func(t *rapid.T) {
					// Before any draw: rapid counts an action skipped after drawing as a
					// rejection, and too many end the sequence early.
					if a.when != nil && !a.when(s) {
						t.Skip("not applicable")
					}
					st := a.draw(t)
					if !st.applicable(s) {
						t.Skip("not applicable")
					}
					if err := s.do(st); err != nil {
						t.Fatalf("%v", err)
					}
				}
			}
		}
		t.Repeat(actions)
	}
}

// drawers are the actions rapid chooses from, uniformly by name: an action of weight n is
// there n times, so that the steps that make progress (a reviewer's decision, a merchant's
// edit) are drawn more often than the disruptions.
var drawers = []struct {
	name   string
	weight int
	draw   func(*rapid.T) step
	when   func(*seq) bool // if set, whether the action applies at all, judged before drawing
}{
	{"approve", 4, func(t *rapid.T) step { return drawDecide(t, qualv1.VerdictApproved) }, exists},
	{"withdraw", 2, func(t *rapid.T) step { return drawDecide(t, qualv1.VerdictWithdrawn) }, exists},
	{"reject", 1, func(t *rapid.T) step { return drawDecide(t, qualv1.VerdictRejected) }, exists},
	{"decideHostile", 2, func(t *rapid.T) step {
		d := drawDecide(t, rapid.SampledFrom([]qualv1.Verdict{qualv1.VerdictApproved, qualv1.VerdictRejected, qualv1.VerdictWithdrawn}).Draw(t, "verdict"))
		d.who = rapid.SampledFrom(deciders).Draw(t, "who")
		d.gen = genChoice(rapid.IntRange(0, 3).Draw(t, "gen"))
		d.digest = digestChoice(rapid.IntRange(0, 2).Draw(t, "digest"))
		d.forge = rapid.Bool().Draw(t, "forge")
		d.backdate = rapid.Bool().Draw(t, "backdate")
		return d
	}, exists},
	{"edit", 3, func(t *rapid.T) step {
		// Mostly the valid edit; the others leave the application incomplete or are refused.
		kind := editShopName
		if k := rapid.IntRange(0, 4).Draw(t, "kind"); k >= 3 {
			kind = editKind(k - 2)
		}
		return edit{rapid.SampledFrom(writers).Draw(t, "who"), kind}
	}, exists},
	{"writeFile", 2, func(t *rapid.T) step {
		return writeFile{rapid.SampledFrom(writers).Draw(t, "who"), rapid.SampledFrom([]string{filingKey, extraKey}).Draw(t, "key"),
			rapid.IntRange(0, 2).Draw(t, "content")}
	}, nil},
	{"removeFile", 1, func(t *rapid.T) step {
		return writeFile{rapid.SampledFrom(writers).Draw(t, "who"), rapid.SampledFrom([]string{filingKey, extraKey}).Draw(t, "key"), -1}
	}, nil},
	{"remove", 2, func(t *rapid.T) step {
		return remove{rapid.SampledFrom(writers).Draw(t, "who"), rapid.Bool().Draw(t, "orphan")}
	}, exists},
	{"create", 2, func(t *rapid.T) step { return create{rapid.SampledFrom(writers).Draw(t, "who")} }, nil},
	{"tighten", 1, func(*rapid.T) step { return setPolicy{true} }, nil},
	{"relax", 1, func(*rapid.T) step { return setPolicy{false} }, nil},
	{"restart", 1, func(*rapid.T) step { return restart{} }, nil},
	{"stop", 1, func(*rapid.T) step { return stop{} }, nil},
	{"start", 1, func(*rapid.T) step { return start{} }, nil},
	{"unhook", 1, func(*rapid.T) step { return webhooks{false} }, nil},
	{"rehook", 1, func(*rapid.T) step { return webhooks{true} }, nil},
	{"sinkDown", 1, func(*rapid.T) step { return sinkDown{true} }, nil},
	{"sinkUp", 1, func(*rapid.T) step { return sinkDown{false} }, nil},
}

// exists: the application exists (what to decide, edit or delete).
func exists(s *seq) bool { return s.m.app != nil }

// drawDecide draws a reviewer's decision: mostly rita's (carl may write the namespace),
// mostly about what the reviewer read.
func drawDecide(t *rapid.T, v qualv1.Verdict) decide {
	d := decide{who: rapid.SampledFrom([]actor{rita, rita, rita, carl}).Draw(t, "who"), verdict: v}
	// Shrinking goes to 0: the current generation and digest, a raw write that archives.
	if g := rapid.IntRange(0, 9).Draw(t, "gen"); g >= 7 {
		d.gen = genChoice(g - 6)
	}
	if g := rapid.IntRange(0, 9).Draw(t, "digest"); g >= 8 {
		d.digest = digestChoice(g - 7)
	}
	d.plugin = rapid.IntRange(0, 3).Draw(t, "plugin") == 3
	d.archive = rapid.IntRange(0, 3).Draw(t, "careless") != 3
	return d
}

// failOnViolations fails the sequence naming the broken invariants only: the details (names,
// digests, times) differ from run to run and are in the log.
func (s *seq) failOnViolations() {
	if len(s.violations) == 0 {
		return
	}
	var kinds []string
	for _, v := range s.violations {
		kinds = append(kinds, v.inv+" ("+v.kind+")")
	}
	msg := "invariants broken: " + strings.Join(kinds, "; ")
	s.stats.fail(s)
	s.t.Fatalf("%s", msg)
}

func newSeq(t tb, st *stats) *seq {
	ctx := context.Background()
	s := &seq{t: t, ctx: ctx, h: h, stats: st, m: &model{files: map[string]string{}}}
	ns, err := h.namespace(ctx)
	if err != nil {
		t.Fatalf("setting up a namespace: %v", err)
	}
	s.ns = ns
	s.appID = fmt.Sprintf("wx%016x", 0xd0de0000+h.seq.Load())
	for k, v := range h.files {
		s.m.files[k] = string(v)
	}
	st.sequences.Add(1)
	s.logf("sequence in namespace %s (AppID %s)", ns, s.appID)
	return s
}

// cleanup puts the cluster back as a sequence found it (manager running, webhooks installed,
// the shipped policy, the sink up) and deletes the application, so the next sequence and
// manager restarts do not carry it.
func (s *seq) cleanup() {
	if !s.h.webhooks {
		if err := s.h.restoreWebhooks(s.ctx); err != nil {
			s.t.Fatalf("restoring the webhooks: %v", err)
		}
	}
	if !s.h.running() {
		if err := s.h.startManager(s.ctx); err != nil {
			s.t.Fatalf("starting the manager: %v", err)
		}
		if err := s.h.waitForWebhooks(s.ctx, true); err != nil {
			s.t.Fatalf("%v", err)
		}
	}
	if s.m.tight {
		if err := s.h.setPolicy(s.ctx, false); err != nil {
			s.t.Fatalf("relaxing the policy: %v", err)
		}
	}
	s.h.sink.down.Store(false)
	s.collectGarbage()
	_ = s.h.admin.DeleteAllOf(s.ctx, &qualv1.CategoryApplication{}, client.InNamespace(s.ns))
	_ = s.h.admin.DeleteAllOf(s.ctx, &qualv1.ShowcaseListing{}, client.InNamespace(s.ns))
}

func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// seedOf passes rapid's report through and keeps the seed it names: the one that reproduces
// the failing sequence (each sequence of a batch has a seed of its own).
type seedOf struct {
	*testing.T
	seed string
}

var seedFlag = regexp.MustCompile(`-rapid\.seed=(\d+)`)

func (s *seedOf) Errorf(format string, args ...any) {
	s.T.Helper()
	msg := fmt.Sprintf(format, args...)
	if m := seedFlag.FindStringSubmatch(msg); m != nil {
		s.seed = m[1]
	}
	s.T.Errorf("%s", msg)
}
