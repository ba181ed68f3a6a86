package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/channelshop/category-operator/internal/testenv"
)

// writeKubeconfigs writes the kubeconfigs of the admin, of kube-controller-manager and of the
// reviewer, whose user is bound to the shipped config/rbac/reviewer_role.yaml as a reviewer in
// a cluster would be.
func (r *run) writeKubeconfigs(ctx context.Context) error {
	if err := r.writeKubeconfig(envtest.User{Name: adminUser, Groups: []string{"system:masters"}}, r.kubeconfigPath()); err != nil {
		return err
	}
	if err := r.writeKubeconfig(envtest.User{Name: controllerManagerUser, Groups: []string{"system:masters"}}, r.kcmKubeconfigPath()); err != nil {
		return err
	}
	if err := r.env.BindClusterRole(ctx, "reviewer_role.yaml", testenv.User(reviewerUser)); err != nil {
		return err
	}
	return r.writeKubeconfig(envtest.User{Name: reviewerUser, Groups: []string{"system:authenticated"}}, r.reviewerKubeconfigPath())
}

func (r *run) writeKubeconfig(u envtest.User, path string) error {
	user, err := r.env.AddUser(u, r.env.AdminConfig)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, kubeconfig, 0o600)
}

// freeOr returns addr if it can be listened on now, else the same host with a free port;
// "0" (disabled) is returned as is.
func freeOr(addr string) string {
	if addr == "0" {
		return addr
	}
	if l, err := net.Listen("tcp", addr); err == nil {
		_ = l.Close()
		return addr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = "127.0.0.1"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return addr
	}
	defer l.Close()
	return l.Addr().String()
}

func (r *run) relative(p string) string {
	if rel, err := filepath.Rel(mustGetwd(), p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "/"
	}
	return wd
}
