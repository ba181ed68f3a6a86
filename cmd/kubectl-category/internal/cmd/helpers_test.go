package cmd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/cmd"
	"github.com/channelshop/category-operator/internal/testenv"
)

// decode reads every document of a YAML file of the repository.
func decode[T any](path string) ([]*T, error) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), path))
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*T
	for {
		obj := new(T)
		if err := dec.Decode(obj); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
}

// jewelryPolicy is config/policies/jewelry.yaml.
func jewelryPolicy() (*qualv1.CategoryPolicy, error) {
	ps, err := decode[qualv1.CategoryPolicy]("config/policies/jewelry.yaml")
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

var appIDs atomic.Int64

// newApp creates the sample application and waits until it is under review.
func newApp(t *testing.T, ns, name string) *qualv1.CategoryApplication {
	t.Helper()
	createApp(t, ns, name)
	return waitForPhase(t, ns, name, qualv1.PhaseUnderReview)
}

// createApp creates the sample application (config/samples) and its Secrets as name in
// namespace ns, with its own AppID (one application per shop and category, D1) and no
// notification sink (nothing to deliver to in a test), edited by edit.
func createApp(t *testing.T, ns, name string, edit ...func(*qualv1.CategoryApplication)) {
	t.Helper()
	NewWithT(t).Expect(admin.Create(context.Background(), buildApp(t, ns, name, edit...))).To(Succeed())
}

// buildApp is createApp's application, with its Secrets created, but not the application.
func buildApp(t *testing.T, ns, name string, edit ...func(*qualv1.CategoryApplication)) *qualv1.CategoryApplication {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	g.Expect(env.EnsureNamespace(ctx, ns)).To(Succeed())
	secrets, err := decode[corev1.Secret]("config/samples/02-secrets.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(secrets[0].Name).To(Equal("acme-gold-materials"))
	materials := &corev1.Secret{}
	secrets[0].DeepCopyInto(materials)
	materials.Namespace = ns
	g.Expect(client.IgnoreAlreadyExists(admin.Create(ctx, materials))).To(Succeed())

	apps, err := decode[qualv1.CategoryApplication]("config/samples/03-categoryapplication.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	app := apps[0]
	app.Namespace, app.Name = ns, name
	app.Spec.Merchant.AppID = fmt.Sprintf("wx%016x", appIDs.Add(1))
	app.Spec.Notify = nil
	for _, e := range edit {
		e(app)
	}
	return app
}

func getApp(t *testing.T, ns, name string) *qualv1.CategoryApplication {
	t.Helper()
	app := &qualv1.CategoryApplication{}
	NewWithT(t).Expect(admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app)).To(Succeed())
	return app
}

// waitForPhase waits until the operator has processed the current generation into phase.
func waitForPhase(t *testing.T, ns, name string, phase qualv1.ApplicationPhase) *qualv1.CategoryApplication {
	t.Helper()
	var app *qualv1.CategoryApplication
	NewWithT(t).Eventually(func(g Gomega) {
		app = &qualv1.CategoryApplication{}
		g.Expect(admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app)).To(Succeed())
		g.Expect(app.Status.ObservedGeneration).To(Equal(app.Generation))
		g.Expect(app.Status.Phase).To(Equal(phase), "conditions: %v", app.Status.Conditions)
		if phase == qualv1.PhaseUnderReview {
			g.Expect(meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionUnderReview)).To(BeTrue())
		}
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	return app
}

// kubeconfig writes a kubeconfig file for one of the users, as a reviewer would have.
func kubeconfig(t *testing.T, user string) string {
	t.Helper()
	path, err := testenv.WriteKubeconfig(t.TempDir(), users[user], user)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// result is one run of the plugin.
type result struct {
	out, errOut string
	err         error
	// kubeconfig is the file the run was given with --kubeconfig.
	kubeconfig string
}

// run runs the plugin in-process as user, like `kubectl category ARGS --kubeconfig ...`.
func run(t *testing.T, user string, args ...string) result {
	t.Helper()
	kc := kubeconfig(t, user)
	// Global flags first, as a user may type them; completion needs the word being completed last.
	full := append([]string{"--kubeconfig", kc}, args...)
	if len(args) > 0 && args[0] == "__complete" {
		full = append([]string{args[0], full[0], full[1]}, args[1:]...)
	}
	r := runArgs(t, full...)
	r.kubeconfig = kc
	return r
}

// runArgs runs the plugin in-process with exactly these arguments.
func runArgs(t *testing.T, args ...string) result {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	err := cmd.Run(streams, args)
	t.Logf("kubectl category %s\n%s%s", strings.Join(args, " "), out, errOut)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

// runPrinted runs a command line the plugin printed, as a user who copies it would: its words
// and nothing else (the printed commands here need no shell quoting).
func runPrinted(t *testing.T, line string, extra ...string) result {
	t.Helper()
	words := strings.Fields(line)
	if len(words) < 2 || words[0] != "kubectl" || words[1] != "category" {
		t.Fatalf("not a kubectl category command: %q", line)
	}
	return runArgs(t, append(words[2:], extra...)...)
}

// approveArgs approves name in ns with the generation and materials digest it has now: what
// describe would show a reviewer who looks at it now.
func approveArgs(t *testing.T, ns, name string, extra ...string) []string {
	t.Helper()
	app := getApp(t, ns, name)
	return append([]string{"approve", name, "-n", ns, "--generation", strconv.FormatInt(app.Generation, 10),
		"--materials-digest", app.Status.MaterialsDigest}, extra...)
}
