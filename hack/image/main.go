// Command image builds the manager's container image without a container engine or a base
// image: one layer with the static manager binary, /etc/passwd with the non-root user 65532, and
// /tmp. It writes an OCI image layout and a docker-archive tarball (for docker, podman, ctr and
// kind), and prints the digest. Everything in the image is a function of its inputs (the binary,
// version, revision and SOURCE_DATE_EPOCH), so two builds of one commit give one digest.
//
// `make image` builds the binary (CGO_ENABLED=0, -trimpath) and runs this program.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

func main() {
	var (
		binary  = flag.String("binary", "", "The manager binary (static, linux).")
		arch    = flag.String("arch", runtime.GOARCH, "GOARCH the binary was built for.")
		tag     = flag.String("tag", "", "Image name with its tag, e.g. category-operator:v0.1.0 (what the manifests and the chart run).")
		version = flag.String("version", "", "org.opencontainers.image.version.")
		rev     = flag.String("revision", "", "org.opencontainers.image.revision (git commit).")
		source  = flag.String("source", "https://github.com/channelshop/category-operator", "org.opencontainers.image.source.")
		ociDir  = flag.String("oci", "bin/image/oci", "Folder for the OCI image layout (replaced).")
		tarPath = flag.String("tar", "bin/image/category-operator.tar", "Path of the docker-archive tarball.")
	)
	flag.Parse()
	if err := run(*binary, *arch, *tag, *version, *rev, *source, *ociDir, *tarPath); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(binary, arch, tag, version, rev, source, ociDir, tarPath string) error {
	created, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("-tag %q: %w", tag, err)
	}
	if !strings.HasSuffix(tag, ":"+ref.TagStr()) {
		return fmt.Errorf("-tag %q: name a tag explicitly (no implicit latest)", tag)
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return fmt.Errorf("-binary: %w", err)
	}
	img, err := Build(Spec{Binary: bin, Arch: arch, Created: created, Version: version, Revision: rev, Source: source})
	if err != nil {
		return err
	}
	if err := writeOCILayout(ociDir, ref, img); err != nil {
		return err
	}
	if err := writeTarball(tarPath, ref, img); err != nil {
		return err
	}
	return report(img, ref, ociDir, tarPath)
}

// sourceDateEpoch reads SOURCE_DATE_EPOCH (reproducible-builds.org): the time stamped in the
// image. Required, so a build never silently falls back to the wall clock.
func sourceDateEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH is not set (make image sets it to the commit time)")
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", v)
	}
	return time.Unix(sec, 0).UTC(), nil
}
