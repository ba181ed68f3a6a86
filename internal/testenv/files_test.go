package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// The root is found from the working directory, passing over the tools modules' own go.mod
// files, so it works in binaries built with -trimpath.
func TestFindRepoRoot(t *testing.T) {
	wd, err := os.Getwd() // internal/testenv
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Dir(filepath.Dir(wd))
	for _, from := range []string{wd, want, filepath.Join(want, "hack", "tools", "k8s")} {
		got, err := findRepoRoot(from)
		if err != nil || got != want {
			t.Errorf("findRepoRoot(%s) = %q, %v; want %q", from, got, err, want)
		}
	}
	if got, err := findRepoRoot(t.TempDir()); err == nil {
		t.Errorf("findRepoRoot outside the repository = %q, want an error", got)
	}
	if got := RepoRoot(); got != want {
		t.Errorf("RepoRoot() = %q, want %q", got, want)
	}
}
