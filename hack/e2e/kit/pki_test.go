package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// Every certificate chains to the CA with the usage its holder needs, and the users are the ones
// Kubernetes' Node authorizer and RBAC expect.
func TestPKIIssuesTheClusterIdentities(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	g.Expect(runPKI([]string{"-dir", dir, "-host-ip", "192.0.2.2", "-node", "n1", "-service-ip", "10.96.0.1"})).To(Succeed())

	pool := x509.NewCertPool()
	pool.AddCert(readCert(t, filepath.Join(dir, "ca.crt")))
	verify := func(name string, usage x509.ExtKeyUsage) *x509.Certificate {
		c := readCert(t, filepath.Join(dir, name+".crt"))
		_, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}})
		g.Expect(err).NotTo(HaveOccurred(), name)
		return c
	}
	api := verify("apiserver", x509.ExtKeyUsageServerAuth)
	g.Expect(api.VerifyHostname("192.0.2.2")).To(Succeed())
	g.Expect(api.VerifyHostname("10.96.0.1")).To(Succeed())
	g.Expect(api.VerifyHostname("kubernetes.default.svc")).To(Succeed())

	kubelet := verify("kubelet", x509.ExtKeyUsageClientAuth)
	g.Expect(kubelet.Subject.CommonName).To(Equal("system:node:n1"))
	g.Expect(kubelet.Subject.Organization).To(Equal([]string{"system:nodes"}))
	g.Expect(verify("reviewer", x509.ExtKeyUsageClientAuth).Subject.Organization).To(Equal([]string{"e2e:reviewers"}))
	g.Expect(verify("outsider", x509.ExtKeyUsageClientAuth).Subject.Organization).To(BeEmpty())

	kubeconfig, err := os.ReadFile(filepath.Join(dir, "kubelet.kubeconfig"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(kubeconfig)).To(ContainSubstring("server: https://192.0.2.2:6443"))
	g.Expect(strings.Count(string(kubeconfig), "-data: ")).To(Equal(3))
	g.Expect(filepath.Join(dir, "sa.pub")).To(BeAnExistingFile())
}

func TestPKIRefusesBadAddresses(t *testing.T) {
	g := NewWithT(t)
	g.Expect(runPKI([]string{"-dir", t.TempDir(), "-host-ip", "not-an-ip", "-node", "n", "-service-ip", "10.96.0.1"})).
		To(MatchError(ContainSubstring("-host-ip")))
}
