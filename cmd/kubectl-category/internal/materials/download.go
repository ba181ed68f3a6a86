package materials

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/channelshop/category-operator/internal/filekind"
)

// maxRedirects a download follows, all on the URL's own host.
const maxRedirects = 5

// newHTTPClient is the client of URL files: https only, no proxy (the address rules apply to
// the file's own host, which a proxy would hide), every connection checked by policy,
// redirects only to the same host over https, timeouts on every phase.
func newHTTPClient(policy addressPolicy, roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, ControlContext: policy.control}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: time.Minute,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			switch {
			case req.URL.Scheme != "https":
				return fmt.Errorf("redirect to %s refused: not https", req.URL.Redacted())
			case req.URL.Host != via[0].URL.Host:
				return fmt.Errorf("redirect to another host (%s) refused", req.URL.Host)
			case len(via) > maxRedirects:
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// loadRoots returns the system's CAs plus those of caFile (PEM), if given.
func loadRoots(caFile string) (*x509.CertPool, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if caFile == "" {
		return roots, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", caFile)
	}
	return roots, nil
}

// download fetches a URL file into dir, hashing while it streams, and keeps it under the item's
// name only if its sha256 is the one the spec pins; otherwise nothing is kept.
func (o *Options) download(ctx context.Context, hc *http.Client, dir string, it *item) {
	it.Recorded = "sha256:" + it.Ref.SHA256 + " pinned in the spec"
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, it.Ref.URL, nil)
	if err != nil {
		it.Problem = err.Error()
		return
	}
	if req.URL.Scheme != "https" { // the API admits only https URLs (D19); never fetch others
		it.Problem = "not fetched: not an https URL"
		return
	}
	req.Header.Set("User-Agent", "kubectl-category")
	resp, err := hc.Do(req)
	if err != nil {
		it.Problem = "not fetched: " + err.Error()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			it.Problem = fmt.Sprintf("not fetched: no answer within --download-timeout (%s)", o.Timeout)
		}
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		it.Problem = "not fetched: the server answered " + resp.Status
		return
	}
	if resp.ContentLength > o.MaxSize {
		it.Problem = fmt.Sprintf("not fetched: %d bytes, more than --max-size (%d)", resp.ContentLength, o.MaxSize)
		return
	}
	// A temporary name that cannot be mistaken for a material; removed unless verified.
	tmp, err := os.CreateTemp(dir, ".download-*")
	if err != nil {
		it.Problem = err.Error()
		return
	}
	kept := false
	defer func() {
		if !kept {
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	head := &headBuffer{}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(resp.Body, o.MaxSize+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		it.Problem = fmt.Sprintf("not fetched: took longer than --download-timeout (%s)", o.Timeout)
		return
	case err != nil:
		it.Problem = "not fetched: " + err.Error()
		return
	case n > o.MaxSize:
		it.Problem = fmt.Sprintf("not fetched: more than --max-size (%d bytes)", o.MaxSize)
		return
	}
	it.Size, it.SHA256 = n, digestOf(h)
	if it.SHA256 != "sha256:"+it.Ref.SHA256 {
		it.Problem = fmt.Sprintf("sha256 mismatch: the server sent %s, the spec pins sha256:%s; the bytes were discarded", it.SHA256, it.Ref.SHA256)
		return
	}
	it.ContentType, it.File = fileName(it, head.b)
	it.NameSays = nameSays(it.Ref.URL, filepath.Ext(it.File))
	it.checkKind(head.b)
	final := filepath.Join(dir, it.File)
	if _, err := os.Lstat(final); err == nil { // the folder is new, but never replace a file
		it.Problem, it.File = final+" already exists", ""
		return
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		it.Problem, it.File = err.Error(), ""
		return
	}
	kept = true
	it.Verified = "its sha256 is the one the spec pins"
}

// writeVerified writes bytes read from a Secret under the item's name, refusing to replace a file.
func (o *Options) writeVerified(dir string, it *item, data []byte) error {
	it.ContentType, it.File = fileName(it, data)
	it.NameSays = nameSays(it.Ref.SecretKeyRef.Key, filepath.Ext(it.File))
	it.checkKind(data)
	f, err := os.OpenFile(filepath.Join(dir, it.File), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		it.File = ""
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// fileName is the file name of an item: its base and the extension of its content.
func fileName(it *item, head []byte) (contentType, file string) {
	ct, ext := detect(head)
	return ct, it.Base + ext
}

func digestOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

// headBuffer keeps the first bytes written to it, for content detection and D33.
type headBuffer struct{ b []byte }

func (w *headBuffer) Write(p []byte) (int, error) {
	if room := max(sniffLen, filekind.SniffLen) - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
