package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/channelshop/category-operator/internal/testenv"
)

// procManager is bin/manager built from this tree, running as its own process: its memory is
// the manager's alone, not the benchmark driver's. It runs as the operator's user bound to the
// generated manager-role (testenv), serves the webhooks envtest installed, and exposes metrics
// and pprof on loopback ports.
type procManager struct {
	cmd                               *exec.Cmd
	log                               *lockedBuffer
	metricsPort, probePort, pprofPort int
	done                              chan struct{}
	exit                              error // how it ended, once done is closed
}

// buildManager builds the manager binary from the repository root, as `make build` does. Its
// own name keeps it apart from other managers on the machine (tools that find processes by
// name).
func buildManager(dir string) (string, error) {
	bin := filepath.Join(dir, "category-bench-manager")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = testenv.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the manager: %v\n%s", err, out)
	}
	return bin, nil
}

// writeKubeconfig writes cfg (client certificate of a user envtest made) as a kubeconfig.
func writeKubeconfig(cfg *rest.Config, path string) error {
	k := clientcmdapi.NewConfig()
	k.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	k.AuthInfos["operator"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	k.Contexts["operator"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "operator", Namespace: testenv.OperatorNamespace}
	k.CurrentContext = "operator"
	return clientcmd.WriteToFile(*k, path)
}

// startProcManager starts the manager process with the shipped Deployment's arguments (leader
// election, probes, metrics) plus a pprof port, the envtest webhook serving address and its
// certificates (no rotation: envtest made them). --require-namespace-app-ids is left out: the
// benchmark's namespaces carry no AppID annotation.
func (b *bench) startProcManager(ctx context.Context) (*procManager, error) {
	s := b.env.WebhookServing()
	m := &procManager{log: &lockedBuffer{}, done: make(chan struct{})}
	var err error
	for _, p := range []*int{&m.metricsPort, &m.probePort, &m.pprofPort} {
		if *p, err = freePort(); err != nil {
			return nil, err
		}
	}
	m.cmd = exec.Command(b.managerBin,
		"--leader-elect",
		"--namespace="+testenv.OperatorNamespace,
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", m.probePort),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", m.metricsPort),
		fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", m.pprofPort),
		"--webhook-host="+s.Host, fmt.Sprintf("--webhook-port=%d", s.Port), "--webhook-cert-dir="+s.CertDir,
		"--cert-rotation=false",
		fmt.Sprintf("--max-concurrent-reconciles=%d", b.concurrency),
		"--zap-log-level=info",
	)
	m.cmd.Env = append(os.Environ(), "KUBECONFIG="+b.kubeconfig)
	logFile, err := os.OpenFile(filepath.Join(filepath.Dir(b.kubeconfig), "manager.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	m.cmd.Stdout = io.MultiWriter(m.log, logFile)
	m.cmd.Stderr = m.cmd.Stdout
	if err := m.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		m.exit = m.cmd.Wait() // returns once the output is copied: the log file is done with
		logFile.Close()
		close(m.done)
	}()
	b.proc = m
	// Ready: leader, cache synced, webhooks answering through the API server.
	err = poll(ctx, 2*time.Minute, func() (bool, error) {
		select {
		case <-m.done:
			return false, fmt.Errorf("the manager exited (%v): %s", m.exit, m.log.tail())
		default:
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", m.probePort))
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK && b.env.ProbeWebhook(ctx) == nil, nil
	})
	if err != nil {
		_ = b.stopProcManager()
		return nil, err
	}
	return m, nil
}

// stopProcManager ends the manager with SIGTERM, as the kubelet does, and waits for it.
func (b *bench) stopProcManager() error {
	m := b.proc
	if m == nil {
		return nil
	}
	b.proc = nil
	select {
	case <-m.done:
		return fmt.Errorf("the manager had exited (%v): %s", m.exit, m.log.tail())
	default:
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
	return nil
}

// metric reads the manager's /metrics: the sum of a family's series matching labels.
func (m *procManager) metric(family string, labels map[string]string) (float64, error) {
	v, err := m.metrics(labels, family)
	return v[family], err
}

// metrics reads several families from one scrape, so that they describe the same moment.
func (m *procManager) metrics(labels map[string]string, families ...string) (map[string]float64, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", m.metricsPort))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing the manager's metrics: %w", err)
	}
	out := map[string]float64{}
	for _, family := range families {
		f := fams[family]
		if f == nil {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			for k, v := range labels {
				if labelValue(s, k) != v {
					continue next
				}
			}
			switch {
			case s.Counter != nil:
				out[family] += s.GetCounter().GetValue()
			case s.Gauge != nil:
				out[family] += s.GetGauge().GetValue()
			}
		}
	}
	return out, nil
}

func (m *procManager) reconciles() float64 {
	v, _ := m.metric("controller_runtime_reconcile_total", map[string]string{"controller": controllerName})
	return v
}

// waitQuiet waits until the process's application controller has reconciled at least min
// times and then not at all for quiet.
func (m *procManager) waitQuiet(ctx context.Context, min float64, quiet, timeout time.Duration) error {
	last, since := m.reconciles(), time.Now()
	return poll(ctx, timeout, func() (bool, error) {
		select {
		case <-m.done:
			return false, fmt.Errorf("the manager exited (%v): %s", m.exit, m.log.tail())
		default:
		}
		now := m.reconciles()
		if now != last {
			last, since = now, time.Now()
		}
		return now >= min && time.Since(since) >= quiet, nil
	})
}

// heapProfile fetches /debug/pprof/heap?gc=1: the runtime collects garbage first, so the
// profile's in-use figures are live memory.
func (m *procManager) heapProfile(path string) error {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/heap?gc=1", m.pprofPort))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /debug/pprof/heap: %s", resp.Status)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}

// rss is VmRSS of the process, in bytes.
func (m *procManager) rss() float64 { return procStatus(m.cmd.Process.Pid, "VmRSS:") }

// procStatus reads a "kB" field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer is the manager's output, written by the process and read on failure.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail is the last lines written.
func (b *lockedBuffer) tail() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(b.buf.String()), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}
