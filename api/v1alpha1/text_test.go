package v1alpha1

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

func TestPrintable(t *testing.T) {
	for _, c := range []struct {
		in            string
		oneLine, text bool
	}{
		{"Acme Jewelry Flagship", true, true},
		{"阿克美珠宝　旗舰店 (Acme) – “gold” ½ 💍", true, true}, // CJK, an ideographic space, punctuation, an emoji
		{"", true, true},
		{"Acme\x1b[8m", false, false},  // ESC: conceal what follows
		{"Acme\u009b8m", false, false}, // C1 CSI
		{"Acme\x7f", false, false},
		{"Acme\x00", false, false},
		{"Acme\rCHANGED", false, false},
		{"two\nlines", false, true},
		{"a\ttab", false, true},
		{"Acme\u202eevil", false, false}, // right-to-left override
		{"Acme\u2066x\u2069", false, false},
		{"Acme\u200f", false, false},
		{"Acme\u2028more", false, false},
	} {
		g := NewWithT(t)
		g.Expect(PrintableOneLine(c.in)).To(Equal(c.oneLine), "one line: %q", c.in)
		g.Expect(PrintableText(c.in)).To(Equal(c.text), "text: %q", c.in)
	}
}

// TestFreeTextRules: every string of the spec that is neither an enum nor bound by a pattern
// or a format is free text and carries the one-line rule, spelled as UnprintableOneLine; a
// decision's message carries the text rule. A field added without it fails here.
func TestFreeTextRules(t *testing.T) {
	g := NewWithT(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "qualification.channelshop.dev_categoryapplications.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	var crd apiextensionsv1.CustomResourceDefinition
	g.Expect(yaml.Unmarshal(data, &crd)).To(Succeed())
	root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties

	oneLine := "!self.matches(r'" + UnprintableOneLine + "')"
	var free []string
	var walk func(path string, s apiextensionsv1.JSONSchemaProps)
	walk = func(path string, s apiextensionsv1.JSONSchemaProps) {
		if s.Type == "string" && len(s.Enum) == 0 && s.Pattern == "" && s.Format == "" {
			free = append(free, path)
			g.Expect(rules(s)).To(ContainElement(oneLine), "%s is free text", path)
		}
		for name, p := range s.Properties {
			walk(path+"."+name, p)
		}
		if s.Items != nil && s.Items.Schema != nil {
			walk(path+"[]", *s.Items.Schema)
		}
	}
	walk("spec", root["spec"])
	sort.Strings(free)
	g.Expect(free).To(Equal([]string{
		"spec.materials[].account", "spec.materials[].brand",
		"spec.materials[].files[].secretKeyRef.name", "spec.materials[].files[].url",
		"spec.materials[].owner",
		"spec.materials[].recordings[].secretKeyRef.name", "spec.materials[].recordings[].url",
		"spec.materials[].subject", "spec.materials[].trademarkNumber",
		"spec.merchant.legalEntity", "spec.merchant.shopName",
		"spec.notify[].secretRef.name",
	}))

	decision := root["status"].Properties["decision"]
	g.Expect(rules(decision)).To(ContainElement("!has(self.message) || !self.message.matches(r'" + UnprintableText + "')"))
}

func rules(s apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	for _, r := range s.XValidations {
		out = append(out, strings.TrimSpace(r.Rule))
	}
	return out
}
