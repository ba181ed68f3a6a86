package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"
)

// OCI media types (image-spec v1); written out to keep the kit free of dependencies.
const (
	mediaIndex    = "application/vnd.oci.image.index.v1+json"
	mediaManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaConfig   = "application/vnd.oci.image.config.v1+json"
	mediaLayer    = "application/vnd.oci.image.layer.v1.tar"
)

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type blob struct {
	desc descriptor
	data []byte
}

func newBlob(mediaType string, data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{desc: descriptor{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(data))}, data: data}
}

// imageSpec is what one image holds: files copied from the host and how the container starts.
type imageSpec struct {
	name       string            // full reference, e.g. docker.io/library/pause:e2e
	entrypoint []string          // absolute path in the image, then arguments
	user       string            // "UID:GID"; empty runs as root
	files      map[string]string // path in the image -> file on the host
}

func runImage(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	out := fs.String("o", "", "the archive to write")
	spec := imageSpec{files: map[string]string{}}
	fs.StringVar(&spec.name, "name", "", "the image reference, e.g. docker.io/library/pause:e2e")
	entrypoint := fs.String("entrypoint", "", "the command, a path in the image")
	fs.StringVar(&spec.user, "user", "", "UID:GID the container runs as")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, a := range fs.Args() {
		host, inImage, ok := strings.Cut(a, "=")
		if !ok || !path.IsAbs(inImage) {
			return fmt.Errorf("file %q: want HOST_PATH=/PATH_IN_IMAGE", a)
		}
		spec.files[inImage] = host
	}
	switch {
	case *out == "":
		return errors.New("-o is required")
	case spec.name == "" || !strings.Contains(spec.name, ":"):
		return fmt.Errorf("-name %q: want a full reference with a tag", spec.name)
	case *entrypoint == "":
		return errors.New("-entrypoint is required")
	}
	spec.entrypoint = []string{*entrypoint}
	archive, err := buildArchive(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, archive, 0o644)
}

// buildArchive returns an OCI image layout as a tar stream: one uncompressed layer with the
// files (and /tmp), its config, the manifest, and an index naming the image both ways containerd
// reads a name on import.
func buildArchive(spec imageSpec) ([]byte, error) {
	layerData, err := layer(spec.files)
	if err != nil {
		return nil, err
	}
	l := newBlob(mediaLayer, layerData)
	config := map[string]any{
		"architecture": runtime.GOARCH,
		"os":           "linux",
		"config": map[string]any{
			"User":       spec.user,
			"Entrypoint": spec.entrypoint,
			"Env":        []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
			"WorkingDir": "/",
		},
		// The layer is uncompressed, so its diff ID is its digest.
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{l.desc.Digest}},
	}
	configData, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	c := newBlob(mediaConfig, configData)
	manifestData, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": mediaManifest, "config": c.desc, "layers": []descriptor{l.desc},
	})
	if err != nil {
		return nil, err
	}
	m := newBlob(mediaManifest, manifestData)
	md := m.desc
	_, tag, _ := strings.Cut(spec.name[strings.LastIndex(spec.name, "/")+1:], ":")
	md.Annotations = map[string]string{"io.containerd.image.name": spec.name, "org.opencontainers.image.ref.name": tag}
	indexData, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaIndex, "manifests": []descriptor{md}})
	if err != nil {
		return nil, err
	}

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return nil, err
	}
	for _, b := range []blob{l, c, m} {
		if err := add("blobs/sha256/"+strings.TrimPrefix(b.desc.Digest, "sha256:"), b.data); err != nil {
			return nil, err
		}
	}
	if err := add("index.json", indexData); err != nil {
		return nil, err
	}
	return buf.Bytes(), tw.Close()
}

// layer is a tar of the files (mode 0755, owned by root) with their parent folders, and /tmp
// (1777) for programs that write temporary files as a non-root user.
func layer(files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	dirs := map[string]bool{}
	dir := func(name string, mode int64) error {
		if dirs[name] {
			return nil
		}
		dirs[name] = true
		return tw.WriteHeader(&tar.Header{Name: name + "/", Mode: mode, ModTime: epoch, Typeflag: tar.TypeDir})
	}
	if err := dir("tmp", 0o1777); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, inImage := range names {
		data, err := os.ReadFile(files[inImage])
		if err != nil {
			return nil, err
		}
		rel := strings.TrimPrefix(path.Clean(inImage), "/")
		parts := strings.Split(rel, "/")
		for i := 1; i < len(parts); i++ {
			if err := dir(strings.Join(parts[:i], "/"), 0o755); err != nil {
				return nil, err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o755, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
