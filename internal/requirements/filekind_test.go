package requirements

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// withKinds answers Secret lookups with content kinds: every document an image, every
// recording a video, except those kinds overrides.
func withKinds(overrides map[string]string) func(*Input, *v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
	return func(in *Input, _ *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
		secrets := acmeSecrets()
		in.Secrets = func(name string) (SecretKeys, bool) {
			keys, ok := secrets[name]
			k := KeysOf(keys)
			k.Kind = func(key string) string {
				if t, ok := overrides[name+"/"+key]; ok {
					return t
				}
				if strings.HasSuffix(key, ".mp4") {
					return "video/mp4"
				}
				return "image/jpeg"
			}
			return k, ok
		}
	}
}

func TestFileKindRules(t *testing.T) {
	runGold(t, []ruleCase{
		{name: "D33 every file of its kind", mutate: withKinds(nil)},
		{name: "D33 a PDF is a document", mutate: withKinds(map[string]string{"acme-docs/filing-letter.jpg": "application/pdf"})},
		{
			name:   "D33 text where a photo should be names the file",
			mutate: withKinds(map[string]string{"acme-docs/filing-letter.jpg": "text/plain"}),
			want: []want{{"D33", "spec.materials[0].files[0].secretKeyRef",
				`Secret "acme-docs" key "filing-letter.jpg" holds plain text by its content, not an image or a PDF (a photo, scan or screenshot)`}},
		},
		{
			name:   "D33 a photo is no recording",
			mutate: withKinds(map[string]string{"acme-recordings/sales-flow.mp4": "image/png"}),
			want: []want{{"D33", "spec.materials[5].recordings[0].secretKeyRef",
				`Secret "acme-recordings" key "sales-flow.mp4" holds image/png by its content, not a video (a screen recording)`}},
		},
		{
			name:   "D33 SVG is not an image a reviewer may open",
			mutate: withKinds(map[string]string{"acme-docs/office-1.jpg": "image/svg+xml"}),
			want:   []want{{"D33", "spec.materials[7].files[0].secretKeyRef", `holds image/svg+xml by its content`}},
		},
		// Without content (the admission webhook), D33 is not judged.
		{name: "D33 keys only", mutate: withSecrets(func(map[string]sets.Set[string]) {})},
	})
}
