package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"time"
)

// archiveTime is every file's mtime in every archive. It is a constant, not the commit's time:
// plugins/category.yaml records the archives' sha256 and is committed with the sources they are
// built from, so nothing in an archive may depend on the commit itself. 1980-01-01 is the
// earliest time a zip entry can hold.
var archiveTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// member is one file of an archive.
type member struct {
	name string
	mode int64
	body []byte
}

// tarGz packs members in the given order with fixed owners (0, no names) and times, in a gzip
// stream without name or time: the bytes depend only on the members.
func tarGz(members []member) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(gz)
	for _, m := range members {
		h := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     m.name,
			Mode:     m.mode,
			Size:     int64(len(m.body)),
			ModTime:  archiveTime,
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar %s: %w", m.name, err)
		}
		if _, err := tw.Write(m.body); err != nil {
			return nil, fmt.Errorf("tar %s: %w", m.name, err)
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

// zipArchive packs members like tarGz, for Windows, where krew expects a zip.
func zipArchive(members []member) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate, Modified: archiveTime}
		h.SetMode(fileMode(m.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", m.name, err)
		}
		if _, err := w.Write(m.body); err != nil {
			return nil, fmt.Errorf("zip %s: %w", m.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
