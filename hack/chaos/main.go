// Command chaos is `make chaos`: bin/manager, built from this tree and run as its own process
// against a real kube-apiserver and etcd, is disrupted during a lifecycle of applications, and
// every end state is checked afterwards (see test/chaos). Scenarios, each on a fresh control
// plane: crash (kill -9 and restart, then the webhook server down), crash-one (the same with
// one delivery worker, which bounds repeats by the kills), failover (two replicas
// with leader election, the leader killed), outage (kube-apiserver stopped and restarted).
// It stops by itself: every step and each convergence are bounded by -wait. With -out it
// writes its sections of docs/reliability.md. It exits 1 if any end state is wrong.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/chaos"
	"github.com/channelshop/category-operator/test/procmgr"
)

func main() {
	o := chaos.Options{}
	var out, scenarios string
	var failoverKills, failoverN int
	var outage time.Duration
	flag.StringVar(&scenarios, "scenarios", "crash,crash-one,failover,outage", "Comma-separated scenarios to run: crash, crash-one (crash with --delivery-workers=1), failover, outage.")
	flag.IntVar(&o.N, "n", 300, "Applications in the crash and outage lifecycles.")
	flag.IntVar(&o.Kills, "kills", 20, "How many times the manager is killed with SIGKILL in the crash scenario.")
	flag.IntVar(&failoverN, "failover-n", 100, "Applications in the failover lifecycle.")
	flag.IntVar(&failoverKills, "failover-kills", 3, "How many times the leader is killed in the failover scenario.")
	flag.DurationVar(&outage, "apiserver-outage", 30*time.Second, "How long kube-apiserver stays stopped in the outage scenario.")
	flag.Int64Var(&o.Seed, "seed", 1, "Seed of the kill moments.")
	flag.DurationVar(&o.KillEvery[0], "kill-min", time.Second, "Shortest time between two kills (and from the start to the outage).")
	flag.DurationVar(&o.KillEvery[1], "kill-max", 5*time.Second, "Longest time between two kills.")
	flag.DurationVar(&o.Wait, "wait", 5*time.Minute, "Longest any one lifecycle step, and each final convergence, may take.")
	flag.IntVar(&o.Workers, "workers", 10, "Applications driven at once.")
	flag.StringVar(&out, "out", "", "Write the results into this Markdown file's sections (e.g. docs/reliability.md).")
	flag.Parse()
	if o.N <= 0 || o.Kills < 0 || o.KillEvery[0] <= 0 || o.KillEvery[1] < o.KillEvery[0] {
		fmt.Fprintln(os.Stderr, "error: -n must be positive, -kills not negative, 0 < -kill-min <= -kill-max")
		os.Exit(2)
	}
	logf.SetLogger(logr.Discard()) // this program's clients; the managers log into their own files
	start := time.Now()
	o.Logf = func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, strings.Split(scenarios, ","), failoverN, failoverKills, outage, out); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o chaos.Options, scenarios []string, failoverN, failoverKills int, outage time.Duration, out string) error {
	dir, err := os.MkdirTemp("", "chaos-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.Logf("building bin/manager")
	if o.Bin, err = procmgr.Build(testenv.RepoRoot(), dir); err != nil {
		return err
	}
	command := "make chaos CHAOS_FLAGS=\"" + strings.Join(os.Args[1:], " ") + "\""
	wrong := 0
	for _, s := range []string{"crash", "crash-one", "failover", "outage"} {
		if !slices.Contains(scenarios, s) {
			continue
		}
		so := o
		switch s {
		case "crash":
			so.WebhookDown = true
		case "crash-one":
			// One send in flight: a kill can repeat at most one notification.
			so.DeliveryWorkers = 1
		case "failover":
			so.N, so.Kills, so.Replicas = failoverN, failoverKills, 2
			// Apart by more than a takeover, so each kill finds a leader to kill.
			so.KillEvery = [2]time.Duration{5 * time.Second, 10 * time.Second}
		case "outage":
			so.Kills, so.Outage = 0, outage
		}
		o.Logf("scenario %s", s)
		res, err := chaos.Run(ctx, so)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s, err)
		}
		sections := []string{res.Markdown(command)}
		if md := res.DownMarkdown(command); md != "" {
			sections = append(sections, md)
			wrong += len(res.Down.Failures)
		}
		wrong += len(res.Failures)
		for _, md := range sections {
			fmt.Println(md)
			if out != "" {
				if err := chaos.WriteSection(out, md); err != nil {
					return err
				}
			}
		}
	}
	if out != "" {
		o.Logf("wrote %s", filepath.Clean(out))
	}
	if wrong > 0 {
		return fmt.Errorf("%d wrong end states (see above)", wrong)
	}
	return nil
}
