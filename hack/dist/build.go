package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// platform is one GOOS/GOARCH the plugin is released for.
type platform struct{ os, arch string }

func (p platform) String() string { return p.os + "/" + p.arch }

func (p platform) binary() string {
	if p.os == "windows" {
		return "kubectl-category.exe"
	}
	return "kubectl-category"
}

func (p platform) archiveName(version string) string {
	ext := ".tar.gz"
	if p.os == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("kubectl-category_%s_%s_%s%s", version, p.os, p.arch, ext)
}

// allPlatforms are what krew users run kubectl on.
var allPlatforms = []platform{
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"linux", "amd64"}, {"linux", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

func parsePlatforms(s string) ([]platform, error) {
	if s == "" || s == "all" {
		return allPlatforms, nil
	}
	var out []platform
	for _, f := range strings.Split(s, ",") {
		found := false
		for _, p := range allPlatforms {
			if p.String() == strings.TrimSpace(f) {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("-platforms: %q is not one of %v", f, allPlatforms)
		}
	}
	return out, nil
}

// buildBinary cross-compiles the plugin. The environment is set in full for what changes the
// output (cgo off, default GOAMD64/GOARM64, no GOFLAGS or experiments from the caller), so the
// binary depends only on the sources, the version and the toolchain.
func buildBinary(root string, p platform, version, dir string) ([]byte, error) {
	out := filepath.Join(dir, p.os+"-"+p.arch, p.binary())
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -X "+versionVar+"="+version, "-o", out, "./cmd/kubectl-category")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0", "GOOS="+p.os, "GOARCH="+p.arch,
		"GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=", "GOEXPERIMENT=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build for %s: %w", p, err)
	}
	return os.ReadFile(out)
}

func fileMode(m int64) fs.FileMode { return fs.FileMode(m) }

// versionVar is the plugin's `--version` string.
const versionVar = "github.com/channelshop/category-operator/cmd/kubectl-category/internal/cmd.Version"
