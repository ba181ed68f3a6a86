package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// modulePath is what the repository root's go.mod declares; the tools modules under hack/ have
// go.mod files of their own, which the search must pass over.
const modulePath = "github.com/channelshop/category-operator"

// RepoRoot returns the repository root: the nearest folder, from the working directory up,
// whose go.mod declares this module. `go test` runs in the package's folder and the hack/
// programs run from the root, so both find it. Source file paths (runtime.Caller) cannot be
// used: `make` builds with -trimpath, which leaves only module-relative paths.
func RepoRoot() string { return repoRoot() }

var repoRoot = sync.OnceValue(func() string {
	wd, err := os.Getwd()
	if err == nil {
		var root string
		if root, err = findRepoRoot(wd); err == nil {
			return root
		}
	}
	panic(fmt.Sprintf("testenv: finding the repository root: %v", err))
})

func findRepoRoot(from string) (string, error) {
	for dir := from; ; dir = filepath.Dir(dir) {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no folder from %s up has the go.mod of %s: run from inside the repository", from, modulePath)
		}
	}
}

// declaresModule reports whether the go.mod file at path declares modulePath.
func declaresModule(path string) bool {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(raw)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == modulePath
		}
	}
	return false
}

// RepoPath joins parts under the repository root: RepoPath("config", "rbac", "role.yaml").
func RepoPath(parts ...string) string {
	return filepath.Join(append([]string{RepoRoot()}, parts...)...)
}

// ReadObjects decodes every object of a YAML (or JSON) file, skipping empty documents.
func ReadObjects(path string) ([]*unstructured.Unstructured, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %w", relative(path), err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// readFile decodes the single object of a repository file into out. strict refuses unknown
// fields, so a typo in a shipped manifest fails here rather than being dropped silently; a
// kustomization is read loosely, since only some of its fields matter here.
func readFile(out any, strict bool, parts ...string) error {
	path := RepoPath(parts...)
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	unmarshal := yaml.Unmarshal
	if strict {
		unmarshal = yaml.UnmarshalStrict
	}
	if err := unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: %w", relative(path), err)
	}
	return nil
}

// kustomizationResources returns the files a kustomization.yaml lists under resources, in
// order: the set `kubectl apply -k` installs, which need not be every file of the folder.
func kustomizationResources(dir ...string) ([]string, error) {
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := readFile(&k, false, append(dir, "kustomization.yaml")...); err != nil {
		return nil, err
	}
	if len(k.Resources) == 0 {
		return nil, fmt.Errorf("%s lists no resources", relative(RepoPath(append(dir, "kustomization.yaml")...)))
	}
	return k.Resources, nil
}

// relative names a repository file from the root, for messages.
func relative(path string) string {
	if rel, err := filepath.Rel(RepoRoot(), path); err == nil && !filepath.IsAbs(rel) && rel[0] != '.' {
		return rel
	}
	return path
}
