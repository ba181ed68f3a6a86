// Command dist builds the release archives of the kubectl plugin (kubectl-category and LICENSE;
// tar.gz for linux and darwin, zip for windows) and the krew manifest plugins/category.yaml
// that lists their sha256. The archives are reproducible: the same sources, version and Go
// toolchain give the same bytes, so `make test` can rebuild one and compare it with the
// committed manifest (-verify).
//
//	go run ./hack/dist -version v0.1.0                     # all platforms, writes the manifest
//	go run ./hack/dist -platforms linux/amd64 -verify ...  # one archive, checked against it
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

func main() {
	var (
		version    = flag.String("version", "", "Release version, e.g. v0.1.0 (archive names, manifest, `--version`).")
		platforms  = flag.String("platforms", "all", "Comma-separated GOOS/GOARCH list, or all.")
		out        = flag.String("out", "dist", "Folder for the archives and their checksums file.")
		manifest   = flag.String("manifest", "plugins/category.yaml", "The krew manifest: written when all platforms are built, read with -verify.")
		verify     = flag.Bool("verify", false, "Compare the archives with -manifest instead of writing it.")
		releaseURL = flag.String("release-url", "https://github.com/channelshop/category-operator/releases/download", "Base of the archives' download URLs (then /<version>/<archive>).")
	)
	flag.Parse()
	if err := run(*version, *platforms, *out, *manifest, *verify, *releaseURL); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(version, platformList, out, manifestFile string, verify bool, releaseURL string) error {
	if !strings.HasPrefix(version, "v") {
		return fmt.Errorf("-version %q: want a tag such as v0.1.0", version)
	}
	ps, err := parsePlatforms(platformList)
	if err != nil {
		return err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	license, err := os.ReadFile("LICENSE")
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "kubectl-category-dist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	// The toolchain is part of the archives' identity; GOTOOLCHAIN (set by `make dist`) makes
	// this program and the builds it runs the same release.
	toolchain := runtime.Version()
	var archives []built
	var sums strings.Builder
	for _, p := range ps {
		bin, err := buildBinary(".", p, version, tmp)
		if err != nil {
			return err
		}
		members := []member{{name: p.binary(), mode: 0o755, body: bin}, {name: "LICENSE", mode: 0o644, body: license}}
		pack := tarGz
		if p.os == "windows" {
			pack = zipArchive
		}
		data, err := pack(members)
		if err != nil {
			return err
		}
		name := p.archiveName(version)
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		a := built{OS: p.os, Arch: p.arch, URI: releaseURL + "/" + version + "/" + name, SHA256: hex.EncodeToString(sum[:]), Bin: p.binary()}
		archives = append(archives, a)
		fmt.Fprintf(&sums, "%s  %s\n", a.SHA256, name)
		fmt.Printf("%s  %s (%.1f MiB)\n", a.SHA256, filepath.Join(out, name), float64(len(data))/(1<<20))
	}

	if verify {
		if err := verifyManifest(manifestFile, version, toolchain, archives); err != nil {
			return err
		}
		fmt.Printf("%s matches the archives built here (%s)\n", manifestFile, toolchain)
		return nil
	}
	if len(ps) != len(allPlatforms) {
		fmt.Printf("%d of %d platforms built: %s not written\n", len(ps), len(allPlatforms), manifestFile)
		return nil
	}
	if err := os.WriteFile(filepath.Join(out, "kubectl-category_"+version+"_checksums.txt"), []byte(sums.String()), 0o644); err != nil {
		return err
	}
	if err := writeManifest(manifestFile, version, toolchain, archives); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%s)\n", manifestFile, toolchain)
	return nil
}
