package materials

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// The reviewers' console shows files inline instead of writing them to a folder: the same
// references in the same order, the same checks (Secret files against the digests recorded for
// the round, URL files against the spec's sha256, fetched under the same address rules), kept
// in memory and handed over only when they verified.

// Ref is one file reference of an application, numbered as describe and materials number them.
type Ref struct {
	// Material is the 1-based position in spec.materials.
	Material int
	Type     qualv1.MaterialType
	// Field is the reference's path inside the material: files[0], recordings[1].
	Field string
	// Recording: a screen recording (spec.materials[].recordings) rather than a file.
	Recording bool
	Ref       qualv1.FileRef
	// Name is the name materials writes it under, without extension.
	Name string
}

// Source renders where a file comes from: a Secret's key or its URL.
func (r Ref) Source() string {
	if r.Ref.SecretKeyRef != nil {
		return fmt.Sprintf("secret %s, key %s", r.Ref.SecretKeyRef.Name, r.Ref.SecretKeyRef.Key)
	}
	return r.Ref.URL
}

// Refs lists every file reference of the application's spec, in describe's order.
func Refs(app *qualv1.CategoryApplication) []Ref {
	items := plan(app)
	out := make([]Ref, len(items))
	for i, it := range items {
		out[i] = Ref{Material: it.Material, Type: it.Type, Field: it.Field, Recording: strings.HasPrefix(it.Field, "recordings"),
			Ref: it.Ref, Name: it.Base}
	}
	return out
}

// Fetched is one file read and checked in memory.
type Fetched struct {
	// Data holds the bytes only when they verified (Verified != "") or when no round records
	// the generation (then Problem is "" and Verified is "": shown as not verified).
	Data        []byte
	SHA256      string
	ContentType string
	// NameSays is the name's extension where it disagrees with the content.
	NameSays string
	Recorded string
	Verified string
	Problem  string
	// WrongKind is the D33 message of a file read whose content is not what its place in the
	// material needs (the materials command's check): it is never shown as what it claims.
	WrongKind string
	// Forbidden: a Secret could not be read for want of permission; Hint says how the platform
	// grants it.
	Forbidden bool
	Hint      string
}

// Fetcher reads files for the console with the reviewer's own client, under the rules of the
// materials command.
type Fetcher struct {
	Reader        client.Reader
	AllowPrivate  bool
	AllowLoopback bool
	// Roots are the CAs trusted for URL files (nil: the system's).
	Roots   *x509.CertPool
	MaxSize int64
	Timeout time.Duration
}

// Fetch reads and verifies ref of app (as read by the caller: its status gives the round).
func (f *Fetcher) Fetch(ctx context.Context, app *qualv1.CategoryApplication, ref Ref) *Fetched {
	it := &item{Material: ref.Material, Type: ref.Type, Field: ref.Field, Ref: ref.Ref, Base: ref.Name}
	var data []byte
	out := &Fetched{}
	if ref.Ref.SecretKeyRef != nil {
		data, out.Forbidden = f.secret(ctx, app, it)
		if out.Forbidden {
			out.Hint = grantHint(app.Namespace)
		}
	} else {
		data = f.url(ctx, it)
	}
	out.SHA256, out.ContentType, out.NameSays = it.SHA256, it.ContentType, it.NameSays
	if it.Problem == "" && data != nil {
		it.checkKind(data)
	}
	out.Recorded, out.Verified, out.Problem, out.WrongKind = it.Recorded, it.Verified, it.Problem, it.WrongKind
	if it.Problem == "" {
		out.Data = data
	}
	return out
}

// secret reads one Secret file and checks it as fetchSecretFiles does.
func (f *Fetcher) secret(ctx context.Context, app *qualv1.CategoryApplication, it *item) (data []byte, forbidden bool) {
	ref := it.Ref.SecretKeyRef
	recorded := recordedDigests(app)
	if want, ok := recorded[*ref]; ok {
		it.Recorded = want + " recorded by the operator for this round"
	}
	sec := &corev1.Secret{}
	if err := f.Reader.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: ref.Name}, sec); err != nil {
		it.Problem = secretProblem(err, app.Namespace, ref.Name)
		return nil, apierrors.IsForbidden(err)
	}
	data, ok := sec.Data[ref.Key]
	if !ok {
		it.Problem = fmt.Sprintf("not fetched: Secret %s has no key %q", ref.Name, ref.Key)
		return nil, false
	}
	if !checkSecret(it, data, recorded, "not shown", "reload the page") {
		return nil, false
	}
	var ext string
	it.ContentType, ext = detect(data)
	it.NameSays = nameSays(ref.Key, ext)
	return data, false
}

// url downloads one URL file into memory with the materials command's client and limits.
func (f *Fetcher) url(ctx context.Context, it *item) []byte {
	it.Recorded = "sha256:" + it.Ref.SHA256 + " pinned in the spec"
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, it.Ref.URL, nil)
	if err != nil {
		it.Problem = err.Error()
		return nil
	}
	if req.URL.Scheme != "https" {
		it.Problem = "not fetched: not an https URL"
		return nil
	}
	req.Header.Set("User-Agent", "kubectl-category")
	roots := f.Roots
	if roots == nil {
		if roots, err = loadRoots(""); err != nil {
			it.Problem = err.Error()
			return nil
		}
	}
	hc := newHTTPClient(addressPolicy{allowPrivate: f.AllowPrivate, allowLoopback: f.AllowLoopback}, roots)
	resp, err := hc.Do(req)
	if err != nil {
		it.Problem = "not fetched: " + err.Error()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			it.Problem = fmt.Sprintf("not fetched: no answer within %s", f.Timeout)
		}
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		it.Problem = "not fetched: the server answered " + resp.Status
		return nil
	}
	if resp.ContentLength > f.MaxSize {
		it.Problem = fmt.Sprintf("not fetched: %d bytes, more than the limit (%d)", resp.ContentLength, f.MaxSize)
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.MaxSize+1))
	switch {
	case err != nil:
		it.Problem = "not fetched: " + err.Error()
		return nil
	case int64(len(data)) > f.MaxSize:
		it.Problem = fmt.Sprintf("not fetched: more than the limit (%d bytes)", f.MaxSize)
		return nil
	}
	sum := sha256.Sum256(data)
	it.Size, it.SHA256 = int64(len(data)), "sha256:"+hex.EncodeToString(sum[:])
	if it.SHA256 != "sha256:"+it.Ref.SHA256 {
		it.Problem = fmt.Sprintf("sha256 mismatch: the server sent %s, the spec pins sha256:%s; not shown", it.SHA256, it.Ref.SHA256)
		return nil
	}
	var ext string
	it.ContentType, ext = detect(data)
	it.NameSays = nameSays(it.Ref.URL, ext)
	it.Verified = "its sha256 is the one the spec pins"
	return data
}

// Roots are the system's CAs plus those of caFile (PEM), if given: the CAs trusted for URL files.
func Roots(caFile string) (*x509.CertPool, error) { return loadRoots(caFile) }
