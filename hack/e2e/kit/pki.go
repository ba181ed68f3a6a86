package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// identity is one certificate the cluster needs: a client user (CN = user, O = groups) or a
// server (DNS names and IPs).
type identity struct {
	file   string
	cn     string
	groups []string
	dns    []string
	ips    []net.IP
	server bool
	// kubeconfig is written for client identities that talk to the API server.
	kubeconfig bool
}

func runPKI(args []string) error {
	fs := flag.NewFlagSet("pki", flag.ContinueOnError)
	dir := fs.String("dir", "", "output folder")
	hostIP := fs.String("host-ip", "", "the machine's own address: the API server listens there")
	apiPort := fs.Int("api-port", 6443, "the API server's port")
	node := fs.String("node", "", "the node name (kubelet's user is system:node:NAME)")
	serviceIP := fs.String("service-ip", "", "the kubernetes Service's cluster IP")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, svc := net.ParseIP(*hostIP), net.ParseIP(*serviceIP)
	switch {
	case *dir == "":
		return errors.New("-dir is required")
	case host == nil:
		return fmt.Errorf("-host-ip %q is not an IP address", *hostIP)
	case svc == nil:
		return fmt.Errorf("-service-ip %q is not an IP address", *serviceIP)
	case *node == "":
		return errors.New("-node is required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}

	ca, caKey, err := newCA()
	if err != nil {
		return err
	}
	if err := writeCert(*dir, "ca", ca, caKey); err != nil {
		return err
	}
	// Service-account tokens are signed with an RSA key, as kube-apiserver expects by default.
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	if err := writeKeyPair(*dir, "sa", saKey); err != nil {
		return err
	}

	ids := []identity{
		{file: "apiserver", cn: "kube-apiserver", server: true, ips: []net.IP{host, svc, net.IPv4(127, 0, 0, 1)},
			dns: []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"}},
		// kube-apiserver calls kubelets (logs, exec) as a member of system:masters.
		{file: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", groups: []string{"system:masters"}},
		{file: "admin", cn: "e2e-admin", groups: []string{"system:masters"}, kubeconfig: true},
		{file: "controller-manager", cn: "system:kube-controller-manager", kubeconfig: true},
		{file: "scheduler", cn: "system:kube-scheduler", kubeconfig: true},
		{file: "kubelet", cn: "system:node:" + *node, groups: []string{"system:nodes"}, kubeconfig: true},
		{file: "kube-proxy", cn: "system:kube-proxy", kubeconfig: true},
		// The reviewer is bound to config/rbac/reviewer_role.yaml by the test; the outsider has
		// no binding at all, so its decision must be refused.
		{file: "reviewer", cn: "e2e-reviewer", groups: []string{"e2e:reviewers"}, kubeconfig: true},
		{file: "outsider", cn: "e2e-outsider", kubeconfig: true},
	}
	server := fmt.Sprintf("https://%s", net.JoinHostPort(host.String(), fmt.Sprint(*apiPort)))
	for _, id := range ids {
		cert, key, err := issue(ca, caKey, id)
		if err != nil {
			return fmt.Errorf("%s: %w", id.file, err)
		}
		if err := writeCert(*dir, id.file, cert, key); err != nil {
			return err
		}
		if id.kubeconfig {
			if err := writeKubeconfig(filepath.Join(*dir, id.file+".kubeconfig"), server, ca, cert, key); err != nil {
				return err
			}
		}
	}
	return nil
}

func newCA() (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "category-operator-e2e-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func issue(ca *x509.Certificate, caKey crypto.Signer, id identity) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: id.cn, Organization: id.groups},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		DNSNames:     id.dns,
		IPAddresses:  id.ips,
	}
	if id.server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

func certPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

func keyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// writeCert writes NAME.crt and NAME.key.
func writeCert(dir, name string, cert *x509.Certificate, key crypto.Signer) error {
	k, err := keyPEM(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), certPEM(cert), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), k, 0o600)
}

// writeKeyPair writes NAME.key and NAME.pub (the service-account signing pair).
func writeKeyPair(dir, name string, key crypto.Signer) error {
	k, err := keyPEM(key)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".key"), k, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}
