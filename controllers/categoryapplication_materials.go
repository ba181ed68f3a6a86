package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/index"
)

// pins are the digests of an application's material files kept in Secrets, as they are now:
// what a review round records and a decision is bound to (D17, D19).
type pins struct {
	files  []qualv1.SecretFileDigest
	digest string
}

// missingFile is the digest of a referenced Secret key that does not exist: the requirements
// step reports it, and a key that appears later is a change of content.
const missingFile = "missing"

// readSecrets reads, for every Secret the application references, its keys and the digests of
// their values: the requirements step checks the keys (D19) and pinMaterials the digests. The
// manager caches only Secrets' metadata (it never holds their values); a Secret is read from the
// API server once per resourceVersion. A failed read is an error to retry, never "not found".
func (r *ApplicationReconciler) readSecrets(ctx context.Context, s *appState) (stepResult, error) {
	s.secrets = map[string]map[string]string{}
	for _, nsName := range index.ReferencedSecrets(s.app) { // materials and notification sinks
		key := types.NamespacedName{Namespace: s.app.Namespace, Name: nsName[len(s.app.Namespace)+1:]}
		sums, err := r.digests().of(ctx, r.Client, r.APIReader, key)
		if err != nil {
			return stepResult{}, err
		}
		s.secrets[key.Name] = sums // nil: not found
	}
	return stepResult{}, nil
}

// pinMaterials computes the pins of the application's Secret files from what readSecrets read.
func (r *ApplicationReconciler) pinMaterials(_ context.Context, s *appState) (stepResult, error) {
	s.pins = pinsOf(s.app, s.secrets)
	return stepResult{}, nil
}

// pinsOf is pure: the digest of every referenced Secret key, "missing" where there is none.
func pinsOf(app *qualv1.CategoryApplication, secrets map[string]map[string]string) *pins {
	refs := secretFileRefs(app)
	files := make([]qualv1.SecretFileDigest, 0, len(refs))
	for _, ref := range refs {
		sum, ok := secrets[ref.Name][ref.Key]
		if !ok {
			sum = missingFile
		}
		files = append(files, qualv1.SecretFileDigest{Name: ref.Name, Key: ref.Key, SHA256: sum})
	}
	return &pins{files: files, digest: materialsDigest(files)}
}

// secretFileRefs are the distinct Secret keys the materials name, sorted.
func secretFileRefs(app *qualv1.CategoryApplication) []qualv1.SecretKeyReference {
	seen := map[qualv1.SecretKeyReference]bool{}
	var out []qualv1.SecretKeyReference
	for _, m := range app.Spec.Materials {
		for _, refs := range [][]qualv1.FileRef{m.Files, m.Recordings} {
			for _, f := range refs {
				if f.SecretKeyRef != nil && !seen[*f.SecretKeyRef] {
					seen[*f.SecretKeyRef] = true
					out = append(out, *f.SecretKeyRef)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// materialsDigest is pure: one sha256 over the sorted per-file digests.
func materialsDigest(files []qualv1.SecretFileDigest) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", f.Name, f.Key, f.SHA256)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// digestCache remembers, per Secret, the digests of its values at one resourceVersion, so
// a Secret is read from the API server once per change, not once per reconcile.
type digestCache struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]digestEntry
}

type digestEntry struct {
	resourceVersion string
	sums            map[string]string
}

func (r *ApplicationReconciler) digests() *digestCache {
	r.digestOnce.Do(func() { r.digestCache = &digestCache{entries: map[types.NamespacedName]digestEntry{}} })
	return r.digestCache
}

// of returns key → "sha256:<hex>" for a Secret; nil when it does not exist. cached holds the
// Secrets' metadata only.
func (c *digestCache) of(ctx context.Context, cached, live client.Reader, key types.NamespacedName) (map[string]string, error) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := cached.Get(ctx, key, meta)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	// Not in the cache may be a cache that has not seen a new Secret yet: the API server says.
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if err == nil && ok && e.resourceVersion == meta.ResourceVersion {
		return e.sums, nil
	}
	sec := &corev1.Secret{}
	if err := live.Get(ctx, key, sec); apierrors.IsNotFound(err) {
		c.forget(key)
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading Secret %s to pin its files: %w", key, err)
	}
	sums := make(map[string]string, len(sec.Data))
	for k, v := range sec.Data {
		sum := sha256.Sum256(v)
		sums[k] = "sha256:" + hex.EncodeToString(sum[:])
	}
	c.mu.Lock()
	c.entries[key] = digestEntry{resourceVersion: sec.ResourceVersion, sums: sums}
	c.mu.Unlock()
	return sums, nil
}

func (c *digestCache) forget(key types.NamespacedName) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}
