package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/procmgr"
)

// managerProc is bin/manager running as its own process, as a Deployment's container does:
// its own kubeconfig (the operator's user, bound to the generated ClusterRole only), the
// webhook serving certificate envtest made, and its flags. When it dies it is started again,
// as the kubelet would, and the run says so; the control plane stays up meanwhile.
type managerProc struct {
	bin, kubeconfig string
	args            []string
	mu              sync.Mutex
	proc            *procmgr.Process
	restarts        int
	stopping        bool
}

// startManager builds bin/manager from the tree, starts it and keeps it running.
func (r *run) startManager(ctx context.Context) error {
	say("building bin/manager")
	bin, err := procmgr.Build(r.root, filepath.Join(r.root, "bin"))
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(r.dir, "manager.kubeconfig")
	if err := procmgr.WriteKubeconfig(kubeconfig, r.env.OperatorConfig, testenv.OperatorNamespace); err != nil {
		return err
	}
	s := r.env.WebhookServing()
	m := &managerProc{bin: bin, kubeconfig: kubeconfig, args: append([]string{
		"--namespace=" + testenv.OperatorNamespace,
		"--metrics-bind-address=" + freeOr(r.metricsAddr),
		"--health-probe-bind-address=" + freeOr(r.probeAddr),
		"--webhook-host=" + s.Host,
		"--webhook-port=" + strconv.Itoa(s.Port),
		"--webhook-cert-dir=" + s.CertDir,
		// A local run's sinks are test receivers on this machine: plain http to loopback,
		// which a manager refuses by default. The allowlist serves the reviewers' sink, and
		// merchants' sinks in namespaces labelled qualification.channelshop.dev/sink-allowed-cidrs=true.
		"--sink-allow-insecure-http",
		"--sink-allowed-cidrs=127.0.0.0/8,::1",
		// The reviewers' sink: the local receiver (walkthrough.go).
		"--reviewer-sink-secret=" + reviewerSinkSecret,
	}, r.managerArgs...)}
	say("manager starting as its own process, user %s (kubeconfig %s, webhooks https://%s:%d): %s %v",
		testenv.OperatorUser, r.relative(kubeconfig), s.Host, s.Port, r.relative(bin), m.args)
	if err := m.start(); err != nil {
		return err
	}
	r.mgr = m
	go m.supervise()
	return nil
}

func (m *managerProc) start() error {
	p, err := procmgr.Start(m.bin, m.kubeconfig, m.args, os.Stderr)
	if err != nil {
		return fmt.Errorf("starting %s: %w", m.bin, err)
	}
	m.mu.Lock()
	m.proc = p
	m.mu.Unlock()
	return nil
}

// supervise restarts the manager whenever it exits, after a second (the kubelet backs off
// further on a crash loop; one crash is restarted at once).
func (m *managerProc) supervise() {
	for {
		m.mu.Lock()
		p := m.proc
		m.mu.Unlock()
		<-p.Done()
		m.mu.Lock()
		if m.stopping {
			m.mu.Unlock()
			return
		}
		m.restarts++
		n := m.restarts
		m.mu.Unlock()
		say("manager (pid %d) exited (%s); restarting it, as the kubelet would (restart %d)", p.Pid(), p.ExitState(), n)
		time.Sleep(time.Second)
		if err := m.start(); err != nil {
			say("%v; retrying", err)
		}
	}
}

// stop ends the manager with SIGTERM (SIGKILL after 30 s), as the kubelet does, for good.
func (m *managerProc) stop() {
	m.mu.Lock()
	m.stopping = true
	p := m.proc
	m.mu.Unlock()
	if p != nil {
		p.Stop(30 * time.Second)
	}
}
