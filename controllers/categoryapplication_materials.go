package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/requirements"
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

// readSecrets reads, for every Secret the application references, what the requirements step
// (D19) and pinMaterials need: the digests of the keys it references, and the Secret's key
// count and first names for the message about a missing key (digestCache). The manager caches
// only Secrets' metadata (it never holds their values); a Secret is read from the API server
// once per resourceVersion. A failed read is an error to retry, never "not found".
func (r *ApplicationReconciler) readSecrets(ctx context.Context, s *appState) (stepResult, error) {
	refs := secretKeyRefs{}
	for name, keys := range requirements.CheckedSecretKeys(s.app) { // materials and notification sinks
		refs[types.NamespacedName{Namespace: s.app.Namespace, Name: name}] = keys
	}
	r.digests.use(client.ObjectKeyFromObject(s.app), refs)
	s.secrets = make(map[string]*secretRead, len(refs))
	for key, keys := range refs {
		read, err := r.digests.of(ctx, r.Client, key, keys)
		if err != nil {
			return stepResult{}, err
		}
		s.secrets[key.Name] = read // nil: not found
	}
	return stepResult{}, nil
}

// pinMaterials computes the pins of the application's Secret files from what readSecrets read.
func (r *ApplicationReconciler) pinMaterials(_ context.Context, s *appState) (stepResult, error) {
	sums := make(map[string]map[string]string, len(s.secrets))
	for name, read := range s.secrets {
		if read != nil {
			sums[name] = read.sums
		}
	}
	s.pins = pinsOf(s.app, sums)
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
