package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/testenv"
)

const mib = 1 << 20

// memResult is the process's memory with a settled manager holding n applications.
type memResult struct {
	n               int
	heapMiB, rssMiB float64
}

// measureMemory collects garbage, returns freed memory to the OS, and reads heap in use and
// resident set size. The process is the manager plus the small benchmark driver.
func measureMemory(n int) memResult {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memResult{n: n, heapMiB: float64(ms.HeapInuse) / mib, rssMiB: vmRSS() / mib}
}

// vmRSS is VmRSS of /proc/self/status, in bytes.
func vmRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// runMemory measures, for each size (ascending), a freshly started manager that has
// reconciled that many applications and gone quiet. Applications are removed or added to
// reach the size; added ones are taken to UnderReview only (no approval).
func (b *bench) runMemory(ctx context.Context, sizes []int) ([]memResult, error) {
	var out []memResult
	for _, size := range sizes {
		switch {
		case size < len(b.live):
			if err := b.stopManager(); err != nil {
				return nil, err
			}
			say("memory: removing %d applications to keep %d", len(b.live)-size, size)
			if err := b.remove(ctx, b.live[size:]); err != nil {
				return nil, err
			}
			b.live = b.live[:size:size]
		case size > len(b.live):
			if err := b.grow(ctx, size); err != nil {
				return nil, err
			}
		}
		if err := b.stopManager(); err != nil {
			return nil, err
		}
		rec0, start := reconcileTotal(), time.Now()
		if _, err := b.startManager(ctx, managerSpec{}); err != nil {
			return nil, err
		}
		if err := waitQuiet(ctx, rec0, float64(size), 5*time.Second, waitTimeout); err != nil {
			return nil, err
		}
		m := measureMemory(size)
		say("memory: %d applications: reconciled in %.1fs; heap in use %.1f MiB, RSS %.1f MiB",
			size, time.Since(start).Seconds()-5, m.heapMiB, m.rssMiB)
		out = append(out, m)
	}
	return out, nil
}

// grow creates applications until size exist, with a manager running, and waits until they
// are all UnderReview.
func (b *bench) grow(ctx context.Context, size int) error {
	extra, err := b.prepare(ctx, "bench-mem", size-len(b.live))
	if err != nil {
		return err
	}
	if b.op == nil {
		if _, err := b.startManager(ctx, managerSpec{}); err != nil {
			return err
		}
	}
	t, err := startTracker(ctx, b.adminCfg)
	if err != nil {
		return err
	}
	defer t.stop()
	m, err := client.New(b.merchantCfg, client.Options{Scheme: testenv.Scheme})
	if err != nil {
		return err
	}
	say("memory: creating %d applications to reach %d", len(extra), size)
	start := time.Now()
	if err := pool(ctx, b.concurrency, len(extra), "memory: creating", func(ctx context.Context, i int) error {
		if err := m.Create(ctx, b.newApp(extra[i])); err != nil {
			return fmt.Errorf("creating %s: %w", extra[i].key, err)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := t.wait(ctx, "memory", extra, stateUnderReview, waitTimeout); err != nil {
		return err
	}
	say("memory: %d created and UnderReview in %.1fs", len(extra), time.Since(start).Seconds())
	b.live = append(b.live, extra...)
	return nil
}
