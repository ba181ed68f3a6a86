//go:build !linux

package main

import (
	"errors"
	"os"
)

// The local run supervises etcd, kube-apiserver and kube-controller-manager through Linux's
// /proc, flock and parent-death signal (supervise_linux.go). On other systems it refuses to
// start; `make run` against a cluster works everywhere.
var errNeedsLinux = errors.New("the local control plane of `make run` needs Linux (it supervises etcd, kube-apiserver and kube-controller-manager through /proc); on this system use `make run` against a cluster (RUN_MODE=cluster)")

var stopSignals = []os.Signal{os.Interrupt}

// acquireLock is the first step of a run: it fails here, so nothing else starts.
func (r *run) acquireLock() error { return errNeedsLinux }

func (r *run) cleanupStale() {}

func (r *run) startControllerManager(string) error { return errNeedsLinux }

func (r *run) stopControllerManager() {}

func sweepChildren() error { return nil }
