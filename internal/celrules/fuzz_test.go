package celrules

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	celcommon "k8s.io/apiserver/pkg/cel/common"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/fuzzjson"
)

var celWords = []string{
	"", "Shop", "Showcase", "PriorPlatform", "Douyin", "Brand", "4.7", "2026-01-01", "https://cdn.example.com/x",
	"golden", "tier", "gold", "wx0123456789abcdef", "10.0.0.1",
}

// FuzzCompileAndEvaluate: any expression compiles or is refused with errors on spec.rules, never
// both and never a panic; what compiles is within the cost limit; evaluating it against
// applications made from fuzz input never panics (eval turns a panic that escapes cel-go into a
// "panicked" finding, which fails here too), stays within the cost limit, and gives at most
// one finding, naming the rule.
func FuzzCompileAndEvaluate(f *testing.F) {
	for _, expr := range []string{
		"object.spec.merchant.shopName.contains('Flagship')",
		"object.spec.materials.exists(m, m.type == 'PriorPlatform' && m.platform in ['Douyin', 'Kuaishou'])",
		"!has(object.spec.merchant.registeredCapitalCNY) || object.spec.merchant.registeredCapitalCNY >= 1000000",
		"!has(object.spec.materials[0].reputationScore) || quantity(object.spec.materials[0].reputationScore).compareTo(quantity('4.7')) >= 0",
		"object.spec.materials.map(m, m.type).distinct().size() >= 3",
		"sets.contains(object.spec.materials.map(m, m.type), ['FilingLetter', 'BusinessLicense'])",
		"object.spec.materials.all(m, !has(m.validUntil) || m.validUntil > timestamp('2026-01-01T00:00:00Z'))",
		"object.spec.materials.all(m, m.files.all(f, !has(f.url) || url(f.url).getHost() == 'cdn.example.com'))",
		"object.metadata.labels['tier'] == 'gold'",
		"object.spec.materials[7].files[0].url.matches('^https://')",
		"object.spec.materials.all(a, object.spec.materials.all(b, a == b || a.type != b.type))",
		"1 / 0 == 1",
		"int(object.spec.merchant.appID) > 0",
		"object.spec.notify.size() < 10 && ip.isCanonical('10.0.0.1') && cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))",
	} {
		f.Add(expr, []byte{})
		f.Add(expr, []byte{1, 3, 1, 3, 0, 0})
	}
	f.Fuzz(func(t *testing.T, expr string, ops []byte) {
		p, errs := Compile([]v1alpha1.CustomRule{{ID: "r", Expression: expr, Message: "m"}})
		if (p == nil) == (len(errs) == 0) {
			t.Fatalf("Compile(%q) = %v, %v: want a program or errors", expr, p, errs)
		}
		for _, e := range errs {
			if !strings.HasPrefix(e.Field, "spec.rules") {
				t.Fatalf("error on %s, not spec.rules: %v", e.Field, e)
			}
		}
		if p == nil {
			return
		}
		if c := p.rules[0].maxCost; c > PerRuleCostLimit {
			t.Fatalf("%q compiled with an estimated cost of %d", expr, c)
		}

		doc, err := fuzzjson.ToDoc(newApp())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(fuzzjson.Mutate(doc, ops, celWords))
		app := &v1alpha1.CategoryApplication{}
		if err := json.Unmarshal(b, app); err != nil {
			return
		}
		before := app.DeepCopy()
		findings := p.EvaluateContext(context.Background(), app)
		if len(findings) > 1 || len(findings) == 1 && findings[0].Rule != "r" {
			t.Fatalf("findings of one rule: %+v", findings)
		}
		for _, f := range findings {
			if strings.Contains(f.Message, "panicked") {
				t.Fatalf("%q panicked: %s", expr, f.Message)
			}
		}
		obj, err := applicationToUnstructured(app)
		if err != nil {
			t.Fatal(err)
		}
		env, _ := loadEnv()
		if _, cost, err := p.rules[0].eval(context.Background(), activation(env, obj)); err == nil && cost > PerRuleCostLimit {
			t.Fatalf("%q cost %d at runtime", expr, cost)
		}
		if !equalJSON(app, before) {
			t.Fatal("Evaluate changed the application")
		}
	})
}

func activation(env *celEnv, obj map[string]any) map[string]any {
	return map[string]any{VariableName: celcommon.UnstructuredToVal(obj, env.valSchema)}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
