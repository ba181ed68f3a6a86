package main

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
)

// writeKubeconfig writes a kubeconfig with the certificates embedded, so it stays valid wherever
// it is copied (for example into a Secret).
func writeKubeconfig(path, server string, ca, cert *x509.Certificate, key crypto.Signer) error {
	k, err := keyPEM(key)
	if err != nil {
		return err
	}
	b64 := base64.StdEncoding.EncodeToString
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: e2e
  context: {cluster: e2e, user: %q}
current-context: e2e
`, server, b64(certPEM(ca)), fmt.Sprintf("%q", cert.Subject.CommonName), b64(certPEM(cert)), b64(k), cert.Subject.CommonName)
	return os.WriteFile(path, []byte(cfg), 0o600)
}
