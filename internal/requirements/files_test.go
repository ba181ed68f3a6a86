package requirements

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// withSecrets replaces the namespace's Secrets after edit has changed them.
func withSecrets(edit func(map[string]sets.Set[string])) func(*Input, *v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
	return func(in *Input, _ *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
		s := acmeSecrets()
		edit(s)
		in.Secrets = lookupIn(s)
	}
}

func TestFileReferenceRules(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name:   "D19 Secret not found",
			mutate: withSecrets(func(s map[string]sets.Set[string]) { delete(s, "acme-recordings") }),
			want: []want{
				{"D19", "spec.materials[3].recordings[0].secretKeyRef", `Secret "acme-recordings" not found in namespace "shop-acme": create it there with key "qualification.mp4"`},
				{"D19", "spec.materials[4].recordings[0].secretKeyRef", `Secret "acme-recordings" not found in namespace "shop-acme"`},
				{"D19", "spec.materials[5].recordings[0].secretKeyRef", `Secret "acme-recordings" not found in namespace "shop-acme"`},
			},
		},
		{
			name:   "D19 key missing names the keys, never values",
			mutate: withSecrets(func(s map[string]sets.Set[string]) { s["acme-recordings"].Delete("sales-flow.mp4") }),
			want: []want{{"D19", "spec.materials[5].recordings[0].secretKeyRef",
				`Secret "acme-recordings" in namespace "shop-acme" has no key "sales-flow.mp4" (its keys: qualification.mp4, reputation.mp4); add the key to the Secret or correct secretKeyRef.key`}},
		},
		{
			name:   "D19 empty Secret",
			mutate: withSecrets(func(s map[string]sets.Set[string]) { s["acme-recordings"] = sets.New[string]() }),
			want: []want{
				{"D19", "spec.materials[3].recordings[0].secretKeyRef", "it has no keys"},
				{"D19", "spec.materials[4].recordings[0].secretKeyRef", "it has no keys"},
				{"D19", "spec.materials[5].recordings[0].secretKeyRef", "it has no keys"},
			},
		},
		{
			name: "D19 second file of a material",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iStore].Files[1].SecretKeyRef.Key = "office-3.jpg"
			},
			want: []want{{"D19", "spec.materials[7].files[1].secretKeyRef", `has no key "office-3.jpg"`}},
		},
		{
			name:   "D19 notification Secret not found",
			mutate: withSecrets(func(s map[string]sets.Set[string]) { delete(s, "acme-notify") }),
			want:   []want{{"D19", "spec.notify[0].secretRef", `Secret "acme-notify" not found in namespace "shop-acme": create it there with key "address"`}},
		},
		{
			name:   "D19 notification Secret without address",
			mutate: withSecrets(func(s map[string]sets.Set[string]) { s["acme-notify"] = sets.New("token", "format") }),
			want: []want{{"D19", "spec.notify[0].secretRef",
				`Secret "acme-notify" in namespace "shop-acme" has no key "address" (its keys: format, token); a notification Secret needs key address`}},
		},
		{
			name: "D19 nil Secrets skips existence checks (admission)",
			mutate: func(in *Input, _ *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				in.Secrets = nil
			},
		},
		{
			name: "D19 nil Secrets still checks how files are referenced",
			mutate: func(in *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				in.Secrets = nil
				app.Spec.Materials[iTrademark].Files[0].SHA256 = ""
			},
			want: []want{{"D19", "spec.materials[2].files[0].sha256", "must be pinned by its sha256 digest"}},
		},
		{
			name: "D19 url must be https",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iTrademark].Files[0].URL = "http://files.acme.example/tm-12345678.pdf"
			},
			want: []want{{"D19", "spec.materials[2].files[0].url", `url "http://files.acme.example/tm-12345678.pdf" is not an https URL`}},
		},
		{
			name: "D19 both secretKeyRef and url",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iTrademark].Files[0].SecretKeyRef = &v1alpha1.SecretKeyReference{Name: "acme-docs", Key: "trademark.pdf"}
			},
			want: []want{{"D19", "spec.materials[2].files[0]", "both secretKeyRef and url are set"}},
		},
		{
			name: "D19 neither secretKeyRef nor url",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iQualification].Recordings[0] = v1alpha1.FileRef{}
			},
			want: []want{{"D19", "spec.materials[3].recordings[0]", "no file is referenced"}},
		},
	})
}

func TestSecretsAreLookedUpOncePerName(t *testing.T) {
	g := NewWithT(t)
	calls := map[string]int{}
	in := inputFor(goldApplication(), jewelryPolicy())
	secrets := acmeSecrets()
	in.Secrets = func(name string) (SecretKeys, bool) {
		calls[name]++
		keys, ok := secrets[name]
		return KeysOf(keys), ok
	}
	g.Expect(Evaluate(in)).To(BeNil())
	g.Expect(calls).To(Equal(map[string]int{"acme-docs": 1, "acme-recordings": 1, "acme-notify": 1}))
}

// The engine asks a Secret only about the keys CheckedSecretKeys lists, and names at most
// MaxKeysNamed of its keys: a caller holds no more of a Secret of 100,000 keys than that.
func TestSecretKeysAskedAndNamed(t *testing.T) {
	g := NewWithT(t)
	app := goldApplication()
	checked := CheckedSecretKeys(app)
	g.Expect(checked).To(HaveLen(3))
	g.Expect(checked["acme-notify"]).To(Equal([]string{"address"}))
	g.Expect(checked["acme-recordings"]).To(ConsistOf("qualification.mp4", "reputation.mp4", "sales-flow.mp4"))

	in := inputFor(app, jewelryPolicy())
	asked := map[string][]string{}
	secrets := acmeSecrets()
	in.Secrets = func(name string) (SecretKeys, bool) {
		keys := KeysOf(secrets[name])
		has := keys.Has
		keys.Has = func(key string) bool { asked[name] = append(asked[name], key); return has(key) }
		return keys, true
	}
	g.Expect(Evaluate(in)).To(BeNil())
	for name, keys := range asked {
		g.Expect(checked[name]).To(ContainElements(keys), "Secret %s", name)
	}

	for _, c := range []struct {
		keys SecretKeys
		want string
	}{
		{SecretKeys{Count: 0}, "(it has no keys)"},
		{SecretKeys{Count: 2, Names: []string{"b", "a"}}, "(its keys: a, b)"},
		{SecretKeys{Count: 100_000, Names: manyNames(40)}, "(its keys: k00, k01, k02, "},
		{SecretKeys{Count: 100_000, Names: manyNames(40)}, ", k29 and 99970 more)"},
		{SecretKeys{Count: 100_000, Names: manyNames(3)}, "(its keys: k00, k01, k02 and 99997 more)"},
		{SecretKeys{Count: 7}, "(it has 7 keys)"},
	} {
		in := inputFor(goldApplication(), jewelryPolicy())
		c.keys.Has = func(string) bool { return false }
		in.Secrets = func(string) (SecretKeys, bool) { return c.keys, true }
		got := Evaluate(in)
		g.Expect(got).NotTo(BeEmpty())
		g.Expect(got[0].Message).To(ContainSubstring(c.want))
	}
}

func manyNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("k%02d", i)
	}
	return out
}
