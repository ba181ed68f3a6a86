package main

import (
	_ "embed"
	"fmt"
	"os"
	"path"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

//go:embed krew.yaml.tmpl
var manifestTemplate string

// built is one archive as the krew manifest lists it.
type built struct {
	OS, Arch, URI, SHA256, Bin string
}

func writeManifest(file, version, toolchain string, archives []built) error {
	b, err := renderManifest(version, toolchain, archives)
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

func renderManifest(version, toolchain string, archives []built) ([]byte, error) {
	t, err := template.New("krew").Parse(manifestTemplate)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := t.Execute(&b, map[string]any{"Version": version, "Toolchain": toolchain, "Platforms": archives}); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// manifest is the part of a krew Plugin that names the archives.
type manifest struct {
	Spec struct {
		Version   string `json:"version"`
		Platforms []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// verifyManifest checks that file lists exactly these archives for their platforms: same
// version, same file name, same sha256. A difference means the committed manifest is stale (or
// the build is not reproducible), and the message says how to fix it.
func verifyManifest(file, version, toolchain string, archives []built) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fix := fmt.Sprintf("run `make dist` (it uses %s) and commit %s", toolchain, file)
	if m.Spec.Version != version {
		return fmt.Errorf("%s: spec.version is %q, VERSION is %q: %s", file, m.Spec.Version, version, fix)
	}
	for _, a := range archives {
		found := false
		for i, p := range m.Spec.Platforms {
			if p.Selector.MatchLabels["os"] != a.OS || p.Selector.MatchLabels["arch"] != a.Arch {
				continue
			}
			found = true
			if path.Base(p.URI) != path.Base(a.URI) {
				return fmt.Errorf("%s: spec.platforms[%d].uri names %s, the archive is %s: %s", file, i, path.Base(p.URI), path.Base(a.URI), fix)
			}
			if p.SHA256 != a.SHA256 {
				return fmt.Errorf("%s: spec.platforms[%d].sha256 is %s, but this tree's %s/%s archive has sha256 %s: %s",
					file, i, p.SHA256, a.OS, a.Arch, a.SHA256, fix)
			}
		}
		if !found {
			return fmt.Errorf("%s: no spec.platforms entry for %s/%s: %s", file, a.OS, a.Arch, fix)
		}
	}
	// The rest of the file is the template's: rendered again from the file's own platforms, it
	// must come out byte for byte (no hand edits, no template change left unapplied).
	var listed []built
	for _, p := range m.Spec.Platforms {
		listed = append(listed, built{OS: p.Selector.MatchLabels["os"], Arch: p.Selector.MatchLabels["arch"], URI: p.URI, SHA256: p.SHA256, Bin: p.Bin})
	}
	want, err := renderManifest(version, toolchain, listed)
	if err != nil {
		return err
	}
	if string(want) != string(raw) {
		return fmt.Errorf("%s differs from what hack/dist/krew.yaml.tmpl gives for its archives: %s", file, fix)
	}
	return nil
}
