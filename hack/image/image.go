package main

import (
	"bytes"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Spec is everything an image is made of: the same Spec gives the same digest.
type Spec struct {
	Binary   []byte    // the manager, statically linked for linux/Arch
	Arch     string    // GOARCH of Binary
	Created  time.Time // SOURCE_DATE_EPOCH: the commit's time, not the build's
	Version  string
	Revision string // git commit
	Source   string // repository URL
}

// Labels are the OCI pre-defined annotation keys, set as config labels (what `docker inspect`
// and scanners show) and as manifest annotations (what registries and `crane` show).
func (s Spec) Labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "category-operator",
		"org.opencontainers.image.description": "Kubernetes operator for marketplace category applications",
		"org.opencontainers.image.version":     s.Version,
		"org.opencontainers.image.revision":    s.Revision,
		"org.opencontainers.image.source":      s.Source,
		"org.opencontainers.image.url":         s.Source,
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.created":     s.Created.UTC().Format(time.RFC3339),
	}
}

func (s Spec) validate() error {
	switch {
	case len(s.Binary) == 0:
		return fmt.Errorf("binary: empty")
	case s.Arch == "":
		return fmt.Errorf("arch: required")
	case s.Created.IsZero():
		return fmt.Errorf("created: required (SOURCE_DATE_EPOCH)")
	case s.Version == "" || s.Revision == "":
		return fmt.Errorf("version and revision: required (got %q, %q)", s.Version, s.Revision)
	}
	return nil
}

// Build assembles a single-layer OCI image: no base image, so nothing is pulled and nothing
// but the manager and its users is in it.
func Build(s Spec) (v1.Image, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	created := v1.Time{Time: s.Created.UTC()}
	layerBytes, err := layerTarGz(rootfs(s.Binary), s.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: s.Arch,
		OS:           "linux",
		Created:      created,
		Config: v1.Config{
			User:       fmt.Sprintf("%d:%d", nonrootUID, nonrootGID),
			Entrypoint: []string{"/manager"},
			WorkingDir: "/",
			Env:        []string{"HOME=/home/nonroot"},
			Labels:     s.Labels(),
		},
	})
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   created,
			CreatedBy: "hack/image (manager " + s.Version + ", " + s.Revision + ")",
		},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Annotations(img, s.Labels()).(v1.Image), nil
}
