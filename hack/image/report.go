package main

import (
	"fmt"
	"io"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// report prints what was built: the manifest digest (what a registry and the OCI layout call
// the image, and what to pin in a Deployment), the config digest (the "IMAGE ID" docker and
// podman show after loading the tarball) and the sizes.
func report(img v1.Image, ref name.Tag, ociDir, tarPath string) error {
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	configDigest, err := img.ConfigName()
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	var compressed int64
	for _, l := range m.Layers {
		compressed += l.Size
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	var uncompressed int64
	for _, l := range layers {
		n, err := uncompressedSize(l)
		if err != nil {
			return err
		}
		uncompressed += n
	}
	tarInfo, err := os.Stat(tarPath)
	if err != nil {
		return err
	}
	ociSize, err := dirSize(ociDir)
	if err != nil {
		return err
	}
	fmt.Printf("image    %s\n", ref)
	fmt.Printf("digest   %s\n", digest)
	fmt.Printf("image id %s\n", configDigest)
	fmt.Printf("size     %s compressed, %s unpacked (%d layer)\n", mib(compressed), mib(uncompressed), len(layers))
	fmt.Printf("oci      %s (%s)\n", ociDir, mib(ociSize))
	fmt.Printf("tarball  %s (%s): docker load -i / podman load -i / ctr images import\n", tarPath, mib(tarInfo.Size()))
	return nil
}

func uncompressedSize(l v1.Layer) (int64, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
