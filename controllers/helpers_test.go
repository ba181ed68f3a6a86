package controllers_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
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
func readObjects(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", path, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

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

// applyAll creates or updates every object of a file as the given client.
func applyAll(t *testing.T, c client.Client, path string) {
	t.Helper()
	ctx := context.Background()
	for _, u := range readObjects(t, path) {
		err := c.Create(ctx, u)
		if apierrors.IsAlreadyExists(err) {
			cur := &unstructured.Unstructured{}
			cur.SetGroupVersionKind(u.GroupVersionKind())
			if err := c.Get(ctx, client.ObjectKeyFromObject(u), cur); err != nil {
				t.Fatal(err)
			}
			u.SetResourceVersion(cur.GetResourceVersion())
			err = c.Update(ctx, u)
		}
		if err != nil {
			t.Fatalf("applying %s %s from %s: %v", u.GetKind(), u.GetName(), path, err)
		}
	}
}

// ensurePolicies installs the shipped policies (config/policies) once.
func ensurePolicies(t *testing.T) {
	t.Helper()
	files, err := os.ReadDir(repoPath("config", "policies"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".yaml") && f.Name() != "kustomization.yaml" {
			applyAll(t, admin, repoPath("config", "policies", f.Name()))
		}
	}
}

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

func runtimeConvert(in map[string]any, out any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(in, out)
}
