package requirements

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkFileRefs: every file and recording is referenced the way D19 allows (a key of a
// Secret in the same namespace, or an https URL pinned by sha256) and, when Secrets can be
// looked up, every referenced Secret and key exists. Notification sinks need a Secret with
// key address. Messages name keys, never values.
func (c *check) checkFileRefs() {
	secrets := c.secretCache()
	for i, m := range c.spec.Materials {
		for j, f := range m.Files {
			c.checkFileRef(materialPath(i).Child("files").Index(j), f, false, secrets)
		}
		for j, f := range m.Recordings {
			c.checkFileRef(materialPath(i).Child("recordings").Index(j), f, true, secrets)
		}
	}
	if secrets == nil {
		return
	}
	for k, n := range c.spec.Notify {
		c.checkSecretKey(notifyPath.Index(k).Child("secretRef"), n.SecretRef.Name, notifyAddressKey,
			"a notification Secret needs key address (the https URL to post to)", secrets)
	}
}

func (c *check) checkFileRef(p *field.Path, f v1alpha1.FileRef, recording bool, secrets SecretLookup) {
	switch {
	case f.SecretKeyRef != nil && f.URL != "":
		c.add("D19", p, "both secretKeyRef and url are set: reference the file either as a key of a Secret in this namespace or as an https URL with its sha256 digest, not both")
		return
	case f.SecretKeyRef == nil && f.URL == "":
		c.add("D19", p, "no file is referenced: set secretKeyRef (a key of a Secret in this namespace) or url with sha256 (an https URL pinned by its digest)")
		return
	case f.URL != "":
		if !strings.HasPrefix(f.URL, "https://") {
			c.add("D19", p.Child("url"), "url %q is not an https URL: serve the file over https or put it in a Secret of this namespace", f.URL)
		}
		if !sha256Hex.MatchString(f.SHA256) {
			c.add("D19", p.Child("sha256"), "a file referenced by url must be pinned by its sha256 digest: set sha256 to the 64 lowercase hex digits of the file's SHA-256")
		}
		return
	}
	if secrets != nil {
		if c.checkSecretKey(p.Child("secretKeyRef"), f.SecretKeyRef.Name, f.SecretKeyRef.Key,
			"add the key to the Secret or correct secretKeyRef.key", secrets) {
			c.checkFileKind(p.Child("secretKeyRef"), *f.SecretKeyRef, recording, secrets)
		}
	}
}

// checkFileKind: a Secret file is what its place says, by content (D33, internal/filekind).
func (c *check) checkFileKind(p *field.Path, ref v1alpha1.SecretKeyReference, recording bool, secrets SecretLookup) {
	keys, _ := secrets(ref.Name)
	if keys.Kind == nil {
		return
	}
	what := fmt.Sprintf("Secret %q key %q", ref.Name, ref.Key)
	if msg := filekind.Problem(recording, keys.Kind(ref.Key), what); msg != "" {
		c.add(filekind.Rule, p, "%s", msg)
	}
}

// checkSecretKey reports a missing Secret or key; hint says what to do about a missing key.
// It reports whether the key exists.
func (c *check) checkSecretKey(p *field.Path, name, key, hint string, secrets SecretLookup) bool {
	ns := fmt.Sprintf("namespace %q", c.in.App.Namespace)
	if c.in.App.Namespace == "" {
		ns = "the application's namespace"
	}
	keys, found := secrets(name)
	switch {
	case !found:
		c.add("D19", p,
			"Secret %q not found in %s: create it there with key %q, or correct the Secret name (a Secret of another namespace is never used)",
			name, ns, key)
	case !keys.Has(key):
		c.add("D19", p, "Secret %q in %s has no key %q (%s); %s", name, ns, key, keyList(keys), hint)
	default:
		return true
	}
	return false
}

// keyList names a Secret's keys for the message about a missing one: at most MaxKeysNamed,
// and how many more there are.
func keyList(k SecretKeys) string {
	if k.Count == 0 {
		return "it has no keys"
	}
	names := slices.Sorted(slices.Values(k.Names))
	names = names[:min(len(names), MaxKeysNamed, k.Count)]
	if len(names) == 0 {
		return fmt.Sprintf("it has %d keys", k.Count)
	}
	s := "its keys: " + strings.Join(names, ", ")
	if more := k.Count - len(names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// notifyAddressKey is the key a notification Secret must have (internal/notify reads it).
const notifyAddressKey = "address"

// CheckedSecretKeys lists, per Secret name, the keys the engine looks up when Secret checks
// are on (D19): every secretKeyRef of the materials, and key address of every notification
// Secret. A caller reads a Secret for these keys only.
func CheckedSecretKeys(app *v1alpha1.CategoryApplication) map[string][]string {
	out := map[string][]string{}
	add := func(name, key string) {
		if !slices.Contains(out[name], key) {
			out[name] = append(out[name], key)
		}
	}
	for _, m := range app.Spec.Materials {
		for _, refs := range [][]v1alpha1.FileRef{m.Files, m.Recordings} {
			for _, f := range refs {
				if f.SecretKeyRef != nil {
					add(f.SecretKeyRef.Name, f.SecretKeyRef.Key)
				}
			}
		}
	}
	for _, n := range app.Spec.Notify {
		add(n.SecretRef.Name, notifyAddressKey)
	}
	return out
}

// secretCache memoizes in.Secrets, so each Secret is looked up once per evaluation; nil when
// Secret checks are off.
func (c *check) secretCache() SecretLookup {
	if c.in.Secrets == nil {
		return nil
	}
	type result struct {
		keys  SecretKeys
		found bool
	}
	seen := map[string]result{}
	return func(name string) (SecretKeys, bool) {
		r, ok := seen[name]
		if !ok {
			r.keys, r.found = c.in.Secrets(name)
			seen[name] = r
		}
		return r.keys, r.found
	}
}
