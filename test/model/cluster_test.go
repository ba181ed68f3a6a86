package model_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/manager"
	"github.com/channelshop/category-operator/internal/manager/managertest"
	"github.com/channelshop/category-operator/internal/testenv"
)

// The actors. Each is its own authenticated user (a client certificate envtest issues), bound
// to the shipped roles as an administrator would bind them.
type actor string

const (
	// mia is the merchant: merchant_role.yaml in the sequence's namespace.
	mia actor = "mia"
	// carl is a co-merchant who also reviews: merchant_role.yaml in the namespace and
	// reviewer_jewelry_role.yaml cluster-wide.
	carl actor = "carl"
	// rita reviews jewelry (reviewer_jewelry_role.yaml) and writes nothing else.
	rita actor = "rita"
	// oscar reviews another group: reviewer_jewelry_role.yaml with resourceNames [alcohol].
	oscar actor = "oscar"
	// gitops is a GitOps sync controller's ServiceAccount: merchant_role.yaml in the namespace,
	// as a platform binds the role that lets it apply applications and their Secrets.
	gitops actor = "system:serviceaccount:gitops:sync"
	// collector is the garbage collector's identity, which the listing policy lets remove
	// owner references (envtest runs no kube-controller-manager: the test does its work).
	collector actor = "system:serviceaccount:kube-system:generic-garbage-collector"
)

// writers may write applications and Secrets in the sequence's namespace.
var writers = []actor{mia, carl, gitops}

// deciders are everyone who tries to write a decision.
var deciders = []actor{rita, carl, oscar, mia, gitops}

const (
	group          = "jewelry"
	appName        = "gold"
	materials      = "gold-materials"
	notifySecret   = "gold-notify"
	reviewerSecret = "model-reviewers"
	extraKey       = "extra.jpg"
	filingKey      = "filing-letter.jpg"
)

// harness is the run's control plane and everything that outlives one sequence.
type harness struct {
	env      *testenv.Env
	admin    client.Client
	clients  map[actor]client.Client
	sink     *sink
	opts     manager.Options
	op       *testenv.Operator // nil while stopped
	webhooks bool              // the webhook configurations are installed
	saved    []client.Object   // the configurations envtest installed, to put back
	tracker  *tracker
	template *qualv1.CategoryApplication
	files    map[string][]byte // the sample's material files, content "v0"
	policy   *unstructured.Unstructured
	seq      atomic.Int64
}

func newHarness(ctx context.Context, env *testenv.Env) (*harness, error) {
	h := &harness{env: env, admin: env.Admin, clients: map[actor]client.Client{}, webhooks: true}
	if err := env.EnsureNamespace(ctx, testenv.OperatorNamespace); err != nil {
		return nil, err
	}
	if err := h.users(ctx); err != nil {
		return nil, err
	}
	if err := h.readSamples(); err != nil {
		return nil, err
	}
	h.sink = startSink()
	if err := h.admin.Create(ctx, h.sink.secret(testenv.OperatorNamespace, reviewerSecret, "reviewers")); err != nil {
		return nil, err
	}
	if err := h.saveWebhookConfigurations(ctx); err != nil {
		return nil, err
	}
	h.opts = managertest.Options(env)
	h.opts.SkipControllerNameValidation = true
	h.opts.ReviewerSinkSecret = reviewerSecret
	h.opts.NotifyOptions.Timeout = 2 * time.Second
	// The sink is plain http on 127.0.0.1, which a manager refuses by default.
	h.opts.NotifyOptions.AllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	h.opts.NotifyOptions.AllowInsecureHTTP = true
	if err := h.startManager(ctx); err != nil {
		return nil, err
	}
	if _, err := env.InstallPolicies(ctx, group); err != nil {
		return nil, err
	}
	p := &unstructured.Unstructured{}
	p.SetAPIVersion(qualv1.GroupVersion.String())
	p.SetKind("CategoryPolicy")
	if err := h.admin.Get(ctx, client.ObjectKey{Name: group}, p); err != nil {
		return nil, err
	}
	// Kept as shipped: name and spec, so that Apply can create or replace it.
	h.policy = &unstructured.Unstructured{Object: map[string]any{"apiVersion": p.GetAPIVersion(), "kind": p.GetKind(),
		"metadata": map[string]any{"name": p.GetName()}, "spec": p.Object["spec"]}}
	var err error
	if h.tracker, err = startTracker(ctx, env.AdminConfig); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *harness) close() {
	if h.tracker != nil {
		h.tracker.stop()
	}
	if h.op != nil {
		_ = h.op.Stop()
	}
	h.sink.close()
}

// users makes a client per actor and binds the cluster-wide roles; the namespaced merchant
// role is bound per sequence (namespace).
func (h *harness) users(ctx context.Context) error {
	groups := map[actor][]string{
		gitops:    {"system:serviceaccounts", "system:serviceaccounts:gitops"},
		collector: {"system:serviceaccounts", "system:serviceaccounts:kube-system"},
	}
	for _, a := range append(append([]actor{}, deciders...), collector) {
		cfg, err := h.env.UserConfig(string(a), groups[a]...)
		if err != nil {
			return err
		}
		if h.clients[a], err = client.New(cfg, client.Options{Scheme: testenv.Scheme}); err != nil {
			return err
		}
	}
	if err := h.env.BindClusterRole(ctx, "reviewer_jewelry_role.yaml", testenv.User(string(rita)), testenv.User(string(carl))); err != nil {
		return err
	}
	alcohol, err := testenv.ReadClusterRole("reviewer_jewelry_role.yaml")
	if err != nil {
		return err
	}
	alcohol.Name = "category-reviewer-alcohol"
	for i := range alcohol.Rules {
		if len(alcohol.Rules[i].ResourceNames) > 0 && alcohol.Rules[i].Resources[0] == "categorypolicies" {
			alcohol.Rules[i].ResourceNames = []string{"alcohol"}
		}
	}
	if err := h.env.Grant(ctx, alcohol, "", testenv.User(string(oscar))); err != nil {
		return err
	}
	// What the garbage collector may do to these objects (it may do anything in a cluster).
	gc := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "model-garbage-collector"}, Rules: []rbacv1.PolicyRule{{
		APIGroups: []string{qualv1.GroupVersion.Group}, Resources: []string{"categoryapplications", "showcaselistings"},
		Verbs: []string{"get", "list", "watch", "update", "patch", "delete"},
	}}}
	return h.env.Grant(ctx, gc, "", testenv.User(string(collector)))
}

// readSamples reads the sample application and its material Secret (config/samples): every
// sequence starts from them, with the Secret renamed and the sink pointed at the test's.
func (h *harness) readSamples() error {
	objs, err := testenv.ReadObjects(testenv.RepoPath("config", "samples", "03-categoryapplication.yaml"))
	if err != nil {
		return err
	}
	for _, u := range objs {
		if u.GetKind() != "CategoryApplication" {
			continue
		}
		app := &qualv1.CategoryApplication{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app); err != nil {
			return err
		}
		h.template = app
	}
	if h.template == nil {
		return errors.New("config/samples/03-categoryapplication.yaml has no CategoryApplication")
	}
	for i := range h.template.Spec.Materials {
		m := &h.template.Spec.Materials[i]
		for _, refs := range [][]qualv1.FileRef{m.Files, m.Recordings} {
			for j := range refs {
				if refs[j].SecretKeyRef != nil {
					refs[j].SecretKeyRef.Name = materials
				}
			}
		}
	}
	h.template.Spec.Notify = []qualv1.NotifyTarget{{SecretRef: qualv1.LocalObjectReference{Name: notifySecret}}}
	secrets, err := testenv.ReadObjects(testenv.RepoPath("config", "samples", "02-secrets.yaml"))
	if err != nil {
		return err
	}
	h.files = map[string][]byte{}
	for _, u := range secrets {
		if u.GetName() != "acme-gold-materials" {
			continue
		}
		data, _, _ := unstructured.NestedStringMap(u.Object, "data")
		for k, v := range data {
			if h.files[k], err = base64.StdEncoding.DecodeString(v); err != nil {
				return fmt.Errorf("config/samples/02-secrets.yaml, key %s: %w", k, err)
			}
		}
	}
	if len(h.files) == 0 {
		return errors.New("config/samples/02-secrets.yaml has no Secret acme-gold-materials")
	}
	return nil
}

// namespace makes a fresh namespace for one sequence: the merchant role bound to the writers,
// the material files and the merchant's sink Secret.
func (h *harness) namespace(ctx context.Context) (string, error) {
	ns := fmt.Sprintf("model-%d", h.seq.Add(1))
	if err := h.env.EnsureNamespace(ctx, ns); err != nil {
		return "", err
	}
	subjects := []rbacv1.Subject{testenv.User(string(mia)), testenv.User(string(carl)),
		{Kind: rbacv1.ServiceAccountKind, Name: "sync", Namespace: "gitops"}}
	if err := h.env.BindRoleInNamespace(ctx, "merchant_role.yaml", ns, subjects...); err != nil {
		return "", err
	}
	data := map[string][]byte{}
	for k, v := range h.files {
		data[k] = v
	}
	if err := h.admin.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: materials}, Data: data}); err != nil {
		return "", err
	}
	if err := h.admin.Create(ctx, h.sink.secret(ns, notifySecret, "merchant/"+ns)); err != nil {
		return "", err
	}
	return ns, h.waitForRBAC(ctx, ns)
}

// waitForRBAC waits until the API server's authorizer sees the new RoleBinding.
func (h *harness) waitForRBAC(ctx context.Context, ns string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: string(gitops), Groups: []string{"system:serviceaccounts", "system:serviceaccounts:gitops"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "create",
				Group: qualv1.GroupVersion.Group, Resource: "categoryapplications"},
		}}
		if err := h.admin.Create(ctx, sar); err != nil {
			return err
		}
		if sar.Status.Allowed {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the merchant role in %s was not in force after 10s", ns)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startManager starts the operator, serving the webhooks, as its own user.
func (h *harness) startManager(ctx context.Context) error {
	op, err := managertest.Start(ctx, h.env, h.opts)
	if err != nil {
		return err
	}
	h.op = op
	return nil
}

func (h *harness) stopManager() error {
	op := h.op
	h.op = nil
	return op.Stop()
}

func (h *harness) running() bool { return h.op != nil }

// saveWebhookConfigurations keeps what envtest installed (with its CA bundle), so that
// restoreWebhooks can put it back as it was.
func (h *harness) saveWebhookConfigurations(ctx context.Context) error {
	var vw admissionregistrationv1.ValidatingWebhookConfigurationList
	var mw admissionregistrationv1.MutatingWebhookConfigurationList
	if err := h.admin.List(ctx, &vw); err != nil {
		return err
	}
	if err := h.admin.List(ctx, &mw); err != nil {
		return err
	}
	if len(vw.Items) == 0 || len(mw.Items) == 0 {
		return errors.New("envtest installed no webhook configurations")
	}
	// Mutating first: restoring them first and removing them last, the validating probe that
	// waits for the change cannot see it before the mutating one happened.
	for i := range mw.Items {
		h.saved = append(h.saved, &mw.Items[i])
	}
	for i := range vw.Items {
		h.saved = append(h.saved, &vw.Items[i])
	}
	for _, o := range h.saved {
		o.SetResourceVersion("")
		o.SetUID("")
		o.SetCreationTimestamp(metav1.Time{})
		o.SetManagedFields(nil)
		o.SetGeneration(0)
	}
	return nil
}

// removeWebhooks deletes both webhook configurations, as someone who deleted them (or a broken
// install) would: only the admission policies enforce, and waits until the API server stops
// calling the webhooks.
func (h *harness) removeWebhooks(ctx context.Context) error {
	for i := len(h.saved) - 1; i >= 0; i-- {
		if err := h.admin.Delete(ctx, h.saved[i].DeepCopyObject().(client.Object)); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	h.webhooks = false
	return h.waitForWebhooks(ctx, false)
}

// restoreWebhooks puts the configurations back and waits until the API server calls them.
func (h *harness) restoreWebhooks(ctx context.Context) error {
	for _, o := range h.saved {
		if err := h.admin.Create(ctx, o.DeepCopyObject().(client.Object)); err != nil {
			return err
		}
	}
	h.webhooks = true
	return h.waitForWebhooks(ctx, true)
}

// waitForWebhooks waits until the API server calls the policy webhook (called) or no longer
// does: a policy whose custom rule does not compile is refused by that webhook only. While the
// manager is stopped, a call shows as the webhook failing to answer.
func (h *harness) waitForWebhooks(ctx context.Context, called bool) error {
	probe := &unstructured.Unstructured{}
	probe.SetAPIVersion(qualv1.GroupVersion.String())
	probe.SetKind("CategoryPolicy")
	probe.SetName("model-webhook-probe")
	probe.Object["spec"] = map[string]any{
		"displayName": "probe", "subcategories": []any{map[string]any{"id": "a", "displayName": "a"}},
		"rules": []any{map[string]any{"id": "broken", "expression": "object.spec.(", "message": "m"}},
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := h.admin.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		switch {
		case !called && err == nil:
			return nil
		case called && err != nil && (!h.running() || !strings.Contains(err.Error(), "failed calling webhook")):
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for the API server to %s the webhooks: last answer %v", map[bool]string{true: "call", false: "stop calling"}[called], err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// setPolicy tightens the jewelry policy (every store must be a physical one, which the sample's
// office photos are not) or puts the shipped one back.
func (h *harness) setPolicy(ctx context.Context, tight bool) error {
	p := h.policy.DeepCopy()
	if tight {
		if err := unstructured.SetNestedField(p.Object, "StoreRequired", "spec", "storeProof"); err != nil {
			return err
		}
	}
	return h.env.Apply(ctx, p)
}

// sink receives every notification, merchants' and reviewers'. down makes it answer 503, as a
// merchant's receiver that is down would.
type sink struct {
	srv  *httptest.Server
	down atomic.Bool
	hits atomic.Int64
}

func startSink() *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if s.down.Load() && strings.HasPrefix(r.URL.Path, "/merchant/") {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return s
}

func (s *sink) secret(ns, name, path string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		StringData: map[string]string{"address": s.srv.URL + "/" + path, "format": "generic"}}
}

func (s *sink) close() { s.srv.Close() }
