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
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
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

// pinMaterials computes the pins of the application's Secret files. Values are read from the
// API server (the cache holds none) only when a Secret's resourceVersion changed since the
// last read; only their digests are kept, in memory and in status.
func (r *ApplicationReconciler) pinMaterials(ctx context.Context, s *appState) (stepResult, error) {
	refs := secretFileRefs(s.app)
	files := make([]qualv1.SecretFileDigest, 0, len(refs))
	sums := map[string]map[string]string{}
	for _, ref := range refs {
		byKey, ok := sums[ref.Name]
		if !ok {
			var err error
			if byKey, err = r.digests().of(ctx, r.Client, r.APIReader, types.NamespacedName{Namespace: s.app.Namespace, Name: ref.Name}); err != nil {
				return stepResult{}, err
			}
			sums[ref.Name] = byKey
		}
		sum, ok := byKey[ref.Key]
		if !ok {
			sum = missingFile
		}
		files = append(files, qualv1.SecretFileDigest{Name: ref.Name, Key: ref.Key, SHA256: sum})
	}
	s.pins = &pins{files: files, digest: materialsDigest(files)}
	return stepResult{}, nil
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

// of returns key → "sha256:<hex>" for a Secret; nil when it does not exist.
func (c *digestCache) of(ctx context.Context, cached, live client.Reader, key types.NamespacedName) (map[string]string, error) {
	meta := &corev1.Secret{}
	if err := cached.Get(ctx, key, meta); apierrors.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && e.resourceVersion == meta.ResourceVersion {
		return e.sums, nil
	}
	sec := &corev1.Secret{}
	if err := live.Get(ctx, key, sec); apierrors.IsNotFound(err) {
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
