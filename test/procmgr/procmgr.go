// Package procmgr runs bin/manager built from this tree as its own process, as a Deployment
// would: its own kubeconfig, its own ports, killed and restarted from outside. Tests, hack/chaos
// and the local run use it; production code never imports it.
package procmgr

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Build builds the manager binary from root (the repository root) into dir, as `make build`
// does, and returns its path.
func Build(root, dir string) (string, error) {
	bin := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the manager: %v\n%s", err, out)
	}
	return bin, nil
}

// WriteKubeconfig writes cfg (host, CA, and a client certificate or a bearer token) as a
// kubeconfig at path: the manager reads it through KUBECONFIG as it reads its ServiceAccount
// in a pod.
func WriteKubeconfig(path string, cfg *rest.Config, namespace string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["manager"] = &clientcmdapi.AuthInfo{Token: cfg.BearerToken,
		ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["manager"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "manager", Namespace: namespace}
	kc.CurrentContext = "manager"
	return clientcmd.WriteToFile(*kc, path)
}

// FreePort returns a loopback port nobody listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Process is one run of the manager binary.
type Process struct {
	cmd  *exec.Cmd
	Log  *SyncBuffer
	done chan struct{}
}

// Start runs bin with args and KUBECONFIG=kubeconfig; its output goes to Log (and to also, if
// not nil).
func Start(bin, kubeconfig string, args []string, also *os.File) (*Process, error) {
	p := &Process{Log: &SyncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	p.cmd.SysProcAttr = sysProcAttr()
	p.Log.also = also
	p.cmd.Stdout, p.cmd.Stderr = p.Log, p.Log
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitState describes how the process ended ("signal: killed", "exit status 1"); empty while
// it runs.
func (p *Process) ExitState() string {
	if !p.Exited() || p.cmd.ProcessState == nil {
		return ""
	}
	return p.cmd.ProcessState.String()
}

// Exited says whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL (kill -9: no deferred code, no lease release, no graceful shutdown) and
// waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop ends the process with SIGTERM, as the kubelet does, then SIGKILL after grace.
func (p *Process) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// SyncBuffer is a process's output, written by the process and read by the caller.
type SyncBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	also *os.File
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.also != nil {
		_, _ = b.also.Write(p)
	}
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
