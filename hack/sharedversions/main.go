// Command sharedversions (`make verify-shared-versions`) fails when a module under hack/ (the
// tools: kube-apiserver, etcd, helm, controller-gen...) uses another version of a module than
// the root go.mod does. Go's build cache is keyed by module version, so one such difference
// (say golang.org/x/net) makes a first `make test` compile that module, and every package
// importing it, twice: once for the tests and once for the tool.
//
// A tool that cannot build with go.mod's version is listed in exceptions, with the reason; an
// exception that no longer applies is an error too, so the list stays true.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// exceptions: tools module folder -> module path -> why it keeps its own version.
var exceptions = map[string]map[string]string{
	"hack/tools/promql": {
		// prometheus v0.316.0 imports otelhttp, which needs go.opentelemetry.io/otel/semconv/v1.43.0:
		// otel v1.44.0 (go.mod's) has no such package.
		"go.opentelemetry.io/otel":        "prometheus v0.316.0 needs otel >= v1.47.0 (semconv/v1.43.0)",
		"go.opentelemetry.io/otel/metric": "goes with go.opentelemetry.io/otel",
		"go.opentelemetry.io/otel/trace":  "goes with go.opentelemetry.io/otel",
	},
}

func main() {
	root := flag.String("root", ".", "The repository root (its go.mod is the reference).")
	flag.Parse()
	summary, problems, err := check(*root, exceptions)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sharedversions:", err)
		os.Exit(2)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		fmt.Fprintln(os.Stderr, "Require (or replace to) go.mod's version in the tools module and `go mod tidy` there; if the tool cannot build with it, add an exception with the reason in hack/sharedversions/main.go.")
		os.Exit(1)
	}
	fmt.Println(summary)
}

// check compares every go.mod under root/hack with root/go.mod. It returns a one-line summary,
// and one line per version difference not excepted and per exception that no longer applies.
func check(root string, exceptions map[string]map[string]string) (string, []string, error) {
	mainMod, err := readGoMod(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", nil, err
	}
	tools, err := toolsModules(root)
	if err != nil {
		return "", nil, err
	}
	for dir := range exceptions {
		if !slices.Contains(tools, dir) {
			return "", nil, fmt.Errorf("exceptions name %s, which has no go.mod", dir)
		}
	}
	var problems, counts []string
	excepted := 0
	for _, dir := range tools {
		tool, err := readGoMod(filepath.Join(root, dir, "go.mod"))
		if err != nil {
			return "", nil, err
		}
		shared := 0
		differs := map[string]bool{}
		for _, path := range slices.Sorted(maps.Keys(tool.require)) {
			want, ok := mainMod.version(path)
			if !ok {
				continue
			}
			shared++
			got, _ := tool.version(path)
			if got == want {
				continue
			}
			differs[path] = true
			if _, ok := exceptions[dir][path]; ok {
				excepted++
				continue
			}
			problems = append(problems, fmt.Sprintf("%s/go.mod: %s %s, but go.mod has %s", dir, path, got, want))
		}
		for _, path := range slices.Sorted(maps.Keys(exceptions[dir])) {
			if !differs[path] {
				problems = append(problems, fmt.Sprintf("%s: the exception for %s is no longer needed (same version as go.mod, or not shared): remove it from hack/sharedversions/main.go", dir, path))
			}
		}
		counts = append(counts, fmt.Sprintf("%s %d", strings.TrimPrefix(dir, "hack/"), shared))
	}
	summary := fmt.Sprintf("tools modules use go.mod's versions of the modules they share with it (%s); %d listed exceptions", strings.Join(counts, ", "), excepted)
	return summary, problems, nil
}

// toolsModules lists the folders under root/hack that hold a go.mod, relative to root.
func toolsModules(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(filepath.Join(root, "hack"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			dirs = append(dirs, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

type goMod struct {
	require map[string]string      // module path -> version
	replace map[string]replacement // module path -> replacement
}

type replacement struct {
	oldVersion string // "": every version
	path       string
	version    string // "": a local folder
}

// version is the version of path the build uses: the required one, or its replacement.
func (m goMod) version(path string) (string, bool) {
	v, ok := m.require[path]
	if !ok {
		return "", false
	}
	if r, ok := m.replace[path]; ok && (r.oldVersion == "" || r.oldVersion == v) {
		switch {
		case r.version == "":
			return "folder " + r.path, true
		case r.path != path:
			return r.path + "@" + r.version, true
		default:
			return r.version, true
		}
	}
	return v, true
}

// readGoMod reads the require and replace directives of a go.mod file: one per line, alone or
// in a block, as `go mod tidy` and `go mod edit` write them.
func readGoMod(file string) (goMod, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return goMod{}, err
	}
	m := goMod{require: map[string]string{}, replace: map[string]replacement{}}
	block := ""
	for n, line := range strings.Split(string(raw), "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		for i := range f {
			f[i] = strings.Trim(f[i], "\"`")
		}
		if len(f) == 0 {
			continue
		}
		verb := block
		switch {
		case block != "" && f[0] == ")":
			block = ""
			continue
		case block == "" && len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case block == "":
			verb, f = f[0], f[1:]
		}
		bad := func() (goMod, error) {
			return goMod{}, fmt.Errorf("%s:%d: cannot read this %s line", file, n+1, verb)
		}
		switch verb {
		case "require":
			if len(f) != 2 {
				return bad()
			}
			m.require[f[0]] = f[1]
		case "replace":
			arrow := slices.Index(f, "=>")
			if arrow < 1 || arrow > 2 || len(f)-arrow-1 < 1 || len(f)-arrow-1 > 2 {
				return bad()
			}
			r := replacement{path: f[arrow+1]}
			if arrow == 2 {
				r.oldVersion = f[1]
			}
			if len(f)-arrow-1 == 2 {
				r.version = f[arrow+2]
			}
			m.replace[f[0]] = r
		}
	}
	return m, nil
}
