package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/filekind"
	"github.com/channelshop/category-operator/internal/requirements"
)

// digestCache holds, for each Secret some application references, what the reconciler needs of
// it at one resourceVersion: the digests of the keys applications reference, and for the
// message about a missing key the Secret's key count and its first few key names. It never
// holds a value, a digest of a key no application references, or anything of a Secret no
// application references: a Secret of 100,000 keys costs what its referenced keys cost.
//
// What one application can make the operator hold is bounded by its schema: at most 32
// materials of at most 30 files and recordings, and 5 notification Secrets, so at most 965
// Secrets and 965 keys; per Secret, the digests of its referenced keys and at most
// maxNamedBytes of key names. What it makes the operator read is each of those Secrets once
// per resourceVersion, one at a time per worker, each at most one etcd object (1.5 MiB), and
// scanned as it arrives (scanSecret): the Secret is never decoded whole.
type digestCache struct {
	open secretOpener
	mu   sync.Mutex
	// apps are the Secret keys each application referenced at its last reconcile: what it
	// holds in secrets, released when it references less or is deleted.
	apps    map[types.NamespacedName]secretKeyRefs
	secrets map[types.NamespacedName]*secretEntry
}

// secretKeyRefs are the keys one application references, by Secret.
type secretKeyRefs map[types.NamespacedName][]string

type secretEntry struct {
	// users counts the applications that reference the Secret; keys, per referenced key, the
	// applications that reference it.
	users int
	keys  map[string]int
	// read is the last read, of resourceVersion; nil until read, or when the Secret is gone.
	read            *secretRead
	resourceVersion string
}

// secretRead is one read of a Secret, for the keys referenced then. Reconciles share it, so
// it is never changed once made.
type secretRead struct {
	// sums maps every key referenced when it was read to "sha256:<hex>", or missingFile.
	sums map[string]string
	// kinds maps every key present to its media type, sniffed from the first bytes of the
	// value as it was digested (D33): one short string per key, no second read.
	kinds map[string]string
	// count is how many keys the Secret has; names are its first keys in sorted order, at
	// most requirements.MaxKeysNamed and maxNamedBytes of them, kept only when a referenced
	// key is missing (they are for that message).
	count int
	names []string
}

// maxNamedBytes bounds the key names kept of one Secret: enough for a merchant to spot a typo,
// little enough that 965 Secrets with a missing key each cost under 0.5 MiB.
const maxNamedBytes = 512

// secretOpener opens a Secret as the API server serves it, in JSON.
type secretOpener func(ctx context.Context, key types.NamespacedName) (io.ReadCloser, error)

func newDigestCache(open secretOpener) *digestCache {
	return &digestCache{open: open, apps: map[types.NamespacedName]secretKeyRefs{}, secrets: map[types.NamespacedName]*secretEntry{}}
}

// secretStreams opens Secrets through the manager's connection to the API server, as JSON
// streams: the typed clients decode a whole Secret, 100,000 keys and all, before returning it.
func secretStreams(mgr ctrl.Manager) (secretOpener, error) {
	cfg := rest.CopyConfig(mgr.GetConfig())
	cfg.APIPath, cfg.GroupVersion = "/api", &corev1.SchemeGroupVersion
	cfg.ContentType, cfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	cfg.NegotiatedSerializer = serializer.NewCodecFactory(mgr.GetScheme()).WithoutConversion()
	rc, err := rest.RESTClientForConfigAndClient(cfg, mgr.GetHTTPClient())
	if err != nil {
		return nil, fmt.Errorf("a client to read Secrets: %w", err)
	}
	return func(ctx context.Context, key types.NamespacedName) (io.ReadCloser, error) {
		return rc.Get().Namespace(key.Namespace).Resource("secrets").Name(key.Name).Stream(ctx)
	}, nil
}

// use records the keys app references now and releases what it referenced before and no
// longer does; release is use with nothing.
func (c *digestCache) use(app types.NamespacedName, refs secretKeyRefs) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.apps[app]
	if maps.EqualFunc(old, refs, slices.Equal) {
		return
	}
	// Add before releasing, so that a Secret still referenced is not dropped in between.
	for key, keys := range refs {
		e := c.secrets[key]
		if e == nil {
			e = &secretEntry{keys: map[string]int{}}
			c.secrets[key] = e
		}
		e.users++
		for _, k := range keys {
			e.keys[k]++
		}
	}
	for key, keys := range old {
		e := c.secrets[key]
		e.users--
		if e.users == 0 {
			delete(c.secrets, key)
			continue
		}
		dropped := false
		for _, k := range keys {
			if e.keys[k]--; e.keys[k] == 0 {
				delete(e.keys, k)
				dropped = true
			}
		}
		if dropped && e.read != nil {
			e.read = e.read.only(e.keys)
		}
	}
	if len(refs) == 0 {
		delete(c.apps, app)
	} else {
		c.apps[app] = refs
	}
}

func (c *digestCache) release(app types.NamespacedName) { c.use(app, nil) }

// of returns what the reconciler needs of a Secret for keys, which the application has
// declared with use; nil when the Secret does not exist. cached holds the Secrets' metadata
// only; the Secret is read from the API server when its resourceVersion changed or a key is
// asked for the first time.
func (c *digestCache) of(ctx context.Context, cached client.Reader, key types.NamespacedName, keys []string) (*secretRead, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := cached.Get(ctx, key, meta)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	// Not in the cache may be a cache that has not seen a new Secret yet: the API server says.
	c.mu.Lock()
	e := c.secrets[key]
	var want []string
	if e != nil {
		if err == nil && e.read != nil && e.resourceVersion == meta.ResourceVersion && e.read.covers(keys) {
			c.mu.Unlock()
			return e.read, nil
		}
		want = slices.Collect(maps.Keys(e.keys)) // every application's keys, not only app's
	}
	c.mu.Unlock()
	for _, k := range keys {
		if !slices.Contains(want, k) {
			want = append(want, k)
		}
	}

	body, err := c.open(ctx, key)
	if apierrors.IsNotFound(err) {
		c.store(key, e, "", nil)
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading Secret %s to pin its files: %w", key, err)
	}
	defer body.Close()
	rv, read, err := scanSecret(body, want)
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s to pin its files: %w", key, err)
	}
	c.store(key, e, rv, read)
	return read, nil
}

// store keeps a read in the entry it was made for, unless that entry was released meanwhile.
func (c *digestCache) store(key types.NamespacedName, e *secretEntry, rv string, read *secretRead) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e != nil && c.secrets[key] == e {
		e.read, e.resourceVersion = read, rv
	}
}

// scanSecret reads a Secret as the API server serves it in JSON, one token at a time, and
// keeps of it its resourceVersion, the digest of each of keys (missingFile where it has none),
// its number of keys and, when one of keys is missing, its first key names. It never holds
// the Secret: a value is decoded only for a key asked for, and every other token is garbage
// at once.
func scanSecret(r io.Reader, keys []string) (string, *secretRead, error) {
	want := make(map[string]string, len(keys)) // each key as the application spells it: no string of the Secret is kept
	for _, k := range keys {
		want[k] = k
	}
	read := &secretRead{sums: make(map[string]string, len(keys)), kinds: make(map[string]string, len(keys))}
	var rv string
	var names []string
	dec := json.NewDecoder(r)
	if err := delim(dec, '{'); err != nil {
		return "", nil, err
	}
	for dec.More() {
		field, err := dec.Token()
		if err != nil {
			return "", nil, err
		}
		switch field {
		case "metadata":
			var m struct {
				ResourceVersion string `json:"resourceVersion"`
			}
			if err := dec.Decode(&m); err != nil {
				return "", nil, fmt.Errorf("metadata: %w", err)
			}
			rv = m.ResourceVersion
		case "data":
			if names, err = scanData(dec, want, read); err != nil {
				return "", nil, fmt.Errorf("data: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", nil, err
			}
		}
	}
	if err := delim(dec, '}'); err != nil {
		return "", nil, err
	}
	missing := false
	for _, k := range keys {
		if _, ok := read.sums[k]; !ok {
			read.sums[k], missing = missingFile, true
		}
	}
	if missing {
		read.names = withinBytes(names, maxNamedBytes)
	}
	return rv, read, nil
}

// scanData reads the data object: it digests the keys wanted, counts the keys, and returns
// the first requirements.MaxKeysNamed of them in sorted order.
func scanData(dec *json.Decoder, want map[string]string, read *secretRead) ([]string, error) {
	t, err := dec.Token()
	if err != nil || t == nil { // "data": null
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, fmt.Errorf("want an object, got %v", t)
	}
	var names []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		read.count++
		names = firstSorted(names, k, requirements.MaxKeysNamed)
		var v []byte // base64 in JSON
		if canonical, ok := want[k]; ok {
			if err := dec.Decode(&v); err != nil {
				return nil, fmt.Errorf("key %q: %w", k, err)
			}
			sum := sha256.Sum256(v)
			read.sums[canonical] = "sha256:" + hex.EncodeToString(sum[:])
			read.kinds[canonical] = filekind.Sniff(v)
		} else if t, err := dec.Token(); err != nil {
			return nil, err
		} else if _, isDelim := t.(json.Delim); isDelim {
			return nil, fmt.Errorf("key %q: want a string, got %v", k, t)
		}
	}
	return names, delim(dec, '}')
}

// delim reads the next token, which must be d.
func delim(dec *json.Decoder, d json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != d {
		return fmt.Errorf("want %v, got %v", d, t)
	}
	return nil
}

// firstSorted adds k to names, the n smallest strings seen so far in sorted order.
func firstSorted(names []string, k string, n int) []string {
	if len(names) == n && k >= names[n-1] {
		return names
	}
	i, _ := slices.BinarySearch(names, k)
	names = slices.Insert(names, i, k)
	if len(names) > n {
		names[n] = "" // no reference left in the backing array
		names = names[:n]
	}
	return names
}

// withinBytes is the longest prefix of names whose lengths add up to at most max.
func withinBytes(names []string, max int) []string {
	size := 0
	for i, k := range names {
		if size += len(k); size > max {
			return slices.Clip(names[:i])
		}
	}
	return slices.Clip(names)
}

// covers reports whether the read has an answer for every key.
func (r *secretRead) covers(keys []string) bool {
	for _, k := range keys {
		if _, ok := r.sums[k]; !ok {
			return false
		}
	}
	return true
}

// only is the read for fewer keys: a new read, since reconciles may hold this one.
func (r *secretRead) only(keys map[string]int) *secretRead {
	out := &secretRead{sums: make(map[string]string, len(keys)), kinds: make(map[string]string, len(keys)), count: r.count, names: r.names}
	for k, v := range r.sums {
		if keys[k] > 0 {
			out.sums[k] = v
			if kind, ok := r.kinds[k]; ok {
				out.kinds[k] = kind
			}
		}
	}
	return out
}

// keys answers the requirements engine about one Secret from a read: whether it has each
// referenced key, how many keys it has, and its first names.
func (r *secretRead) keys() requirements.SecretKeys {
	return requirements.SecretKeys{
		Has: func(key string) bool {
			sum, ok := r.sums[key]
			return ok && sum != missingFile
		},
		Count: r.count,
		Names: r.names,
		Kind:  func(key string) string { return r.kinds[key] },
	}
}
