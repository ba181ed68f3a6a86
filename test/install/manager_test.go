package install

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/channelshop/category-operator/test/procmgr"
)

// manager is bin/manager built from this tree, running as a separate process.
type manager struct {
	cmd                                 *exec.Cmd
	log                                 *procmgr.SyncBuffer
	webhookPort, probePort, metricsPort int
	certDir                             string
	done                                chan struct{}
}

// buildManager builds the manager binary from the repository root, as `make build` does.
func buildManager(t *testing.T) string {
	t.Helper()
	bin, err := procmgr.Build(repoRoot(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// serviceAccountKubeconfig writes a kubeconfig with a TokenRequest token of the chart's
// ServiceAccount: the manager then authenticates and is authorized exactly as in a pod.
func serviceAccountKubeconfig(t *testing.T, admin *rest.Config, sa string) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(admin)
	if err != nil {
		t.Fatal(err)
	}
	expiry := int64(3600)
	tok, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(context.Background(), sa,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("TokenRequest for %s/%s: %v", namespace, sa, err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: admin.Host, CertificateAuthorityData: admin.CAData}
	cfg.AuthInfos[sa] = &clientcmdapi.AuthInfo{Token: tok.Status.Token}
	cfg.Contexts["manager"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: sa, Namespace: namespace}
	cfg.CurrentContext = "manager"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// managerArgs are the chart's Deployment arguments, with $(POD_NAMESPACE) expanded as the
// kubelet would, and local ports, cert folder and the extra DNS name the webhook URL uses
// appended (a later flag wins).
func managerArgs(t *testing.T, deployment *unstructured.Unstructured, m *manager) []string {
	t.Helper()
	var args []string
	for _, a := range stringList(container(t, deployment)["args"]) {
		args = append(args, strings.ReplaceAll(a, "$(POD_NAMESPACE)", namespace))
	}
	return append(args,
		"--namespace="+namespace,
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", m.probePort),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", m.metricsPort),
		fmt.Sprintf("--webhook-port=%d", m.webhookPort),
		"--webhook-cert-dir="+m.certDir,
		"--webhook-cert-extra-dns-names=localhost",
	)
}

// startManager runs bin with the kubeconfig, serving webhooks on webhookPort; the log is kept
// for the forbidden check.
func startManager(t *testing.T, bin, kubeconfig string, deployment *unstructured.Unstructured, webhookPort int) *manager {
	t.Helper()
	m := &manager{log: &procmgr.SyncBuffer{}, certDir: filepath.Join(t.TempDir(), "certs"), done: make(chan struct{}),
		webhookPort: webhookPort, probePort: freePort(t), metricsPort: freePort(t)}
	m.cmd = exec.Command(bin, managerArgs(t, deployment, m)...)
	m.cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "POD_NAMESPACE="+namespace)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	t.Logf("starting %s", strings.Join(m.cmd.Args, " "))
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = m.cmd.Wait()
		close(m.done)
	}()
	t.Cleanup(func() {
		m.stop()
		if t.Failed() {
			t.Logf("manager log:\n%s", m.log.String())
		}
	})
	return m
}

// stop ends the manager with SIGTERM, as the kubelet does, and waits for it.
func (m *manager) stop() {
	select {
	case <-m.done:
		return
	default:
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := procmgr.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
