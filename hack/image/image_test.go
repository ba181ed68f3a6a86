package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The binary's content does not matter to the image builder: a few bytes keep the test quick.
func testSpec() Spec {
	return Spec{
		Binary:   []byte("\x7fELF not really a manager"),
		Arch:     "amd64",
		Created:  time.Unix(1764547200, 0).UTC(),
		Version:  "v0.1.0",
		Revision: "0123456789abcdef0123456789abcdef01234567",
		Source:   "https://github.com/channelshop/category-operator",
	}
}

func digest(t *testing.T, s Spec) v1.Hash {
	t.Helper()
	img, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSameInputsGiveOneDigest(t *testing.T) {
	a, b := digest(t, testSpec()), digest(t, testSpec())
	if a != b {
		t.Fatalf("two builds of one spec: %s and %s", a, b)
	}
	// Each input reaches the digest: a build that ignored one would still pass the check above.
	for what, change := range map[string]func(*Spec){
		"binary":   func(s *Spec) { s.Binary = append(s.Binary, 0) },
		"created":  func(s *Spec) { s.Created = s.Created.Add(time.Second) },
		"revision": func(s *Spec) { s.Revision = "fedcba9876543210fedcba9876543210fedcba98" },
		"version":  func(s *Spec) { s.Version = "v0.2.0" },
		"arch":     func(s *Spec) { s.Arch = "arm64" },
	} {
		s := testSpec()
		change(&s)
		if d := digest(t, s); d == a {
			t.Errorf("changing the %s kept the digest %s", what, d)
		}
	}
}

func TestMissingInputsAreRefused(t *testing.T) {
	for what, change := range map[string]func(*Spec){
		"binary":   func(s *Spec) { s.Binary = nil },
		"created":  func(s *Spec) { s.Created = time.Time{} },
		"revision": func(s *Spec) { s.Revision = "" },
	} {
		s := testSpec()
		change(&s)
		if _, err := Build(s); err == nil {
			t.Errorf("no %s: built anyway", what)
		}
	}
}

func TestConfigRunsManagerAsNonRoot(t *testing.T) {
	img, err := Build(testSpec())
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want 65532:65532", cf.Config.User)
	}
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/manager" {
		t.Errorf("entrypoint %q, want [/manager]", cf.Config.Entrypoint)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("platform %s/%s, want linux/amd64", cf.OS, cf.Architecture)
	}
	if !cf.Created.Equal(testSpec().Created) {
		t.Errorf("created %s, want SOURCE_DATE_EPOCH %s", cf.Created, testSpec().Created)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  "v0.1.0",
		"org.opencontainers.image.revision": testSpec().Revision,
		"org.opencontainers.image.source":   "https://github.com/channelshop/category-operator",
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.title":    "category-operator",
	} {
		if got := cf.Config.Labels[k]; got != want {
			t.Errorf("label %s=%q, want %q", k, got, want)
		}
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Annotations["org.opencontainers.image.revision"] != testSpec().Revision {
		t.Errorf("manifest annotations %v lack the revision", m.Annotations)
	}
}

// The layer holds exactly the listed files, with fixed owners, modes and times: no shell, and
// nothing from the build host.
func TestLayerHasNoShellAndFixedMetadata(t *testing.T) {
	img, err := Build(testSpec())
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v; want one", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	type entry struct {
		mode     int64
		uid, gid int
	}
	want := map[string]entry{
		"etc/":          {0o755, 0, 0},
		"etc/group":     {0o644, 0, 0},
		"etc/passwd":    {0o644, 0, 0},
		"home/":         {0o755, 0, 0},
		"home/nonroot/": {0o700, 65532, 65532},
		"manager":       {0o755, 0, 0},
		"tmp/":          {0o1777, 0, 0},
	}
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		w, ok := want[h.Name]
		if !ok {
			t.Errorf("unexpected file %s in the image", h.Name)
			continue
		}
		if got := (entry{h.Mode, h.Uid, h.Gid}); got != w {
			t.Errorf("%s: mode/uid/gid %o/%d/%d, want %o/%d/%d", h.Name, got.mode, got.uid, got.gid, w.mode, w.uid, w.gid)
		}
		if !h.ModTime.Equal(testSpec().Created) || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: mtime %s uname %q gname %q, want %s and no names", h.Name, h.ModTime, h.Uname, h.Gname, testSpec().Created)
		}
	}
	if len(names) != len(want) {
		t.Errorf("files %v, want %d entries", names, len(want))
	}
}

// Both outputs read back as the built image, under its tag, and are byte-identical when written
// twice (the tarball is what users load; its bytes are what a checksum file would list).
func TestOutputsReadBackAndAreStable(t *testing.T) {
	img, err := Build(testSpec())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	wantConfig, _ := img.ConfigName()
	ref, err := name.NewTag("category-operator:v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sums := map[string][sha256.Size]byte{}
	for _, run := range []string{"a", "b"} {
		oci, tarPath := filepath.Join(dir, run, "oci"), filepath.Join(dir, run, "image.tar")
		if err := writeOCILayout(oci, ref, img); err != nil {
			t.Fatal(err)
		}
		if err := writeTarball(tarPath, ref, img); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(tarPath)
		if err != nil {
			t.Fatal(err)
		}
		sums[run] = sha256.Sum256(b)
		idx, err := os.ReadFile(filepath.Join(oci, "index.json"))
		if err != nil {
			t.Fatal(err)
		}
		sums[run+"-index"] = sha256.Sum256(idx)
	}
	if sums["a"] != sums["b"] || sums["a-index"] != sums["b-index"] {
		t.Errorf("writing one image twice gave different files")
	}

	ii, err := layout.ImageIndexFromPath(filepath.Join(dir, "a", "oci"))
	if err != nil {
		t.Fatal(err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != want ||
		im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != ref.String() {
		t.Errorf("oci layout index %+v, want one manifest %s named %s", im.Manifests, want, ref)
	}

	loaded, err := tarball.ImageFromPath(filepath.Join(dir, "a", "image.tar"), &ref)
	if err != nil {
		t.Fatalf("tarball has no image tagged %s: %v", ref, err)
	}
	if got, _ := loaded.ConfigName(); got != wantConfig {
		t.Errorf("tarball config %s, want %s", got, wantConfig)
	}
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(filepath.Join(dir, "a", "image.tar")) })
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(m); len(m) != 1 || len(m[0].RepoTags) != 1 || m[0].RepoTags[0] != ref.String() {
		t.Errorf("docker-archive manifest.json %s, want one image tagged %s", b, ref)
	}
}
