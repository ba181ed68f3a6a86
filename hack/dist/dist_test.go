package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testMembers(bin string) []member {
	return []member{{name: "kubectl-category", mode: 0o755, body: []byte(bin)}, {name: "LICENSE", mode: 0o644, body: []byte("Apache")}}
}

func TestArchivesAreReproducible(t *testing.T) {
	for name, pack := range map[string]func([]member) ([]byte, error){"tar.gz": tarGz, "zip": zipArchive} {
		a, err := pack(testMembers("binary"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pack(testMembers("binary"))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two archives of the same files differ", name)
		}
		c, _ := pack(testMembers("binary2"))
		if bytes.Equal(a, c) {
			t.Errorf("%s: archives of different files are equal", name)
		}
	}
}

// Nothing of the build machine ends up in a tar.gz: owners, names, times are fixed.
func TestTarGzHasFixedMetadata(t *testing.T) {
	data, err := tarGz(testMembers("binary"))
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !gz.ModTime.IsZero() || gz.Name != "" {
		t.Errorf("gzip header has time %s, name %q; want neither", gz.ModTime, gz.Name)
	}
	tr := tar.NewReader(gz)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(archiveTime) {
			t.Errorf("%s: uid %d gid %d uname %q gname %q mtime %s", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
		if want := map[string]int64{"kubectl-category": 0o755, "LICENSE": 0o644}[h.Name]; h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	if strings.Join(got, ",") != "kubectl-category,LICENSE" {
		t.Errorf("members %v", got)
	}
}

func TestZipKeepsExecutableModeAndFixedTime(t *testing.T) {
	data, err := zipArchive(testMembers("binary"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 2 {
		t.Fatalf("%d files, want 2", len(zr.File))
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(archiveTime) {
			t.Errorf("%s: modified %s, want %s", f.Name, f.Modified, archiveTime)
		}
	}
	if m := zr.File[0].Mode().Perm(); m != 0o755 {
		t.Errorf("%s: mode %o, want 755", zr.File[0].Name, m)
	}
}

func testArchives() []built {
	var out []built
	for _, p := range allPlatforms {
		out = append(out, built{OS: p.os, Arch: p.arch, Bin: p.binary(),
			URI:    "https://example.com/v0.1.0/" + p.archiveName("v0.1.0"),
			SHA256: strings.Repeat("a", 64)})
	}
	return out
}

func TestVerifyManifest(t *testing.T) {
	file := filepath.Join(t.TempDir(), "category.yaml")
	if err := writeManifest(file, "v0.1.0", "go1.26.8", testArchives()); err != nil {
		t.Fatal(err)
	}
	linux := testArchives()[2:3]
	if err := verifyManifest(file, "v0.1.0", "go1.26.8", linux); err != nil {
		t.Fatalf("the manifest just written: %v", err)
	}

	changed := []built{linux[0]}
	changed[0].SHA256 = strings.Repeat("b", 64)
	err := verifyManifest(file, "v0.1.0", "go1.26.8", changed)
	if err == nil || !strings.Contains(err.Error(), "linux/amd64 archive has sha256 bbbb") || !strings.Contains(err.Error(), "make dist") {
		t.Errorf("another sha256: got %v, want a stale-manifest error naming the platform and `make dist`", err)
	}
	if err := verifyManifest(file, "v0.2.0", "go1.26.8", linux); err == nil || !strings.Contains(err.Error(), "spec.version") {
		t.Errorf("another version: got %v, want a spec.version error", err)
	}
	raw, _ := os.ReadFile(file)
	edited := filepath.Join(t.TempDir(), "category.yaml")
	if err := os.WriteFile(edited, []byte(strings.Replace(string(raw), "shortDescription: ", "shortDescription: Edited. ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verifyManifest(edited, "v0.1.0", "go1.26.8", linux); err == nil || !strings.Contains(err.Error(), "krew.yaml.tmpl") {
		t.Errorf("a hand-edited manifest: got %v, want a template mismatch", err)
	}
	renamed := []built{linux[0]}
	renamed[0].URI = "https://example.com/v0.1.0/other.tar.gz"
	if err := verifyManifest(file, "v0.1.0", "go1.26.8", renamed); err == nil || !strings.Contains(err.Error(), "uri") {
		t.Errorf("another archive name: got %v, want a uri error", err)
	}
}

func TestParsePlatforms(t *testing.T) {
	ps, err := parsePlatforms("linux/amd64, windows/arm64")
	if err != nil || len(ps) != 2 || ps[1].binary() != "kubectl-category.exe" || ps[1].archiveName("v1") != "kubectl-category_v1_windows_arm64.zip" {
		t.Errorf("got %v, %v", ps, err)
	}
	if _, err := parsePlatforms("plan9/386"); err == nil {
		t.Error("plan9/386 accepted")
	}
}

// A sha256 of digits only is still a string once the manifest is read back (unquoted, YAML
// reads it as a number and krew refuses the manifest).
func TestManifestKeepsDigitOnlySHA256AString(t *testing.T) {
	archives := testArchives()
	for i := range archives {
		archives[i].SHA256 = strings.Repeat("1", 64)
	}
	file := filepath.Join(t.TempDir(), "category.yaml")
	if err := writeManifest(file, "v0.1.0", "go1.26.8", archives); err != nil {
		t.Fatal(err)
	}
	if err := verifyManifest(file, "v0.1.0", "go1.26.8", archives[:1]); err != nil {
		t.Fatal(err)
	}
}
