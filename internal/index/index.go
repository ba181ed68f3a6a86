// Package index names the field indexes on CategoryApplication and registers them, so the
// controllers and the admission webhooks look applications up the same way without either
// depending on the other.
package index

import (
	"context"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Field indexes on CategoryApplication, so lookups never List-and-filter everything.
const (
	// DuplicateKeyField is appID + category (D1).
	DuplicateKeyField = "qualification.channelshop.dev/duplicate-key"
	// PolicyField is spec.category.group: the applications a policy governs.
	PolicyField = "qualification.channelshop.dev/policy"
	// SecretField is namespace/name of every Secret an application references.
	SecretField = "qualification.channelshop.dev/secret"
	// FileDigestField is the sha256 of every file an application holds (D34, FileDigests).
	FileDigestField = "qualification.channelshop.dev/file-digest"
)

// FileDigests are the sha256 digests ("sha256:<hex>") of an application's Secret files as the
// operator recorded them for the round (status.secretFiles; a missing key has none), each once,
// sorted. URL files are left out: their sha256 is only what the merchant declared (the operator
// never downloads them), and a declared digest would let a merchant who knows a competitor's
// file mark it as reused by naming it behind an address that never answers (D34).
func FileDigests(app *qualv1.CategoryApplication) []string {
	seen := map[string]bool{}
	for _, f := range app.Status.SecretFiles {
		if strings.HasPrefix(f.SHA256, "sha256:") {
			seen[f.SHA256] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// DuplicateKey identifies (shop, category) for D1.
func DuplicateKey(app *qualv1.CategoryApplication) string {
	return app.Spec.Merchant.AppID + "|" + app.Spec.Category.String()
}

// ReferencedSecrets lists namespace/name of the Secrets an application names, materials and
// notification sinks (D19: same namespace only), each once.
func ReferencedSecrets(app *qualv1.CategoryApplication) []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		key := app.Namespace + "/" + name
		if !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	for _, m := range app.Spec.Materials {
		for _, refs := range [][]qualv1.FileRef{m.Files, m.Recordings} {
			for _, f := range refs {
				if f.SecretKeyRef != nil {
					add(f.SecretKeyRef.Name)
				}
			}
		}
	}
	for _, n := range app.Spec.Notify {
		add(n.SecretRef.Name)
	}
	return out
}

// Setup registers the indexes on a manager's field indexer.
func Setup(ctx context.Context, idx client.FieldIndexer) error {
	app := &qualv1.CategoryApplication{}
	for name, fn := range map[string]func(*qualv1.CategoryApplication) []string{
		DuplicateKeyField: func(a *qualv1.CategoryApplication) []string { return []string{DuplicateKey(a)} },
		PolicyField:       func(a *qualv1.CategoryApplication) []string { return []string{a.Spec.Category.Group} },
		SecretField:       ReferencedSecrets,
		FileDigestField:   FileDigests,
	} {
		if err := idx.IndexField(ctx, app, name, func(o client.Object) []string {
			return fn(o.(*qualv1.CategoryApplication))
		}); err != nil {
			return err
		}
	}
	return nil
}
