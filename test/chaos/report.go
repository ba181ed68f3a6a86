package chaos

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Markdown is the run's section of docs/reliability.md: "Crash and restart", "Failover" or
// "API server outage", by the options.
func (r *Result) Markdown(command string) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	kills := make([]string, len(r.Killed))
	for i, k := range r.Killed {
		kills[i] = k.Round(100 * time.Millisecond).String()
	}
	switch {
	case r.Replicas > 1:
		p("## Failover")
		p("")
		p("Two replicas of bin/manager with `--leader-elect`, each its own process serving webhooks on its own")
		p("port behind a TCP balancer on the address the webhook configurations call (a Service in front of")
		p("the pods). During a lifecycle of %d applications the leader (the replica whose controllers run)", r.N)
		p("is killed with SIGKILL %d times, %s to %s apart (seed %d); the killed replica is restarted and", r.Kills, r.KillEvery[0], r.KillEvery[1], r.Seed)
		p("rejoins as a follower. Takeover is the time from the kill until the Lease names another holder.")
	case r.Outage > 0:
		p("## API server outage")
		p("")
		p("kube-apiserver is stopped for %s, %s into a lifecycle of %d applications, and started again on the", r.Outage, r.KillEvery[0], r.N)
		p("same port, certificates and etcd. The manager process is not restarted by the run; if it exits")
		p("by itself it is restarted, as the kubelet would, and counted. Recovery is the time from the API")
		p("server's return until a new application is admitted (the webhooks answer) and processed (the")
		p("operator puts it under review); it is checked with the others (no listing, its notifications")
		p("delivered).")
	case r.DeliveryWorkers == 1:
		p("## Crash and restart, one delivery worker")
		p("")
		p("The crash scenario again, with the manager's `--delivery-workers=1`: one notification in flight at")
		p("a time, so a kill can leave at most one send acknowledged but not recorded. Issue #12 asks for no")
		p("more repeats than kills; this run fails above that. The default (4 workers) trades that bound for")
		p("throughput and for not letting one slow sink hold every delivery (see the section above).")
		p("Killed %d times, %s to %s after the previous kill (seed %d).", r.Kills, r.KillEvery[0], r.KillEvery[1], r.Seed)
	default:
		p("## Crash and restart")
		p("")
		p("`make chaos` (hack/chaos, logic in test/chaos) builds bin/manager from the tree and runs it as its own")
		p("process against a real kube-apiserver and etcd (envtest), authenticated as the operator's user")
		p("(bound to the generated ClusterRole only), serving the webhooks the API server calls (failurePolicy")
		p("Fail), with a merchants' sink per shop namespace and the reviewers' sink, all one recording")
		p("receiver on loopback. A merchant and a reviewer (real users, shipped roles) take %d applications", r.N)
		p("through their lifecycle, retrying what is refused while the manager is down; meanwhile the manager")
		p("is killed with SIGKILL %d times, %s to %s after the previous kill (seed %d), and restarted at", r.Kills, r.KillEvery[0], r.KillEvery[1], r.Seed)
		p("once, as the kubelet would. Then every end state is checked. A short version (50 applications,")
		p("3 kills) runs in `make test` (TestKillAndRestart in test/chaos).")
	}
	p("")
	p("| plan | applications | must end |")
	p("|---|---|---|")
	for _, pl := range plans {
		w := wantOf(pl)
		listing := "no listing"
		if w.listed {
			listing = fmt.Sprintf("exactly one listing, Active, for generation %d", w.gen)
		}
		p("| %s | %d | generation %d %s, %s |", pl, r.Plans[pl], w.gen, w.phase, listing)
	}
	p("")
	p("| figure | value |")
	p("|---|---|")
	switch {
	case r.Replicas > 1:
		takeovers := make([]string, len(r.Takeovers))
		for i, t := range r.Takeovers {
			takeovers[i] = t.Round(100 * time.Millisecond).String()
		}
		p("| kill -9 of the leader | %d, at %s |", len(r.Killed), strings.Join(kills, ", "))
		p("| takeover (bound: lease duration %s + 5s) | %s |", r.LeaseDuration, strings.Join(takeovers, ", "))
		p("| webhook connections each replica took (the API server keeps connections open) | %v |", r.WebhookConns)
	case r.Outage > 0:
		p("| kube-apiserver stopped at / how / down for | %s / %s / %s |", r.OutageAt.Round(100*time.Millisecond), r.StopHow, r.APIServerDown.Round(100*time.Millisecond))
		p("| API server back → a new application admitted and under review | %s |", r.RecoveredAfter.Round(100*time.Millisecond))
	default:
		p("| kill -9 of the manager | %d, at %s |", len(r.Killed), strings.Join(kills, ", "))
	}
	p("| manager exits nobody caused (restarted) | %d |", r.Exits)
	p("| lifecycle writes done / end states reached | %s / %s |", r.Lifecycle.Round(time.Second), r.Converged.Round(time.Second))
	p("| merchant and reviewer writes refused or lost meanwhile (retried) | %d |", r.Refused)
	p("| approved applications / listings / Active listings | %d / %d / %d |", r.Approved, r.Listings, r.Active)
	p("| notifications in the ledgers / Delivered | %d / %d |", r.Ledger, r.Delivered)
	p("| POSTs at the sink / distinct Idempotency-Keys | %d / %d |", r.Posts, r.Keys)
	p("| repeated POSTs (a key seen before) / most POSTs of one key | %d / %d |", r.Duplicates, r.MaxRepeats)
	p("| effects at a receiver deduplicating on the key (one per notification) | %d for %d notifications |", r.Keys, r.Ledger)
	p("| wrong end states | %d |", len(r.Failures))
	p("")
	for i, f := range r.Failures {
		if i == 20 {
			p("- ... and %d more", len(r.Failures)-20)
			break
		}
		p("- %s", f)
	}
	if len(r.Failures) > 0 {
		p("")
	}
	if r.Outage > 0 {
		p("A repeat is a notification the sink acknowledged but the manager could not record as Delivered")
		p("because the API server went away; it is sent again with the same Idempotency-Key. The run fails")
		p("above %d repeats for the outage (as for one kill).", r.RepeatsPerKill())
		p("")
	}
	if len(r.Killed) > 0 {
		p("A repeat is a notification the sink acknowledged while the manager was killed before it recorded")
		p("Delivered: the next manager sends it again with the same Idempotency-Key, and a receiver that")
		p("deduplicates on it acts once. The run fails above %d repeats per kill: each send is recorded", r.RepeatsPerKill())
		p("before the next, so a kill can leave one acknowledged but unrecorded send per delivery worker in")
		p("flight. No more repeats than kills (issue #12's target): %s.", verdict(r.Duplicates <= len(r.Killed)))
		if r.DeliveryWorkers != 1 {
			p("That target holds by construction only with one send in flight (`--delivery-workers=1`, the")
			p("section \"Crash and restart, one delivery worker\"), at the cost of throughput.")
		}
		p("")
	}
	p("Reproduce: `%s`.", command)
	return b.String()
}

// DownMarkdown is the "Webhook server down" section, if the run checked it.
func (r *Result) DownMarkdown(command string) string {
	if r.Down == nil {
		return ""
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("## Webhook server down")
	p("")
	p("At the end of the crash run every manager replica is stopped and not restarted; then, as real")
	p("users and with the operator's own identity, the run tries the writes below. Each must be refused")
	p("(failurePolicy Fail, with a message naming the webhook that could not be called), and nothing may")
	p("change. Then the webhooks are bypassed, as a misconfigured install would (failurePolicy set to")
	p("Ignore while none serves): the approval rules still hold, refused by the API server's own")
	p("ValidatingAdmissionPolicies (config/admission-policies), which need no webhook.")
	p("")
	p("| write | the API server's answer |")
	p("|---|---|")
	p("| merchant creates an application | %s |", cell(r.Down.Create))
	p("| reviewer approves an application under review | %s |", cell(r.Down.Approve))
	p("| the operator's identity writes a decision | %s |", cell(r.Down.OperatorDecides))
	p("| webhooks bypassed: the operator's identity writes a decision | %s |", cell(r.Down.BypassedOperatorDecides))
	p("| webhooks bypassed: a reviewer sets status.phase Approved | %s |", cell(r.Down.BypassedReviewerForges))
	p("")
	if len(r.Down.Failures) == 0 {
		p("All refused; the application under review has no decision, its phase is unchanged, and the")
		p("refused create made nothing.")
	}
	for _, f := range r.Down.Failures {
		p("- %s", f)
	}
	p("")
	p("Reproduce: `%s`.", command)
	return b.String()
}

func cell(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "`", "'") + "`"
}

// WriteSection replaces the section starting with the first line of section ("## Title") in
// the Markdown file path, up to the next "## " heading, or appends it.
func WriteSection(path, section string) error {
	raw, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(raw)
	if doc == "" {
		doc = "# Reliability\n"
	}
	heading, _, _ := strings.Cut(section, "\n")
	section = strings.TrimRight(section, "\n") + "\n"
	start := strings.Index(doc, heading+"\n")
	if start < 0 {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + section
	} else {
		end := len(doc)
		if i := strings.Index(doc[start+len(heading):], "\n## "); i >= 0 {
			end = start + len(heading) + i + 1
			section += "\n"
		}
		doc = doc[:start] + section + doc[end:]
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

func verdict(ok bool) string {
	if ok {
		return "met in this run"
	}
	return "not met in this run"
}
