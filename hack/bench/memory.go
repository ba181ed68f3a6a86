package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/testenv"
)

const mib = 1 << 20

// unrelatedNamespace holds the Secrets no application references (issue #12: the manager must
// not hold their values).
const unrelatedNamespace = "bench-unrelated"

// memResult is the manager process's memory once it has reconciled n applications and gone
// quiet, with secrets unrelated Secrets in the cluster.
type memResult struct {
	n, secrets int
	// heapInuse and heapAlloc are go_memstats_heap_{inuse,alloc}_bytes right after the GC the
	// profile request forced; rss is VmRSS then, peakRSS VmHWM (the start's LIST included).
	heapInuse, heapAlloc, rss, peakRSS float64
	profile                            heapBreakdown
	top                                []string
	// etcdInUse is etcd's database size in use after compaction and defragmentation.
	etcdInUse float64
	// listSeconds and listBytes are one LIST of every application as admin (JSON).
	listSeconds, listBytes float64
	startSeconds           float64 // process start to every application reconciled
}

// runMemory measures, for each size (ascending), a freshly started manager process that has
// reconciled that many applications and gone quiet. Applications are removed or added to
// reach the size; added ones are taken to UnderReview only (no approval). With secrets > 0,
// the first size is measured again with that many unrelated Secrets of secretKiB each.
func (b *bench) runMemory(ctx context.Context, sizes []int, secrets, secretKiB int) (_ []memResult, err error) {
	if err := b.stopManager(); err != nil { // the in-process one: the process serves the webhooks now
		return nil, err
	}
	dir, err := os.MkdirTemp("", "category-bench-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil { // the manager's log stays for a look
			err = fmt.Errorf("%w (manager log: %s)", err, filepath.Join(dir, "manager.log"))
			return
		}
		os.RemoveAll(dir)
	}()
	say("memory: building bin/manager")
	if b.managerBin, err = buildManager(dir); err != nil {
		return nil, err
	}
	b.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(b.operatorCfg, b.kubeconfig); err != nil {
		return nil, err
	}
	if err := b.bindLeaderElection(ctx); err != nil {
		return nil, err
	}
	defer b.stopProcManager()
	var out []memResult
	for i, size := range sizes {
		switch {
		case size < len(b.live):
			if err := b.stopProcManager(); err != nil {
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
		m, err := b.measureProc(ctx, size, 0, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
		if i == 0 && secrets > 0 {
			if err := b.unrelatedSecrets(ctx, secrets, secretKiB); err != nil {
				return nil, err
			}
			m, err := b.measureProc(ctx, size, secrets, dir)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			if err := b.stopProcManager(); err != nil {
				return nil, err
			}
			say("memory: deleting the %d unrelated Secrets", secrets)
			if err := b.admin.DeleteAllOf(ctx, &corev1.Secret{}, client.InNamespace(unrelatedNamespace)); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// bindLeaderElection applies the shipped leader-election Role (config/rbac) in the operator's
// namespace and binds it to the operator's user, as the shipped RoleBinding does for the
// ServiceAccount: the process runs with --leader-elect, like the Deployment.
func (b *bench) bindLeaderElection(ctx context.Context) error {
	objs, err := testenv.ReadObjects(testenv.RepoPath("config", "rbac", "leader_election_role.yaml"))
	if err != nil {
		return err
	}
	if len(objs) != 1 || objs[0].GetKind() != "Role" {
		return fmt.Errorf("config/rbac/leader_election_role.yaml: want one Role")
	}
	role := objs[0]
	role.SetNamespace(testenv.OperatorNamespace)
	if err := b.env.Apply(ctx, role); err != nil {
		return fmt.Errorf("applying the leader-election Role: %w", err)
	}
	return b.env.Apply(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bench-leader-election", Namespace: testenv.OperatorNamespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.GetName()},
		Subjects:   []rbacv1.Subject{testenv.User(testenv.OperatorUser)},
	})
}

// measureProc restarts the manager process, waits until it has reconciled every application
// and been quiet 5 s, and measures it; etcd is compacted and measured before it starts.
func (b *bench) measureProc(ctx context.Context, size, secrets int, dir string) (memResult, error) {
	m := memResult{n: size, secrets: secrets}
	if err := b.stopProcManager(); err != nil {
		return m, err
	}
	var err error
	if m.etcdInUse, err = b.etcdSize(ctx); err != nil {
		return m, err
	}
	if m.listSeconds, m.listBytes, err = b.listApplications(ctx); err != nil {
		return m, err
	}
	start := time.Now()
	p, err := b.startProcManager(ctx)
	if err != nil {
		return m, err
	}
	if err := p.waitQuiet(ctx, float64(size), 5*time.Second, waitTimeout); err != nil {
		return m, err
	}
	m.startSeconds = time.Since(start).Seconds() - 5
	path := filepath.Join(dir, fmt.Sprintf("heap-%d-%d.pb.gz", size, secrets))
	if err := p.heapProfile(path); err != nil {
		return m, err
	}
	m.rss, m.peakRSS = p.rss(), procStatus(p.cmd.Process.Pid, "VmHWM:")
	heap, err := p.metrics(nil, "go_memstats_heap_inuse_bytes", "go_memstats_heap_alloc_bytes")
	if err != nil {
		return m, err
	}
	m.heapInuse, m.heapAlloc = heap["go_memstats_heap_inuse_bytes"], heap["go_memstats_heap_alloc_bytes"]
	if m.profile, err = readHeapProfile(path); err != nil {
		return m, err
	}
	if m.top, err = pprofTop(b.managerBin, path, 25); err != nil {
		return m, err
	}
	if b.profileDir != "" {
		if err := os.MkdirAll(b.profileDir, 0o755); err != nil {
			return m, err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return m, err
		}
		if err := os.WriteFile(filepath.Join(b.profileDir, filepath.Base(path)), raw, 0o644); err != nil {
			return m, err
		}
	}
	say("memory: %d applications, %d unrelated Secrets: heap in use %.1f MiB (profile %.1f MiB), RSS %.1f MiB (peak %.1f MiB); etcd %.1f MiB",
		size, secrets, m.heapInuse/mib, m.profile.total/mib, m.rss/mib, m.peakRSS/mib, m.etcdInUse/mib)
	return m, nil
}

// listApplications times one LIST of every application as admin, as the manager's informer
// makes it when it starts (JSON: custom resources have no protobuf).
func (b *bench) listApplications(ctx context.Context) (float64, float64, error) {
	start := time.Now()
	raw, err := b.adminREST.Get().AbsPath("/apis/qualification.channelshop.dev/v1alpha1/categoryapplications").DoRaw(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("listing applications: %w", err)
	}
	return time.Since(start).Seconds(), float64(len(raw)), nil
}

// unrelatedSecrets creates n Secrets of kib KiB of random bytes that no application references.
func (b *bench) unrelatedSecrets(ctx context.Context, n, kib int) error {
	if err := b.stopProcManager(); err != nil {
		return err
	}
	if err := b.env.EnsureNamespace(ctx, unrelatedNamespace); err != nil {
		return err
	}
	blob := make([]byte, kib<<10)
	if _, err := rand.Read(blob); err != nil {
		return err
	}
	say("memory: creating %d unrelated Secrets of %d KiB", n, kib)
	return pool(ctx, b.concurrency, n, "memory: creating Secrets", func(ctx context.Context, i int) error {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: unrelatedNamespace, Name: fmt.Sprintf("unrelated-%05d", i)},
			Data: map[string][]byte{"blob": blob}}
		if err := b.admin.Create(ctx, s); err != nil {
			return fmt.Errorf("creating Secret %s: %w", s.Name, err)
		}
		return nil
	})
}

// grow creates applications until size exist, with the manager process running (it serves the
// webhooks), and waits until they are all UnderReview.
func (b *bench) grow(ctx context.Context, size int) error {
	extra, err := b.prepare(ctx, "bench-mem", size-len(b.live))
	if err != nil {
		return err
	}
	if b.proc == nil {
		if _, err := b.startProcManager(ctx); err != nil {
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

// inProcess is the benchmark process's own memory after GC: the in-process manager of the
// ratio and steady-state runs plus the benchmark driver (the memory runs use a process).
type inProcess struct{ heapMiB, rssMiB float64 }

func measureInProcess() inProcess {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return inProcess{heapMiB: float64(ms.HeapInuse) / mib, rssMiB: procStatus(os.Getpid(), "VmRSS:") / mib}
}
