package testenv

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// GrantReviewers binds the shipped reviewer role (config/rbac/reviewer_role.yaml, the one the
// README tells administrators to bind) to the group "reviewers", and the same role without its
// approve rule to "readers", derived from the file so the two cannot drift apart: the plugin's
// and the console's tests have reviewers who may decide and readers who may not.
func (e *Env) GrantReviewers(ctx context.Context) error {
	if err := e.BindClusterRole(ctx, "reviewer_role.yaml", Group("reviewers")); err != nil {
		return err
	}
	reader, err := ReadClusterRole("reviewer_role.yaml")
	if err != nil {
		return err
	}
	reader.Name = "category-reader"
	shipped := len(reader.Rules)
	reader.Rules = slices.DeleteFunc(reader.Rules, func(r rbacv1.PolicyRule) bool {
		return slices.Contains(r.Verbs, "approve")
	})
	if len(reader.Rules) != shipped-1 {
		return fmt.Errorf("config/rbac/reviewer_role.yaml: want exactly one rule with verb approve, found %d", shipped-len(reader.Rules))
	}
	return e.Grant(ctx, reader, "", Group("readers"))
}

// WriteKubeconfig writes a kubeconfig file for cfg's user into dir, as a reviewer would have
// one, and returns its path.
func WriteKubeconfig(dir string, cfg *rest.Config, user string) (string, error) {
	server := cfg.Host
	if u, err := url.Parse(server); err != nil || u.Scheme == "" {
		server = "https://" + server
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: user, Namespace: "default"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(dir, "kubeconfig")
	return path, clientcmd.WriteToFile(*kc, path)
}
