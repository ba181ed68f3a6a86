// Package install tests the operator as it is installed: the Helm chart (dist/chart) against the
// kustomize install (config/default), and the rendered chart applied to a real API server with
// the manager binary running as the chart's service account.
package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/channelshop/category-operator/internal/testenv"
)

// namespace and release are what the kustomize install uses; the chart rendered with them must
// produce the same resources.
const (
	namespace = "category-operator-system"
	release   = "category-operator"
)

func repoRoot() string { return testenv.RepoRoot() }

// helmBinary is $HELM (set by make test) or the pinned helm built by hack/helm.sh into bin/.
func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	out, err := exec.Command(filepath.Join(repoRoot(), "hack", "helm.sh")).Output()
	if err != nil {
		t.Fatalf("building helm with hack/helm.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// renderChart runs `helm template` on dist/chart with the given --set flags.
func renderChart(t *testing.T, sets ...string) []*unstructured.Unstructured {
	t.Helper()
	args := []string{"template", release, filepath.Join(repoRoot(), "dist", "chart"), "--namespace", namespace}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(helmBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	objs, err := decode(out)
	if err != nil {
		t.Fatalf("decoding helm template output: %v", err)
	}
	return objs
}

// renderKustomize builds a kustomization of config/ (as `kubectl kustomize` does).
func renderKustomize(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	resMap, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(repoRoot(), "config", dir))
	if err != nil {
		t.Fatalf("kustomize build config/%s: %v", dir, err)
	}
	out, err := resMap.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decode(out)
	if err != nil {
		t.Fatalf("decoding config/%s: %v", dir, err)
	}
	return objs
}

func decode(data []byte) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	d := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(u.Object) > 0 {
			objs = append(objs, u)
		}
	}
}

// key names an object the way both renderings must agree on.
func key(u *unstructured.Unstructured) string {
	return fmt.Sprintf("%s %s/%s", u.GetKind(), u.GetNamespace(), u.GetName())
}

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}
