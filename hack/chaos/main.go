// Command chaos is `make chaos`: bin/manager, built from this tree and run as its own process
// against a real kube-apiserver and etcd, is killed with SIGKILL at random moments during a
// lifecycle of applications and restarted; then every end state is checked (see test/chaos).
// It stops by itself: every step and the convergence are bounded by -wait. With -out it writes
// its section of docs/reliability.md. It exits 1 if any end state is wrong.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/channelshop/category-operator/test/chaos"
)

func main() {
	o := chaos.Options{}
	var out string
	flag.IntVar(&o.N, "n", 300, "Applications in the lifecycle.")
	flag.IntVar(&o.Kills, "kills", 20, "How many times the manager is killed with SIGKILL.")
	flag.Int64Var(&o.Seed, "seed", 1, "Seed of the kill moments.")
	flag.DurationVar(&o.KillEvery[0], "kill-min", time.Second, "Shortest time from a restart to the next kill.")
	flag.DurationVar(&o.KillEvery[1], "kill-max", 5*time.Second, "Longest time from a restart to the next kill.")
	flag.DurationVar(&o.Wait, "wait", 5*time.Minute, "Longest any one lifecycle step, and the final convergence, may take.")
	flag.IntVar(&o.Workers, "workers", 10, "Applications driven at once.")
	flag.StringVar(&out, "out", "", "Write the results into this Markdown file's \"Crash and restart\" section (e.g. docs/reliability.md).")
	flag.Parse()
	if o.N <= 0 || o.Kills < 0 || o.KillEvery[0] <= 0 || o.KillEvery[1] < o.KillEvery[0] {
		fmt.Fprintln(os.Stderr, "error: -n must be positive, -kills not negative, 0 < -kill-min <= -kill-max")
		os.Exit(2)
	}
	start := time.Now()
	o.Logf = func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	res, err := chaos.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	md := res.Markdown("make chaos CHAOS_FLAGS=\"" + strings.Join(os.Args[1:], " ") + "\"")
	fmt.Println(md)
	if out != "" {
		if err := chaos.WriteSection(out, md); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	}
	if len(res.Failures) > 0 {
		os.Exit(1)
	}
}
