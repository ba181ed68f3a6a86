package main

import (
	"encoding/json"
	"os"
)

// state is bin/local/state.json: enough to find and stop the processes of a run that was
// killed before it could stop them.
type state struct {
	PID int `json:"pid"`
	// Procs are the started processes, each found again by its binary and a unique argument.
	Procs []proc `json:"procs"`
	// Dirs are temporary folders to remove.
	Dirs []string `json:"dirs"`
}

type proc struct {
	Binary string `json:"binary"`
	Arg    string `json:"arg"`
	PID    int    `json:"pid,omitempty"`
}

func (r *run) recordControlPlane() {
	cp := &r.env.ControlPlane
	if cp.Etcd != nil && cp.Etcd.DataDir != "" {
		r.state.Procs = append(r.state.Procs, proc{Binary: "etcd", Arg: "--data-dir=" + cp.Etcd.DataDir})
		r.state.Dirs = append(r.state.Dirs, cp.Etcd.DataDir)
	}
	if api := cp.APIServer; api != nil && api.CertDir != "" {
		r.state.Procs = append(r.state.Procs, proc{Binary: "kube-apiserver", Arg: "--cert-dir=" + api.CertDir})
		r.state.Dirs = append(r.state.Dirs, api.CertDir)
	}
	if d := r.env.WebhookInstallOptions.LocalServingCertDir; d != "" {
		r.state.Dirs = append(r.state.Dirs, d)
	}
	r.saveState()
}

func (r *run) saveState() {
	b, _ := json.MarshalIndent(r.state, "", "  ")
	_ = os.WriteFile(r.statePath(), b, 0o644)
}
