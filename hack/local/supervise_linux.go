//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// This file is the process supervision of the local run: a lock on bin/local, finding and
// stopping processes through /proc, process groups and parent-death signals. All of it is
// Linux's; elsewhere supervise_other.go refuses to start.

// stopSignals stop the run: Ctrl-C, and SIGTERM from a supervisor.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// acquireLock makes sure one local run at a time uses bin/local.
func (r *run) acquireLock() error {
	f, err := os.OpenFile(filepath.Join(r.dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		owner := "another process"
		if b, err := os.ReadFile(r.statePath()); err == nil {
			var s state
			if json.Unmarshal(b, &s) == nil && s.PID > 0 {
				owner = "pid " + strconv.Itoa(s.PID)
			}
		}
		return fmt.Errorf("another `make run` (%s) is already running its local control plane in %s; stop it first (Ctrl-C)", owner, r.dir)
	}
	r.lock = f
	r.state.PID = os.Getpid()
	return nil
}

// cleanupStale stops the processes and removes the folders of a run that did not stop itself.
// The lock is held, so a state file found now belongs to a run that is gone.
func (r *run) cleanupStale() {
	b, err := os.ReadFile(r.statePath())
	if err != nil {
		return
	}
	var s state
	if json.Unmarshal(b, &s) != nil {
		_ = os.Remove(r.statePath())
		return
	}
	for _, p := range s.Procs {
		for _, pid := range findProcs(p) {
			say("stopping %s (pid %d) left running by a previous run", p.Binary, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			waitGone(pid, 5*time.Second)
		}
	}
	for _, d := range s.Dirs {
		_ = os.RemoveAll(d)
	}
	_ = os.Remove(r.kubeconfigPath())
	_ = os.Remove(r.reviewerKubeconfigPath())
	_ = os.Remove(r.kcmKubeconfigPath())
	_ = os.Remove(r.statePath())
}

// findProcs returns the pids whose command line runs p.Binary with p.Arg among its arguments.
func findProcs(p proc) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if filepath.Base(args[0]) != p.Binary {
			continue
		}
		for _, a := range args[1:] {
			if a == p.Arg {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// sweepChildren stops the control-plane processes that are still children of this program and
// removes their temporary data and certificate folders.
func sweepChildren() error {
	entries, _ := os.ReadDir("/proc")
	var left []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 || fields[0] == "Z" || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		raw, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		switch filepath.Base(args[0]) {
		case "etcd", "kube-apiserver", "kube-controller-manager":
		default:
			continue
		}
		say("stopping %s (pid %d) left over after a failed start", filepath.Base(args[0]), pid)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		if !waitGone(pid, 10*time.Second) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if !waitGone(pid, 5*time.Second) {
			left = append(left, fmt.Sprintf("%s (pid %d)", filepath.Base(args[0]), pid))
		}
		for _, a := range args[1:] {
			for _, flagName := range []string{"--data-dir=", "--cert-dir="} {
				if d, ok := strings.CutPrefix(a, flagName); ok && strings.HasPrefix(d, os.TempDir()) {
					_ = os.RemoveAll(d)
				}
			}
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("could not stop %s", strings.Join(left, ", "))
	}
	return nil
}

// waitGone waits until pid has exited (a zombie counts as exited), at most d; it reports
// whether it has.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !alive(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	fields := strings.Fields(string(stat[i+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// startControllerManager runs kube-controller-manager with only the garbage collector and the
// namespace controller (so deleting an owner deletes what it owns, and deleting a namespace
// empties and removes it), as controllerManagerUser (in system:masters), logging to
// bin/local/kube-controller-manager.log.
func (r *run) startControllerManager(bin string) error {
	logPath := filepath.Join(r.dir, "kube-controller-manager.log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	r.kcmLog = f
	kc := r.kcmKubeconfigPath()
	cmd := exec.Command(bin,
		"--kubeconfig="+kc, "--authentication-kubeconfig="+kc, "--authorization-kubeconfig="+kc,
		"--controllers=garbagecollector,namespace", "--leader-elect=false", "--secure-port=0",
		"--use-service-account-credentials=false",
	)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group: a Ctrl-C reaches only this program, which stops it after the manager.
	// Pdeathsig: it dies with this program even if this program is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	r.kcm = cmd
	r.kcmDone = make(chan struct{})
	go func() { _ = cmd.Wait(); close(r.kcmDone) }()
	r.state.Procs = append(r.state.Procs, proc{Binary: "kube-controller-manager", Arg: "--kubeconfig=" + kc, PID: cmd.Process.Pid})
	r.saveState()
	say("kube-controller-manager started (pid %d, log %s)", cmd.Process.Pid, r.relative(logPath))
	return nil
}

// stopControllerManager stops kube-controller-manager, if it was started: SIGTERM, then SIGKILL
// after 10s.
func (r *run) stopControllerManager() {
	if r.kcm == nil {
		return
	}
	_ = r.kcm.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.kcmDone:
	case <-time.After(10 * time.Second):
		_ = r.kcm.Process.Kill()
		<-r.kcmDone
	}
	_ = r.kcmLog.Close()
}
