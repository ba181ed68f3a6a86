package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const rootGoMod = `module example.com/root

go 1.26.0

require (
	golang.org/x/net v0.59.0
	k8s.io/api v0.37.2 // indirect
)

require golang.org/x/sys v0.48.0 // indirect
`

func write(t *testing.T, root, file, content string) {
	t.Helper()
	path := filepath.Join(root, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name       string
		toolGoMod  string
		exceptions map[string]map[string]string
		want       []string // substrings, one per problem
	}{{
		name: "aligned, and modules only the tool uses are free",
		toolGoMod: `module example.com/root/hack/tools/a
require (
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	helm.sh/helm/v3 v3.22.0 // indirect
)`,
	}, {
		name: "a difference names the module and both versions",
		toolGoMod: `module example.com/root/hack/tools/a
require golang.org/x/net v0.57.0
require (
	k8s.io/api v0.37.0 // indirect
)`,
		want: []string{"hack/tools/a/go.mod: golang.org/x/net v0.57.0, but go.mod has v0.59.0", "k8s.io/api v0.37.0, but go.mod has v0.37.2"},
	}, {
		name: "a replace to go.mod's version aligns",
		toolGoMod: `module example.com/root/hack/tools/a
require golang.org/x/net v0.61.0
replace golang.org/x/net => golang.org/x/net v0.59.0
replace (
	k8s.io/api v0.0.0 => k8s.io/api v0.37.2
)
require k8s.io/api v0.0.0`,
	}, {
		name: "a replace to another version or a folder does not",
		toolGoMod: `module example.com/root/hack/tools/a
require golang.org/x/net v0.59.0
replace golang.org/x/net => golang.org/x/net v0.61.0
require k8s.io/api v0.37.2
replace k8s.io/api => ../api`,
		want: []string{"golang.org/x/net v0.61.0, but", "k8s.io/api folder ../api, but"},
	}, {
		name:       "an exception excuses a difference",
		toolGoMod:  "module example.com/root/hack/tools/a\nrequire golang.org/x/net v0.61.0\n",
		exceptions: map[string]map[string]string{"hack/tools/a": {"golang.org/x/net": "needs newer"}},
	}, {
		name:       "an exception that no longer applies fails",
		toolGoMod:  "module example.com/root/hack/tools/a\nrequire golang.org/x/net v0.59.0\n",
		exceptions: map[string]map[string]string{"hack/tools/a": {"golang.org/x/net": "needs newer", "example.com/gone": "?"}},
		want:       []string{"exception for example.com/gone is no longer needed", "exception for golang.org/x/net is no longer needed"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, "go.mod", rootGoMod)
			write(t, root, "hack/tools/a/go.mod", tc.toolGoMod)
			_, problems, err := check(root, tc.exceptions)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != len(tc.want) {
				t.Fatalf("problems %q, want %d matching %q", problems, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(problems[i], w) {
					t.Errorf("problem %q, want it to contain %q", problems[i], w)
				}
			}
		})
	}
}

func TestCheckFindsEveryToolsModule(t *testing.T) {
	root := t.TempDir()
	write(t, root, "go.mod", rootGoMod)
	write(t, root, "hack/tools/a/go.mod", "module a\nrequire golang.org/x/net v0.1.0\n")
	write(t, root, "hack/image/go.mod", "module b\nrequire golang.org/x/sys v0.1.0\n")
	write(t, root, "hack/tools/a/testdata/go.mod", "module c\nrequire golang.org/x/sys v0.1.0\n")
	_, problems, err := check(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"hack/image/go.mod: golang.org/x/sys v0.1.0, but go.mod has v0.48.0", "hack/tools/a/go.mod: golang.org/x/net v0.1.0, but go.mod has v0.59.0"}
	if !slices.Equal(problems, want) {
		t.Errorf("problems %q, want %q", problems, want)
	}
	if _, _, err := check(root, map[string]map[string]string{"hack/tools/nope": {"x": "y"}}); err == nil {
		t.Error("an exception for a folder without go.mod was accepted")
	}
}

// The repository itself passes: what `make verify-shared-versions` runs.
func TestRepository(t *testing.T) {
	summary, problems, err := check(filepath.Join("..", ".."), exceptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("%s", strings.Join(problems, "\n"))
	}
	t.Log(summary)
}
