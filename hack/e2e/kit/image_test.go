package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
)

// readTar returns the archive's regular files and the headers of all entries by name.
func readTar(t *testing.T, data []byte) (map[string][]byte, map[string]*tar.Header) {
	t.Helper()
	files, headers := map[string][]byte{}, map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, headers
		}
		if err != nil {
			t.Fatal(err)
		}
		headers[h.Name] = h
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = b
	}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// The archive is what containerd imports: an index naming the image, a manifest whose config
// and layer digests match the blobs, and a layer holding the binary at its path, executable.
func TestBuildArchiveIsAValidOCILayout(t *testing.T) {
	g := NewWithT(t)
	bin := filepath.Join(t.TempDir(), "manager")
	g.Expect(os.WriteFile(bin, []byte("#!binary"), 0o600)).To(Succeed())

	data, err := buildArchive(imageSpec{
		name: "docker.io/library/category-operator:e2e", entrypoint: []string{"/manager"},
		user: "65532:65532", files: map[string]string{"/usr/bin/manager": bin},
	})
	g.Expect(err).NotTo(HaveOccurred())
	files, _ := readTar(t, data)
	g.Expect(files).To(HaveKey("oci-layout"))

	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	g.Expect(json.Unmarshal(files["index.json"], &index)).To(Succeed())
	g.Expect(index.Manifests).To(HaveLen(1))
	g.Expect(index.Manifests[0].Annotations).To(HaveKeyWithValue("io.containerd.image.name", "docker.io/library/category-operator:e2e"))
	g.Expect(index.Manifests[0].Annotations).To(HaveKeyWithValue("org.opencontainers.image.ref.name", "e2e"))

	blob := func(d descriptor) []byte {
		b, ok := files["blobs/sha256/"+d.Digest[len("sha256:"):]]
		g.Expect(ok).To(BeTrue(), "blob %s missing", d.Digest)
		g.Expect(digestOf(b)).To(Equal(d.Digest))
		g.Expect(int64(len(b))).To(Equal(d.Size))
		return b
	}
	var manifest struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	g.Expect(json.Unmarshal(blob(index.Manifests[0]), &manifest)).To(Succeed())
	g.Expect(manifest.Layers).To(HaveLen(1))
	layerData := blob(manifest.Layers[0])

	var config struct {
		Config struct {
			User       string
			Entrypoint []string
		} `json:"config"`
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	g.Expect(json.Unmarshal(blob(manifest.Config), &config)).To(Succeed())
	g.Expect(config.Config.User).To(Equal("65532:65532"))
	g.Expect(config.Config.Entrypoint).To(Equal([]string{"/manager"}))
	// An uncompressed layer's diff ID is its digest; containerd refuses to unpack otherwise.
	g.Expect(config.RootFS.DiffIDs).To(Equal([]string{manifest.Layers[0].Digest}))

	layerFiles, headers := readTar(t, layerData)
	g.Expect(string(layerFiles["usr/bin/manager"])).To(Equal("#!binary"))
	g.Expect(headers["usr/bin/manager"].Mode).To(Equal(int64(0o755)))
	g.Expect(headers).To(HaveKey("usr/"))
	g.Expect(headers).To(HaveKey("usr/bin/"))
	g.Expect(headers["tmp/"].Mode).To(Equal(int64(0o1777)))
}

func TestRunImageRefusesBadArguments(t *testing.T) {
	g := NewWithT(t)
	out := filepath.Join(t.TempDir(), "x.tar")
	g.Expect(runImage([]string{"-o", out, "-name", "pause", "-entrypoint", "/pause"})).To(MatchError(ContainSubstring("with a tag")))
	g.Expect(runImage([]string{"-o", out, "-name", "a/pause:1", "-entrypoint", "/pause", "pause=relative"})).To(MatchError(ContainSubstring("HOST_PATH=/PATH_IN_IMAGE")))
	g.Expect(runImage([]string{"-o", out, "-name", "a/pause:1"})).To(MatchError(ContainSubstring("-entrypoint")))
}
