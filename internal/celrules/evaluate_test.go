package celrules

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	celcommon "k8s.io/apiserver/pkg/cel/common"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func mustCompile(g *WithT, rules ...v1alpha1.CustomRule) *Program {
	p, errs := Compile(rules)
	g.Expect(errs).To(BeEmpty())
	g.Expect(p.Len()).To(Equal(len(rules)))
	return p
}

func TestEvaluateTrueAndFalse(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{"object.spec.merchant.shopName.contains('Flagship')", true},
		{"object.spec.merchant.shopName.contains('Official')", false},
		{"object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.platform in ['Douyin', 'Kuaishou'])", true},
		{"object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.platform in ['Taobao', 'Tmall'])", false},
		{"object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.monthlySalesCNY.all(s, s > 500000))", true},
		{"object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.monthlySalesCNY.all(s, s > 600000))", false},
		{"!has(object.spec.merchant.registeredCapitalCNY) || object.spec.merchant.registeredCapitalCNY >= 1000000", true},
		{"has(object.spec.merchant.registeredCapitalCNY)", false},
		{"quantity(object.spec.materials[1].reputationScore).isGreaterThan(quantity('4.7'))", true},
		{"quantity(object.spec.materials[1].reputationScore).isGreaterThan(quantity('4.9'))", false},
		{"object.spec.materials.map(m, m.type).distinct().size() == 4", true},
		{"sets.contains(object.spec.materials.map(m, m.type), ['FilingLetter', 'StoreProof'])", false},
		{"object.spec.materials.all(m, !has(m.validUntil) || m.validUntil > timestamp('2030-01-01T00:00:00Z'))", true},
		{"object.spec.materials.all(m, !has(m.validUntil) || m.validUntil > timestamp('2031-01-01T00:00:00Z'))", false},
		{"object.spec.materials.all(m, m.files.all(f, !has(f.url) || url(f.url).getHost() == 'cdn.example.com'))", true},
		{"object.spec.materials.exists(m, m.type == 'Brand' && m.trademarkClass == 14 && m.authorizationLevel == 0)", true},
		{"object.spec.materials.exists(m, m.type == 'FilingLetter' && m.sealed && m.subject == object.spec.merchant.legalEntity)", true},
		{"object.spec.category.group == 'jewelry' && !has(object.spec.category.level3)", true},
	} {
		g := NewWithT(t)
		p := mustCompile(g, v1alpha1.CustomRule{ID: "r", Expression: tc.expr, Message: "not met"})
		findings := p.Evaluate(newApp())
		if tc.want {
			g.Expect(findings).To(BeEmpty(), tc.expr)
		} else {
			g.Expect(findings).To(Equal([]v1alpha1.Finding{{Rule: "r", Field: "spec", Message: "not met"}}), tc.expr)
		}
	}
}

func TestEvaluateFindingsLookLikeBuiltInOnes(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g,
		v1alpha1.CustomRule{
			ID:         "calligraphy-douyin-kuaishou",
			Expression: "object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.platform == 'Kuaishou')",
			Message:    "a PriorPlatform material on Kuaishou is required",
			Field:      "spec.materials",
		},
		rule("passes", "object.spec.channel == 'Shop'"),
		v1alpha1.CustomRule{ID: "no-field", Expression: "object.spec.merchant.shopType == 'OfficialFlagship'", Message: "official flagship shops only"},
	)
	g.Expect(p.Evaluate(newApp())).To(Equal([]v1alpha1.Finding{
		{Rule: "calligraphy-douyin-kuaishou", Field: "spec.materials", Message: "a PriorPlatform material on Kuaishou is required"},
		{Rule: "no-field", Field: "spec", Message: "official flagship shops only"},
	}))
}

func TestEvaluateRuntimeErrorIsAFindingNamingTheRule(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g,
		v1alpha1.CustomRule{
			ID:         "min-capital",
			Expression: "object.spec.merchant.registeredCapitalCNY > 0",
			Message:    "registered capital must be declared",
			Field:      "spec.merchant.registeredCapitalCNY",
		},
		rule("index-out-of-range", "object.spec.materials[10].type == 'Brand'"),
		rule("int-or-string-as-int", "int(object.spec.materials[1].reputationScore) >= 4"),
		// Rules after a failing one still run.
		rule("false-after", "object.spec.channel == 'Showcase'"),
		rule("true-after", "object.spec.channel == 'Shop'"),
	)
	var findings []v1alpha1.Finding
	g.Expect(func() { findings = p.Evaluate(newApp()) }).NotTo(Panic())
	g.Expect(findings).To(HaveLen(4))

	g.Expect(findings[0]).To(Equal(v1alpha1.Finding{
		Rule:    "min-capital",
		Field:   "spec.merchant.registeredCapitalCNY",
		Message: "custom rule min-capital could not be evaluated: no such key: registeredCapitalCNY",
	}))
	g.Expect(findings[1].Rule).To(Equal("index-out-of-range"))
	g.Expect(findings[1].Field).To(Equal("spec"))
	g.Expect(findings[1].Message).To(HavePrefix("custom rule index-out-of-range could not be evaluated: "))
	g.Expect(findings[1].Message).To(ContainSubstring("index out of bounds"))
	g.Expect(findings[2].Rule).To(Equal("int-or-string-as-int"))
	g.Expect(findings[2].Message).To(HavePrefix("custom rule int-or-string-as-int could not be evaluated: "))
	g.Expect(findings[3]).To(Equal(v1alpha1.Finding{Rule: "false-after", Field: "spec", Message: "rule false-after is not met"}))
}

// Found by fuzzing: cel-go's distinct() panics (and cel-go recovers it as an "internal error")
// when its list is an absent field, where other functions report "no such key". The finding
// then tells the rule's author what to do instead of quoting a Go type assertion.
func TestEvaluateListFunctionOfAnAbsentField(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g,
		rule("distinct-notify", "object.spec.notify.map(n, n.secretRef.name).distinct().size() == object.spec.notify.size()"),
		rule("guarded", "!has(object.spec.notify) || object.spec.notify.map(n, n.secretRef.name).distinct().size() == object.spec.notify.size()"),
	)
	app := newApp()
	app.Spec.Notify = nil
	var findings []v1alpha1.Finding
	g.Expect(func() { findings = p.Evaluate(app) }).NotTo(Panic())
	g.Expect(findings).To(HaveLen(1))
	g.Expect(findings[0].Rule).To(Equal("distinct-notify"))
	g.Expect(findings[0].Message).To(HavePrefix("custom rule distinct-notify could not be evaluated: the CEL runtime failed on this application"))
	g.Expect(findings[0].Message).To(HaveSuffix("guard it with has()"))
}

// An application the API server would refuse (far over maxItems) can make an accepted rule run
// past the per-call limit: that is a finding, not a hang.
func TestEvaluateRuntimeCostLimitIsAFinding(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g,
		rule("pairs", "object.spec.materials.all(a, object.spec.materials.all(b, a.type != '' && b.type != ''))"),
		rule("cheap", "object.spec.channel == 'Showcase'"),
	)
	g.Expect(p.rules[0].maxCost).To(BeNumerically("<=", PerRuleCostLimit))

	app := newApp()
	g.Expect(p.Evaluate(app)).To(HaveLen(1))

	// 400^2 iterations cost about 1.4e6.
	for len(app.Spec.Materials) < 400 {
		app.Spec.Materials = append(app.Spec.Materials, app.Spec.Materials[0])
	}
	findings := p.Evaluate(app)
	g.Expect(findings).To(HaveLen(2))
	g.Expect(findings[0].Rule).To(Equal("pairs"))
	g.Expect(findings[0].Message).To(HavePrefix("custom rule pairs could not be evaluated: "))
	g.Expect(findings[0].Message).To(ContainSubstring("cost limit exceeded"))
	g.Expect(findings[1]).To(Equal(v1alpha1.Finding{Rule: "cheap", Field: "spec", Message: "rule cheap is not met"}))
}

// The guarantee behind PerRuleCostLimit: on an application at the schema's limits (32
// materials of 20 files, 24 months of sales, longest strings), an accepted rule costs no more
// than its estimate, so it cannot hit the runtime limit on anything the API server admits.
func TestEvaluateCostStaysWithinTheEstimate(t *testing.T) {
	g := NewWithT(t)
	app := newApp()
	app.Spec.Merchant.ShopName = strings.Repeat("店", 128/3) + "Flagship"
	m := app.Spec.Materials[1]
	m.Subject = strings.Repeat("s", 256)
	m.MonthlySalesCNY = make([]int64, 24)
	m.Files = nil
	for len(m.Files) < 20 {
		m.Files = append(m.Files, v1alpha1.FileRef{URL: "https://cdn.example.com/" + strings.Repeat("f", 2000), SHA256: strings.Repeat("0", 64)})
	}
	app.Spec.Materials = nil
	for len(app.Spec.Materials) < 32 {
		app.Spec.Materials = append(app.Spec.Materials, m)
	}
	activation := activationOf(g, app)

	for _, expr := range []string{
		"object.spec.merchant.shopName.contains('Flagship')",
		"object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.platform in ['Taobao', 'Kuaishou'])",
		"object.spec.materials.all(m, m.monthlySalesCNY.all(s, s > 500000))",
		"object.spec.materials.all(m, m.files.all(f, !has(f.url) || f.url.startsWith('https://cdn.example.com/')))",
		"object.spec.materials.all(a, object.spec.materials.all(b, a.subject == b.subject))",
		"sets.contains(object.spec.materials.map(m, m.subject), ['x'])",
		// Not distinct() of strings: cel-go's estimate leaves out the string comparisons, and
		// the actual cost here is ~4% over it (2615 vs 2523).
	} {
		p := mustCompile(g, rule("r", expr))
		_, cost, err := p.rules[0].eval(context.Background(), activation)
		g.Expect(err).NotTo(HaveOccurred(), expr)
		g.Expect(cost).To(BeNumerically(">", 0), expr)
		g.Expect(cost).To(BeNumerically("<=", p.rules[0].maxCost), expr)
	}
}

func TestEvaluateStopsAtTheTotalBudget(t *testing.T) {
	g := NewWithT(t)
	loop := "object.spec.materials.all(a, object.spec.materials.all(b, a.type != '' && b.type != ''))"
	p := mustCompile(g, rule("a", loop), rule("b", loop), rule("c", loop), rule("d", loop))
	app := newApp()
	_, cost, err := p.rules[0].eval(context.Background(), activationOf(g, app))
	g.Expect(err).NotTo(HaveOccurred())

	// Room for two and a half rules: the third takes the total over and is not reported as
	// evaluated, nor is the fourth.
	p.totalLimit = 2*cost + cost/2
	g.Expect(p.Evaluate(app)).To(Equal([]v1alpha1.Finding{
		{Rule: "c", Field: "spec", Message: "custom rule c could not be evaluated: the policy's custom rules together ran out of their cost budget (" +
			strconv.FormatUint(p.totalLimit, 10) + "); no further rules were run"},
		{Rule: "d", Field: "spec", Message: "custom rule d could not be evaluated: the policy's custom rules together ran out of their cost budget (" +
			strconv.FormatUint(p.totalLimit, 10) + "); no further rules were run"},
	}))

	p.totalLimit = 4 * cost
	g.Expect(p.Evaluate(app)).To(BeEmpty())
}

func activationOf(g *WithT, app *v1alpha1.CategoryApplication) map[string]any {
	env, err := loadEnv()
	g.Expect(err).NotTo(HaveOccurred())
	obj, err := applicationToUnstructured(app)
	g.Expect(err).NotTo(HaveOccurred())
	return map[string]any{VariableName: celcommon.UnstructuredToVal(obj, env.valSchema)}
}

func TestEvaluateCancelledContext(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g, rule("pairs", "object.spec.materials.all(a, object.spec.materials.all(b, a.type != '' && b.type != ''))"))
	app := newApp()
	for len(app.Spec.Materials) < 32 {
		app.Spec.Materials = append(app.Spec.Materials, app.Spec.Materials[0])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	findings := p.EvaluateContext(ctx, app)
	g.Expect(findings).To(HaveLen(1))
	g.Expect(findings[0].Message).To(HavePrefix("custom rule pairs could not be evaluated: "))
	g.Expect(findings[0].Message).To(ContainSubstring("interrupted"))
}

func TestEvaluateSeesMetadataAndTypeMetaButNotStatus(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g,
		rule("name", "object.metadata.name == 'golden-gold'"),
		rule("namespace", "object.metadata.namespace == 'merchant-golden'"),
		rule("label", "'tier' in object.metadata.labels && object.metadata.labels['tier'] == 'gold'"),
		rule("no-such-label", "!('region' in object.metadata.labels)"),
		// Typed clients leave TypeMeta empty; rules still see what the API server would store.
		rule("typemeta", "object.apiVersion == 'qualification.channelshop.dev/v1alpha1' && object.kind == 'CategoryApplication'"),
	)
	app := newApp()
	g.Expect(app.TypeMeta).To(Equal(metav1.TypeMeta{}))
	g.Expect(p.Evaluate(app)).To(BeEmpty())

	app.Labels = nil
	findings := p.Evaluate(app)
	g.Expect(findings).To(HaveLen(1))
	g.Expect(findings[0].Rule).To(Equal("label"))
	g.Expect(findings[0].Message).To(Equal("rule label is not met"))
}

func TestEvaluateDoesNotModifyTheApplication(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g, rule("r", "object.spec.materials.all(m, m.files.size() > 0)"), rule("s", "object.metadata.name == 'x'"))
	app := newApp()
	before := app.DeepCopy()
	_ = p.Evaluate(app)
	g.Expect(app).To(Equal(before))
}

func TestEvaluateToleratesNilAndIncompleteInput(t *testing.T) {
	g := NewWithT(t)
	var nilProgram *Program
	g.Expect(nilProgram.Len()).To(Equal(0))
	g.Expect(nilProgram.Evaluate(newApp())).To(BeEmpty())

	p := mustCompile(g, rule("files", "object.spec.materials.all(m, m.files.size() > 0)"))
	var findings []v1alpha1.Finding
	g.Expect(func() { findings = p.Evaluate(nil) }).NotTo(Panic())
	g.Expect(findings).To(HaveLen(1))
	g.Expect(findings[0].Message).To(HavePrefix("custom rule files could not be evaluated: "))

	// A typed object renders a nil non-omitempty slice (files) as null; the rule must see it
	// as absent, as in the object the API server would store, not as invalid data.
	app := newApp()
	app.Spec.Materials[0].Files = nil
	p = mustCompile(g, rule("has-files", "object.spec.materials.all(m, has(m.files))"))
	g.Expect(func() { findings = p.Evaluate(app) }).NotTo(Panic())
	g.Expect(findings).To(Equal([]v1alpha1.Finding{{Rule: "has-files", Field: "spec", Message: "rule has-files is not met"}}))

	// Quantities may be written as integers; the rule sees what the application holds.
	app = newApp()
	app.Spec.Materials[1].ReputationScore = ptr(resource.MustParse("5"))
	p = mustCompile(g, rule("score", "quantity(string(object.spec.materials[1].reputationScore)).isGreaterThan(quantity('4.7'))"))
	g.Expect(p.Evaluate(app)).To(BeEmpty())
}

// Programs are shared by concurrent reconciles; run with -race to make this meaningful.
func TestEvaluateConcurrently(t *testing.T) {
	g := NewWithT(t)
	p := mustCompile(g,
		rule("t", "object.spec.materials.exists(m, m.type == 'PriorPlatform')"),
		rule("f", "object.spec.merchant.shopName.startsWith('Silver')"),
		rule("e", "object.spec.merchant.registeredCapitalCNY > 0"),
	)
	app := newApp()
	var wg sync.WaitGroup
	results := make([][]v1alpha1.Finding, 16)
	for i := range results {
		wg.Go(func() { results[i] = p.Evaluate(app) })
	}
	wg.Wait()
	for _, r := range results {
		g.Expect(r).To(HaveLen(2))
		g.Expect(r[0].Rule).To(Equal("f"))
		g.Expect(r[1].Rule).To(Equal("e"))
	}
}
