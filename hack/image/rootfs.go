package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"sort"
	"time"
)

// The image runs as this user; it owns nothing but its home folder. Same numbers as distroless'
// "nonroot", which clusters' PodSecurity and OpenShift's restricted SCCs already expect.
const (
	nonrootUID = 65532
	nonrootGID = 65532
)

// file is one entry of the root filesystem layer.
type file struct {
	path     string // without a leading slash
	dir      bool
	mode     int64 // permission bits (and sticky)
	uid, gid int
	body     []byte
}

// rootfs lists the whole filesystem: the manager binary, the users (so `id` tools, logs and
// kubelet's runAsNonRoot check see a named user) and a writable /tmp. There is no shell and no
// package database: nothing to exec into, nothing a scanner reports besides the Go binary.
func rootfs(binary []byte) []file {
	return []file{
		{path: "etc", dir: true, mode: 0o755},
		{path: "etc/group", mode: 0o644, body: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{path: "etc/passwd", mode: 0o644, body: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{path: "home", dir: true, mode: 0o755},
		{path: "home/nonroot", dir: true, mode: 0o700, uid: nonrootUID, gid: nonrootGID},
		{path: "manager", mode: 0o755, body: binary},
		{path: "tmp", dir: true, mode: 0o1777},
	}
}

// layerTarGz writes files as a gzipped tar whose bytes depend only on the files and mtime: sorted
// names, fixed owners and modes, no user or group names, and a gzip header without name or time.
// That is what makes two builds of one commit one digest.
func layerTarGz(files []file, mtime time.Time) ([]byte, error) {
	files = append([]file(nil), files...)
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.path,
			Mode:    f.mode,
			Uid:     f.uid,
			Gid:     f.gid,
			ModTime: mtime.UTC(),
			Format:  tar.FormatPAX,
		}
		if f.dir {
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", f.path, err)
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, fmt.Errorf("tar body %s: %w", f.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
