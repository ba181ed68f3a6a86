package factory

import (
	"io"
	"testing"

	. "github.com/onsi/gomega"
)

// Printed commands carry the flags that chose the cluster and the identity, never credentials.
func TestConnectionFlags(t *testing.T) {
	g := NewWithT(t)
	f := New(io.Discard)
	g.Expect(f.ConnectionFlags()).To(BeEmpty())
	kc, ctx, token, as, server := "/home/r/.kube/review config", "prod", "s3cret", "rita", "https://api.example:6443"
	f.ConfigFlags.KubeConfig, f.ConfigFlags.Context, f.ConfigFlags.BearerToken, f.ConfigFlags.Impersonate, f.ConfigFlags.APIServer = &kc, &ctx, &token, &as, &server
	*f.ConfigFlags.ImpersonateGroup = []string{"reviewers", "auditors"}
	g.Expect(f.ConnectionFlags()).To(Equal([]string{"--kubeconfig", kc, "--context", "prod", "--server", server,
		"--as", "rita", "--as-group", "reviewers", "--as-group", "auditors"}))
	g.Expect(f.Command("describe", "acme-gold", "shop-acme")).To(Equal(
		"kubectl category describe acme-gold -n shop-acme --kubeconfig '/home/r/.kube/review config' --context prod --server https://api.example:6443 --as rita --as-group reviewers --as-group auditors"))
}

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"acme-gold":        "acme-gold",
		"sha256:3b9a":      "sha256:3b9a",
		"~/.kube/config":   "'~/.kube/config'",
		"":                 "''",
		"my config":        "'my config'",
		"it's":             `'it'\''s'`,
		"$(rm -rf ~)":      "'$(rm -rf ~)'",
		"a\x1b[2Jb":        `$'a\x1b[2Jb'`,
		"x\u202ey's\\":     `$'x\u202ey\'s\\'`,
		"line\nbreak":      `$'line\nbreak'`,
		"审核员配置/kubeconfig": "'审核员配置/kubeconfig'",
	} {
		NewWithT(t).Expect(Words(in)).To(Equal(want), "%q", in)
	}
}
