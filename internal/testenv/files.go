package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// RepoRoot returns the repository root (found from this file's location).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
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
