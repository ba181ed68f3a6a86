package cmd_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/cmd"
)

// Shell completion lists application names from the cluster, narrowed to what the verb can
// act on, and category groups for --group.
func TestCompletion(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "complete", "acme-gold")
	newApp(t, "complete", "acme-gold-2")
	approved := "acme-approved"
	newApp(t, "complete", approved)
	g.Expect(run(t, "alice", approveArgs(t, "complete", approved)...).err).NotTo(HaveOccurred())
	waitForPhase(t, "complete", approved, "Approved")

	complete := func(args ...string) []string {
		r := run(t, "alice", append([]string{"__complete"}, args...)...)
		g.Expect(r.err).NotTo(HaveOccurred())
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		g.Expect(lines[len(lines)-1]).To(Equal(":4"), "no file completion")
		return lines[:len(lines)-1]
	}
	g.Expect(complete("approve", "-n", "complete", "")).To(ConsistOf("acme-gold", "acme-gold-2"))
	g.Expect(complete("reject", "-n", "complete", "acme-gold-")).To(ConsistOf("acme-gold-2"))
	g.Expect(complete("withdraw", "-n", "complete", "")).To(ConsistOf(approved))
	g.Expect(complete("describe", "-n", "complete", "")).To(ConsistOf("acme-gold", "acme-gold-2", approved))
	g.Expect(complete("queue", "--group", "jew")).To(ConsistOf("jewelry\t珠宝首饰"))
	// What approve pins is never completed from what is current: that would approve unseen.
	g.Expect(complete("approve", "acme-gold", "-n", "complete", "--generation", "")).To(BeEmpty())
	g.Expect(complete("approve", "acme-gold", "-n", "complete", "--materials-digest", "")).To(BeEmpty())
}

// Installed as kubectl-category, the plugin presents itself as `kubectl category`.
func TestPluginName(t *testing.T) {
	g := NewWithT(t)
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	g.Expect(cmd.Run(streams, []string{"queue", "--help"})).To(Succeed())
	g.Expect(out.String()).To(ContainSubstring("Usage:\n  kubectl category queue [-A]"))
	g.Expect(out.String()).To(ContainSubstring("--kubeconfig string"))
	g.Expect(out.String()).To(ContainSubstring("-A, --all-namespaces"))

	out.Reset()
	g.Expect(cmd.Run(streams, []string{"completion", "bash"})).To(Succeed())
	g.Expect(out.String()).To(ContainSubstring("bash completion V2 for kubectl-category"))

	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	g.Expect(cmd.Run(streams, []string{"approve"})).NotTo(Succeed())
	g.Expect(errOut.String()).To(Equal("error: kubectl category approve needs exactly one application NAME (got 0); `kubectl category queue` lists them\n"))
}
