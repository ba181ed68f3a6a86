package celrules

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestCompileAcceptsRealisticRules(t *testing.T) {
	for name, expr := range map[string]string{
		"string function":   "object.spec.merchant.shopName.contains('Flagship')",
		"exists with in":    "object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.platform in ['Douyin', 'Kuaishou'])",
		"has on optional":   "!has(object.spec.merchant.registeredCapitalCNY) || object.spec.merchant.registeredCapitalCNY >= 1000000",
		"quantity library":  "!has(object.spec.materials[0].reputationScore) || quantity(object.spec.materials[0].reputationScore).compareTo(quantity('4.7')) >= 0",
		"lists library":     "object.spec.materials.map(m, m.type).distinct().size() >= 3",
		"sets library":      "sets.contains(object.spec.materials.map(m, m.type), ['FilingLetter', 'BusinessLicense'])",
		"date as timestamp": "object.spec.materials.all(m, !has(m.validUntil) || m.validUntil > timestamp('2026-01-01T00:00:00Z'))",
		"nested list":       "object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.monthlySalesCNY.all(s, s > 500000))",
		"url library":       "object.spec.materials.all(m, m.files.all(f, !has(f.url) || url(f.url).getHost() == 'cdn.example.com'))",
		"metadata":          "object.metadata.name.startsWith('golden') && object.metadata.namespace != '' && object.metadata.labels['tier'] == 'gold'",
		"type meta":         "object.kind == 'CategoryApplication' && object.apiVersion.startsWith('qualification.channelshop.dev/')",
		"two nested loops":  "object.spec.materials.all(a, object.spec.materials.all(b, a == b || a.type != b.type || a.type == 'Brand'))",
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			p, errs := Compile([]v1alpha1.CustomRule{rule("r", expr)})
			g.Expect(errs).To(BeEmpty())
			g.Expect(p.Len()).To(Equal(1))
			g.Expect(p.rules[0].maxCost).To(BeNumerically("<=", PerRuleCostLimit))
		})
	}
}

func TestCompileRefusesUnknownFieldWithItsPath(t *testing.T) {
	for name, tc := range map[string]struct{ expr, want string }{
		"misspelled spec field":  {"object.spec.merchnat.shopName == 'x'", "undefined field 'merchnat'"},
		"misspelled leaf":        {"object.spec.merchant.shopNmae.contains('x')", "undefined field 'shopNmae'"},
		"field of list item":     {"object.spec.materials.exists(m, m.platfrom == 'Douyin')", "undefined field 'platfrom'"},
		"status is not visible":  {"object.status.phase == 'Approved'", "undefined field 'status'"},
		"metadata not exposed":   {"object.metadata.annotations['x'] == 'y'", "undefined field 'annotations'"},
		"undeclared variable":    {"self.spec.merchant.shopName == 'x'", "undeclared reference to 'self'"},
		"unknown function":       {"object.spec.merchant.shopName.frobnicate()", "undeclared reference to 'frobnicate'"},
		"wrong argument type":    {"object.spec.merchant.shopName.startsWith(1)", "found no matching overload for 'startsWith'"},
		"syntax error":           {"object.spec.merchant.shopName ==", "Syntax error"},
		"wrong type in operator": {"object.spec.merchant.registeredCapitalCNY == 'a lot'", "found no matching overload for '_==_'"},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			rules := []v1alpha1.CustomRule{
				rule("ok-1", "object.spec.channel == 'Shop'"),
				rule("ok-2", "size(object.spec.materials) > 0"),
				rule("bad", tc.expr),
			}
			p, errs := Compile(rules)
			g.Expect(p).To(BeNil())
			g.Expect(errs).To(HaveLen(1))
			g.Expect(errs[0].Type).To(Equal(field.ErrorTypeInvalid))
			g.Expect(errs[0].Field).To(Equal("spec.rules[2].expression"))
			g.Expect(errs[0].BadValue).To(Equal(tc.expr))
			g.Expect(errs[0].Detail).To(HavePrefix("compilation failed: "))
			g.Expect(errs[0].Detail).To(ContainSubstring(tc.want))
			g.Expect(errs.ToAggregate().Error()).To(ContainSubstring("spec.rules[2].expression"))
		})
	}
}

func TestCompileRefusesNonBool(t *testing.T) {
	for _, tc := range []struct{ expr, typ string }{
		{"object.spec.merchant.shopName", "string"},
		{"size(object.spec.materials)", "int"},
		{"object.spec.materials.filter(m, m.type == 'Brand')", "list"},
		// int-or-string is dyn: it might be a bool at runtime, but the rule must be one.
		{"object.spec.materials[0].reputationScore", "dyn"},
	} {
		g := NewWithT(t)
		p, errs := Compile([]v1alpha1.CustomRule{rule("r", tc.expr)})
		g.Expect(p).To(BeNil())
		g.Expect(errs).To(HaveLen(1), tc.expr)
		g.Expect(errs[0].Type).To(Equal(field.ErrorTypeInvalid))
		g.Expect(errs[0].Field).To(Equal("spec.rules[0].expression"))
		g.Expect(errs[0].Detail).To(HavePrefix("must evaluate to a bool, not " + tc.typ))
	}
}

func TestCompileRefusesExpensiveRules(t *testing.T) {
	g := NewWithT(t)
	// The limit is kube-apiserver's per-call CEL limit, used here for the estimate as well.
	g.Expect(PerRuleCostLimit).To(Equal(uint64(celconfig.PerCallLimit)))
	g.Expect(PerRuleCostLimit).To(Equal(uint64(1000000)))

	for name, expr := range map[string]string{
		// 32^3 iterations, each concatenating strings of up to 256 bytes.
		"cubic loop with string ops": "object.spec.materials.all(a, object.spec.materials.all(b, object.spec.materials.all(c, a.subject + b.subject != c.subject)))",
		// 32 materials x 20 files x 32 materials x 20 files.
		"cross product of files": "object.spec.materials.all(a, a.files.all(f, object.spec.materials.all(b, b.files.all(h, f == h || !has(f.url) || !has(h.url) || f.url != h.url))))",
		// quantity() of an int-or-string with no maxLength is costed at the largest request.
		"quantity of every material": "object.spec.materials.exists(m, has(m.reputationScore) && isQuantity(m.reputationScore))",
		// Between PerRuleCostLimit and CRDs' 10x static limit (3.7x and 2.0x): a cubic loop of
		// string comparisons, and a loop over labels (Kubernetes does not bound their number).
		"cubic loop with comparisons": "object.spec.materials.all(a, object.spec.materials.all(b, object.spec.materials.all(c, a.subject != c.subject || b.subject != '')))",
		"loop over labels":            "object.metadata.labels.all(k, !k.startsWith('internal/'))",
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			p, errs := Compile([]v1alpha1.CustomRule{rule("ok", "object.spec.channel == 'Shop'"), rule("costly", expr)})
			g.Expect(p).To(BeNil())
			g.Expect(errs).To(HaveLen(1))
			g.Expect(errs[0].Type).To(Equal(field.ErrorTypeForbidden))
			g.Expect(errs[0].Field).To(Equal("spec.rules[1].expression"))
			g.Expect(errs[0].Detail).To(HavePrefix("estimated rule cost ("))
			g.Expect(errs[0].Detail).To(ContainSubstring("exceeds the limit 1000000 by a factor of"))
		})
	}
}

func TestCompileRefusesRulesTooExpensiveTogether(t *testing.T) {
	g := NewWithT(t)
	// One rule that costs about a third of PerRuleCostLimit: quantity() of an unbounded string.
	expr := "!has(object.spec.materials[0].reputationScore) || quantity(object.spec.materials[0].reputationScore).compareTo(quantity('4.7')) >= 0"
	one, errs := Compile([]v1alpha1.CustomRule{rule("r", expr)})
	g.Expect(errs).To(BeEmpty())
	cost := one.rules[0].maxCost
	g.Expect(cost).To(BeNumerically(">", PerRuleCostLimit/10))

	rulesOf := func(n int) []v1alpha1.CustomRule {
		var rules []v1alpha1.CustomRule
		for i := range n {
			rules = append(rules, rule("r"+strings.Repeat("x", i), expr))
		}
		return rules
	}
	fits := int(TotalCostLimit / cost)
	g.Expect(fits + 1).To(BeNumerically("<=", 64)) // the CRD's maxItems on spec.rules

	p, errs := Compile(rulesOf(fits))
	g.Expect(errs).To(BeEmpty())
	g.Expect(p.Len()).To(Equal(fits))

	p, errs = Compile(rulesOf(fits + 1))
	g.Expect(p).To(BeNil())
	g.Expect(errs).To(HaveLen(1))
	g.Expect(errs[0].Type).To(Equal(field.ErrorTypeForbidden))
	g.Expect(errs[0].Field).To(Equal("spec.rules"))
	g.Expect(errs[0].Detail).To(ContainSubstring("exceeds the limit 10000000"))
}

func TestCompileReportsEveryProblem(t *testing.T) {
	g := NewWithT(t)
	p, errs := Compile([]v1alpha1.CustomRule{
		rule("a", "object.spec.nope == 1"),
		rule("b", "true"),
		rule("a", "object.spec.merchant.shopName"),
		{ID: "c", Expression: "", Message: ""},
	})
	g.Expect(p).To(BeNil())
	g.Expect(errs).To(ConsistOf(
		HaveField("Field", "spec.rules[0].expression"),
		HaveField("Field", "spec.rules[2].id"),
		HaveField("Field", "spec.rules[2].expression"),
		HaveField("Field", "spec.rules[3].message"),
		HaveField("Field", "spec.rules[3].expression"),
	))
	g.Expect(errs[1].Type).To(Equal(field.ErrorTypeDuplicate))
}

func TestCompileWithoutRules(t *testing.T) {
	g := NewWithT(t)
	p, errs := Compile(nil)
	g.Expect(errs).To(BeEmpty())
	g.Expect(p).NotTo(BeNil())
	g.Expect(p.Len()).To(Equal(0))
	g.Expect(p.Evaluate(newApp())).To(BeEmpty())
}
