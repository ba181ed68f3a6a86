package materials

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

var pdf = []byte("%PDF-1.7\nthe business license\n")

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// server serves the license, a redirect on its own host, one to another name of the same
// machine (another host for the client), and a large file.
func server(t *testing.T) (*httptest.Server, *x509.CertPool) {
	mux := http.NewServeMux()
	mux.HandleFunc("/license.pdf", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(pdf) })
	mux.HandleFunc("/moved.pdf", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/license.pdf", http.StatusFound) })
	mux.HandleFunc("/elsewhere.pdf", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://localhost:"+r.Host[strings.LastIndexByte(r.Host, ':')+1:]+"/license.pdf", http.StatusFound)
	})
	mux.HandleFunc("/big.bin", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "4096")
		_, _ = w.Write(make([]byte, 4096))
	})
	mux.HandleFunc("/chunked.bin", func(w http.ResponseWriter, _ *http.Request) { // no Content-Length
		for range 4 {
			_, _ = w.Write(make([]byte, 1024))
			w.(http.Flusher).Flush()
		}
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return srv, roots
}

func fetchOne(t *testing.T, o *Options, p addressPolicy, roots *x509.CertPool, url, digest string) (*item, []os.DirEntry) {
	t.Helper()
	dir := t.TempDir()
	it := &item{Material: 2, Type: qualv1.MaterialBusinessLicense, Field: "files[0]", Base: "02-BusinessLicense-file-1",
		Ref: qualv1.FileRef{URL: url, SHA256: digest}}
	o.download(context.Background(), newHTTPClient(p, roots), dir, it)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return it, entries
}

func TestDownloadKeepsOnlyVerifiedBytes(t *testing.T) {
	g := NewWithT(t)
	srv, roots := server(t)
	o := &Options{MaxSize: 1024, Timeout: time.Minute}
	loop := addressPolicy{allowLoopback: true}

	it, files := fetchOne(t, o, loop, roots, srv.URL+"/license.pdf", sum(pdf))
	g.Expect(it.Problem).To(BeEmpty())
	g.Expect(it.File).To(Equal("02-BusinessLicense-file-1.pdf"))
	g.Expect(it.ContentType).To(Equal("application/pdf"))
	g.Expect(it.Verified).To(ContainSubstring("the spec pins"))
	g.Expect(files).To(HaveLen(1))

	it, files = fetchOne(t, o, loop, roots, srv.URL+"/moved.pdf", sum(pdf))
	g.Expect(it.Problem).To(BeEmpty(), "a redirect on the same host is followed")
	g.Expect(files).To(HaveLen(1))

	it, files = fetchOne(t, o, loop, roots, srv.URL+"/license.pdf", sum([]byte("another file")))
	g.Expect(it.Problem).To(HavePrefix("sha256 mismatch: the server sent sha256:" + sum(pdf)))
	g.Expect(it.File).To(BeEmpty())
	g.Expect(files).To(BeEmpty(), "the bad bytes are not kept, under any name")

	it, files = fetchOne(t, o, loop, roots, srv.URL+"/elsewhere.pdf", sum(pdf))
	g.Expect(it.Problem).To(ContainSubstring("redirect to another host (localhost:"))
	g.Expect(files).To(BeEmpty())

	it, files = fetchOne(t, &Options{MaxSize: 1000, Timeout: time.Minute}, loop, roots, srv.URL+"/big.bin", sum(make([]byte, 4096)))
	g.Expect(it.Problem).To(Equal("not fetched: 4096 bytes, more than --max-size (1000)"))
	g.Expect(files).To(BeEmpty())
	it, files = fetchOne(t, &Options{MaxSize: 1000, Timeout: time.Minute}, loop, roots, srv.URL+"/chunked.bin", sum(make([]byte, 4096)))
	g.Expect(it.Problem).To(Equal("not fetched: more than --max-size (1000 bytes)"), "a body without Content-Length is cut off too")
	g.Expect(files).To(BeEmpty())

	it, files = fetchOne(t, o, addressPolicy{allowPrivate: true}, roots, srv.URL+"/license.pdf", sum(pdf))
	g.Expect(it.Problem).To(ContainSubstring("address 127.0.0.1 is a loopback address, refused"))
	g.Expect(files).To(BeEmpty())

	it, _ = fetchOne(t, o, loop, x509.NewCertPool(), srv.URL+"/license.pdf", sum(pdf))
	g.Expect(it.Problem).To(ContainSubstring("certificate signed by unknown authority"), "https is verified")

	it, _ = fetchOne(t, o, loop, roots, strings.Replace(srv.URL, "https:", "http:", 1)+"/license.pdf", sum(pdf))
	g.Expect(it.Problem).To(Equal("not fetched: not an https URL"))
}
