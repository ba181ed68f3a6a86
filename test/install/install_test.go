package install

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

const fieldOwner = "install-test"

// TestInstall installs the rendered chart on a real API server (envtest: kube-apiserver and
// etcd) by server-side apply, and runs the manager binary built from this tree as the chart's
// ServiceAccount with the chart's arguments and built-in certificate rotation (short validity).
// It checks the install works as a cluster would see it:
//   - the manager provisions its certificate, injects the CA into both webhook configurations,
//     and only then reports ready;
//   - the API server calls the webhooks over TLS with that CA: policies are validated, invalid
//     samples (config/samples/invalid) are refused with their expected messages, the valid
//     sample is admitted, reaches UnderReview and, approved by a reviewer bound to the chart's
//     reviewer role (status webhooks), Approved; the reviewer sink named by a chart value gets
//     notified;
//   - the serving certificate is replaced before it expires, and calls still succeed with it;
//   - the manager never logs a "forbidden" error (the chart's RBAC is complete);
//   - config/prometheus/metrics.txt lists what the manager serves (UPDATE_METRICS_LIST=1 rewrites it).
//
// envtest runs no Services or Pods, so the webhook configurations are the chart's with each
// clientConfig.service replaced by a URL to the local manager (https://localhost:<port><path>);
// the manager adds localhost to its certificate (--webhook-cert-extra-dns-names). Everything
// else (rules, names, the CA the manager injects) is as rendered.
func TestInstall(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run tests with `make test`, which builds kube-apiserver and etcd and sets it")
	}
	g := NewWithT(t)
	ctx := context.Background()
	logf.SetLogger(logr.Discard()) // the test's clients; the manager's log is its own output
	var reviewerPosts atomic.Int32
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reviewerPosts.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(sink.Close)

	objs := renderChart(t, "policies.enabled=true", "reviewerSink.secretName=reviewer-sink",
		// The reviewers' sink is an httptest server: plain http on loopback.
		"sinks.allowInsecureHTTP=true", "sinks.allowedCIDRs={127.0.0.0/8}",
		// A serving certificate valid 45s, replaced 30s before it expires: a new one every ~15s.
		"certRotation.serverValidity=45s", "certRotation.renewBefore=30s", "certRotation.checkInterval=2s")
	bin := buildManager(t)

	env := &envtest.Environment{}
	cfg, err := env.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	scheme := runtime.NewScheme()
	g.Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	admin, err := client.New(cfg, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	apply := func(u *unstructured.Unstructured, opts ...client.ApplyOption) error {
		return admin.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), append(opts, client.FieldOwner(fieldOwner), client.ForceOwnership)...)
	}

	// CRDs first, then everything but the policies (their webhook is not served yet).
	g.Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})).To(Succeed())
	var deployment *unstructured.Unstructured
	var policies []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			g.Expect(apply(o)).To(Succeed(), key(o))
		}
	}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		eventually(g, func(g Gomega) {
			crd := &unstructured.Unstructured{}
			crd.SetGroupVersionKind(o.GroupVersionKind())
			g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(o), crd)).To(Succeed())
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			g.Expect(conds).To(ContainElement(And(HaveKeyWithValue("type", "Established"), HaveKeyWithValue("status", "True"))))
		}).Should(Succeed())
	}
	for _, o := range objs {
		switch o.GetKind() {
		case "Deployment":
			deployment = o
		case "CategoryPolicy":
			policies = append(policies, o)
		}
	}
	g.Expect(deployment).NotTo(BeNil())
	g.Expect(policies).NotTo(BeEmpty())
	// Ports are chosen before the manager starts: the webhook URLs need the port.
	webhookPort := freePort(t)
	for _, o := range objs {
		switch o.GetKind() {
		case "CustomResourceDefinition", "CategoryPolicy":
			continue
		case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
			o = toLocalURL(t, o, webhookPort)
		}
		g.Expect(apply(o)).To(Succeed(), key(o))
	}
	g.Expect(admin.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "reviewer-sink", Namespace: namespace},
		StringData: map[string]string{"address": sink.URL},
	})).To(Succeed())

	kubeconfig := serviceAccountKubeconfig(t, cfg, release+"-controller-manager")
	m := startManager(t, bin, kubeconfig, deployment, webhookPort)

	// Ready only once the certificate exists and both configurations carry its CA.
	eventually(g, func(g Gomega) {
		g.Expect(m.done).NotTo(BeClosed(), "the manager exited")
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", m.probePort))
		g.Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}).WithTimeout(2 * time.Minute).Should(Succeed())
	secret := &corev1.Secret{}
	g.Expect(admin.Get(ctx, types.NamespacedName{Namespace: namespace, Name: release + "-webhook-server-cert"}, secret)).To(Succeed())
	ca := secret.Data["ca.crt"]
	g.Expect(ca).NotTo(BeEmpty(), "the manager filled its Secret")
	for _, kind := range []string{"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"} {
		for _, b := range caBundles(g, admin, kind) {
			g.Expect(b).To(Equal(ca), "%s caBundle is the manager's CA", kind)
		}
	}
	firstCert := servedCert(g, m.webhookPort, ca)

	// The policy webhook answers over TLS: the chart's policies are validated and admitted.
	for _, p := range policies {
		g.Expect(apply(p)).To(Succeed(), key(p))
	}

	// Samples: namespace and Secrets, then the invalid applications are refused, each with its
	// expected message, and the webhook's own refusals come from the webhook.
	for _, f := range []string{"01-namespace.yaml", "02-secrets.yaml"} {
		for _, o := range sampleObjects(t, filepath.Join(repoRoot(), "config", "samples", f)) {
			g.Expect(apply(o)).To(Succeed(), key(o))
		}
	}
	// The MutatingAdmissionPolicy on applications answers "Resource kind ... not found" for a few
	// seconds after the CRDs are installed (kube-apiserver's policy type checker lags them): wait
	// until a dry-run create of the valid sample is admitted before judging refusals.
	valid0 := sampleObjects(t, filepath.Join(repoRoot(), "config", "samples", "03-categoryapplication.yaml"))[0]
	eventually(g, func() error {
		return admin.Create(ctx, valid0.DeepCopy(), client.DryRunAll)
	}).Should(Succeed())
	invalid, err := filepath.Glob(filepath.Join(repoRoot(), "config", "samples", "invalid", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(invalid).NotTo(BeEmpty())
	byWebhook := 0
	for _, f := range invalid {
		if refusedByWebhook(t, g, apply, f) {
			byWebhook++
		}
	}
	g.Expect(byWebhook).To(BeNumerically(">", 0), "some invalid samples are the webhook's to refuse")

	valid := sampleObjects(t, filepath.Join(repoRoot(), "config", "samples", "03-categoryapplication.yaml"))[0]
	g.Expect(apply(valid)).To(Succeed())
	waitPhase(g, admin, valid, "UnderReview")

	// A reviewer bound to the chart's reviewer role approves: the status webhooks (mutating and
	// validating, with a SubjectAccessReview) are called over TLS too.
	g.Expect(admin.Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "reviewer-rita"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: release + "-category-reviewer"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "rita"}},
	})).To(Succeed())
	rita, err := env.AddUser(envtest.User{Name: "rita", Groups: []string{"system:authenticated"}}, cfg)
	g.Expect(err).NotTo(HaveOccurred())
	ritaClient, err := client.New(rita.Config(), client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	app := getObject(g, admin, valid)
	digest, _, _ := unstructured.NestedString(app.Object, "status", "materialsDigest")
	patch := fmt.Appendf(nil, `{"status":{"decision":{"verdict":"Approved","generation":%d,"materialsDigest":%q}}}`, app.GetGeneration(), digest)
	g.Expect(ritaClient.Status().Patch(ctx, app, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
	waitPhase(g, admin, valid, "Approved")
	eventually(g, reviewerPosts.Load).Should(BeNumerically(">", 0), "the reviewer sink named by reviewerSink.secretName is notified")

	// Rotation: a new serving certificate from the same CA, and the API server still calls.
	eventually(g, func(g Gomega) {
		g.Expect(servedCert(g, m.webhookPort, ca).Equal(firstCert)).To(BeFalse(), "the serving certificate was replaced")
	}).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
	rotated := servedCert(g, m.webhookPort, ca)
	g.Expect(rotated.NotAfter.After(firstCert.NotAfter)).To(BeTrue())
	for _, f := range invalid {
		if refusedByWebhook(t, g, apply, f) {
			break // one webhook refusal after rotation is enough
		}
	}
	dry := valid.DeepCopy()
	dry.SetName("acme-gold-after-rotation")
	// Another shop: one application per shop and category (D1).
	g.Expect(unstructured.SetNestedField(dry.Object, "wx00000000000000ff", "spec", "merchant", "appID")).To(Succeed())
	g.Expect(admin.Create(ctx, dry, client.DryRunAll)).To(Succeed(), "admitted through both webhooks after rotation")

	checkMetricsList(t, g, m.metricsPort)

	m.stop()
	log := m.log.String()
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(strings.ToLower(l), "forbidden") {
			t.Errorf("the manager was refused something (RBAC gap?): %s", l)
		}
	}
	g.Expect(log).To(ContainSubstring("Successfully acquired lease"), "leader election ran (and recorded its event)")
}

// toLocalURL points every webhook of a configuration at the local manager, keeping its path.
func toLocalURL(t *testing.T, cfg *unstructured.Unstructured, port int) *unstructured.Unstructured {
	t.Helper()
	cfg = cfg.DeepCopy()
	hooks, _, _ := unstructured.NestedSlice(cfg.Object, "webhooks")
	for _, h := range hooks {
		cc := h.(map[string]any)["clientConfig"].(map[string]any)
		svc := cc["service"].(map[string]any)
		cc["url"] = fmt.Sprintf("https://localhost:%d%s", port, svc["path"])
		delete(cc, "service")
	}
	if err := unstructured.SetNestedSlice(cfg.Object, hooks, "webhooks"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func caBundles(g Gomega, c client.Client, kind string) [][]byte {
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("admissionregistration.k8s.io/v1")
	list.SetKind(kind + "List")
	g.Expect(c.List(context.Background(), list)).To(Succeed())
	var bundles [][]byte
	for _, cfg := range list.Items {
		if !strings.HasPrefix(cfg.GetName(), release+"-") {
			continue
		}
		hooks, _, _ := unstructured.NestedSlice(cfg.Object, "webhooks")
		for _, h := range hooks {
			b, _, _ := unstructured.NestedString(h.(map[string]any), "clientConfig", "caBundle")
			bundles = append(bundles, decodeBase64(g, b))
		}
	}
	g.Expect(bundles).NotTo(BeEmpty(), "%s of the release", kind)
	return bundles
}

// servedCert connects as the API server does (localhost, trusting only the injected CA) and
// returns the certificate the webhook server presents.
func servedCert(g Gomega, port int, ca []byte) *x509.Certificate {
	pool := x509.NewCertPool()
	g.Expect(pool.AppendCertsFromPEM(ca)).To(BeTrue())
	conn, err := tls.Dial("tcp", fmt.Sprintf("localhost:%d", port), &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12})
	g.Expect(err).NotTo(HaveOccurred(), "TLS to the webhook server, verified with the injected CA")
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// webhookRefusal is how the samples say the webhook (not the CRD schema) refuses them.
var webhookRefusal = regexp.MustCompile(`(?m)^#.*[Rr]efused by the (operator's )?admission webhook`)

// refusedByWebhook applies an invalid sample, expects a refusal containing each "# expect:"
// line, and reports whether the sample is one the webhook refuses (then checked to be).
func refusedByWebhook(t *testing.T, g Gomega, apply func(*unstructured.Unstructured, ...client.ApplyOption) error, file string) bool {
	t.Helper()
	raw, err := os.ReadFile(file)
	g.Expect(err).NotTo(HaveOccurred())
	objs := sampleObjects(t, file)
	g.Expect(objs).To(HaveLen(1), file)
	err = apply(objs[0])
	g.Expect(err).To(HaveOccurred(), "%s must be refused", filepath.Base(file))
	for _, l := range strings.Split(string(raw), "\n") {
		if want, ok := strings.CutPrefix(l, "# expect: "); ok {
			g.Expect(err.Error()).To(ContainSubstring(want), filepath.Base(file))
		}
	}
	if !webhookRefusal.Match(raw) {
		return false
	}
	g.Expect(err.Error()).To(ContainSubstring(`admission webhook "vcategoryapplication.qualification.channelshop.dev" denied the request`), filepath.Base(file))
	return true
}

func sampleObjects(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(raw)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return objs
}

func getObject(g Gomega, c client.Client, o *unstructured.Unstructured) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(o.GroupVersionKind())
	g.Expect(c.Get(context.Background(), client.ObjectKeyFromObject(o), u)).To(Succeed())
	return u
}

func waitPhase(g Gomega, c client.Client, o *unstructured.Unstructured, phase string) {
	eventually(g, func(g Gomega) {
		u := getObject(g, c, o)
		got, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		g.Expect(got).To(Equal(phase), "status: %v", u.Object["status"])
	}).Should(Succeed())
}

func eventually(g Gomega, f any) AsyncAssertion {
	return g.Eventually(f).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond)
}

// decodeBase64 decodes a []byte field as unstructured (JSON) carries it.
func decodeBase64(g Gomega, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	g.Expect(err).NotTo(HaveOccurred())
	return b
}
