package controllers_test

import (
	"context"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// sampleApp returns the valid jewelry application of config/samples, in ns, for appID.
func sampleApp(t *testing.T, ns, name, appID, level2 string) *qualv1.CategoryApplication {
	t.Helper()
	app := fixture.SampleApp(t, ns, name, appID)
	app.Spec.Category.Level2 = level2
	return app
}

// sampleSecrets creates the sample's Secrets in ns.
func sampleSecrets(t *testing.T, ns string) {
	t.Helper()
	shared().Secrets(t, ns)
}

// userClient returns a client authenticating as a new user.
func userClient(t *testing.T, name string, groups ...string) client.Client {
	t.Helper()
	return shared().Client(t, name, groups...)
}

// The shipped roles and policies are installed as the admission suites install them
// (test/fixture over internal/testenv), so every suite meets what an administrator binds.

// shared is test/fixture on this suite's control plane.
func shared() *fixture.Fixture { return &fixture.Fixture{Env: env} }

// bindClusterRole binds a shipped ClusterRole of config/rbac to a user cluster-wide.
func bindClusterRole(t *testing.T, file, user string) { shared().ClusterRole(t, file, user) }

// bindMerchant lets a user act as a merchant in one namespace (config/rbac/merchant_role.yaml).
func bindMerchant(t *testing.T, ns, user string) { shared().Merchant(t, ns, user) }

// shippedRole reads a ClusterRole of config/rbac, for a test that derives another from it.
var shippedRole = fixture.ShippedRole

// decide writes status.decision as the given client, the way `kubectl category` does.
// A conflict means the operator wrote status meanwhile: re-read and retry, as the plugin does.
func decide(c client.Client, app *qualv1.CategoryApplication, d qualv1.Decision) error {
	return retry.RetryOnConflict(fixture.PatientBackoff, func() error {
		if err := admin.Get(context.Background(), client.ObjectKeyFromObject(app), app); err != nil {
			return err
		}
		before := app.DeepCopy()
		if d.MaterialsDigest == "" && d.Verdict == qualv1.VerdictApproved {
			d.MaterialsDigest = app.Status.MaterialsDigest // what `kubectl category approve` sends
		}
		app.Status.Decision = &d
		return c.Status().Patch(context.Background(), app, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
}

// waitPhase waits for a phase and returns the application.
func waitPhase(g Gomega, ns, name string, phase qualv1.ApplicationPhase) *qualv1.CategoryApplication {
	var app *qualv1.CategoryApplication
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, name)
		g.Expect(app.Status.ObservedGeneration).To(Equal(app.Generation))
		g.Expect(app.Status.Phase).To(Equal(phase), "conditions: %v findings: %v", app.Status.Conditions, app.Status.Findings)
	}).Should(Succeed())
	return app
}

func condition(app *qualv1.CategoryApplication, t string) metav1.Condition {
	if c := meta.FindStatusCondition(app.Status.Conditions, t); c != nil {
		return *c
	}
	return metav1.Condition{Type: t, Status: "Absent"}
}

// events lists the Kubernetes events about an object, by reason.
func events(g Gomega, ns, name string) map[string]int {
	var list corev1.EventList
	g.Expect(admin.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	out := map[string]int{}
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name {
			out[e.Reason]++
		}
	}
	return out
}

var appSeq int

// nextAppID returns a fresh AppID so tests never collide on D1.
func nextAppID() string {
	appSeq++
	return fmt.Sprintf("wx%016x", 0xabc000+appSeq)
}

// jewelryCopy is the shipped jewelry policy under another name, edited, so a test may change
// its rules without touching other tests.
func jewelryCopy(t *testing.T, name string, edit func(spec map[string]any)) *unstructured.Unstructured {
	t.Helper()
	p := readObjects(t, repoPath("config", "policies", "jewelry.yaml"))[0]
	p.SetName(name)
	if edit != nil {
		edit(p.Object["spec"].(map[string]any))
	}
	return p
}

// createJewelryCopy creates jewelryCopy for the duration of the test.
func createJewelryCopy(t *testing.T, name string, edit func(spec map[string]any)) *unstructured.Unstructured {
	t.Helper()
	p := jewelryCopy(t, name, edit)
	if err := admin.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Delete(context.Background(), p) })
	return p
}

// merchantSink points the sample's notification Secret (acme-notify) in ns at a new test sink,
// on loopback, in a namespace the platform lets reach it.
func merchantSink(t *testing.T, ns, token string) *sink {
	t.Helper()
	s := newSink(t, token)
	ctx := context.Background()
	if err := admin.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-notify"}}); err != nil {
		t.Fatal(err)
	}
	if err := admin.Create(ctx, s.secret(ns, "acme-notify")); err != nil {
		t.Fatal(err)
	}
	allowLocalSinks(t, ns)
	return s
}

// allowLocalSinks labels ns as the platform labels a namespace whose sinks may reach
// --sink-allowed-cidrs: the test receivers on loopback.
func allowLocalSinks(t *testing.T, ns string) {
	t.Helper()
	if err := env.AllowLocalSinks(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
}
