package controllers_test

import (
	"bufio"
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

const reviewerSinkSecret = "reviewer-sink"

// metricsAddr is where the test manager serves metrics: a port free when the suite starts, so
// parallel runs on one machine do not collide (every restarted manager reuses it).
var metricsAddr = freeAddr()

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// readObjects decodes every document of a YAML file into unstructured objects.
var readObjects = fixture.ReadObjects

// expectations reads the "# expect: <substring>" lines of an invalid sample.
func expectations(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "# expect:"); ok {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	return out
}

// applyAll creates or updates every object of a file as admin.
func applyAll(t *testing.T, path string) {
	t.Helper()
	for _, u := range readObjects(t, path) {
		if err := env.Apply(context.Background(), u); err != nil {
			t.Fatalf("applying %s %s from %s: %v", u.GetKind(), u.GetName(), path, err)
		}
	}
}

// ensurePolicies installs the shipped policies (config/policies/kustomization.yaml), or puts
// back a shipped one that a test edited.
func ensurePolicies(t *testing.T) { shared().Policies(t) }

// getApp fetches an application and checks its status against kstatus and the README.
func getApp(g Gomega, ns, name string) *qualv1.CategoryApplication {
	app := &qualv1.CategoryApplication{}
	g.Expect(admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app)).To(Succeed())
	checkHealth(g, app) // every object a test reads: kstatus' rules and the README's health table
	return app
}

// eventually is Eventually with the timeouts a reconcile against a real API server needs.
func eventually(g Gomega, f any) AsyncAssertion {
	return g.Eventually(f).WithTimeout(20 * time.Second).WithPolling(50 * time.Millisecond)
}

// newNamespace makes a namespace for one test.
func newNamespace(t *testing.T, name string) string {
	t.Helper()
	if err := env.EnsureNamespace(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	return name
}
