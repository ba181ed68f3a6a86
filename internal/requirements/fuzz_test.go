package requirements

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/fuzzjson"
)

// shippedPolicies are config/policies/*.yaml.
func shippedPolicies(tb testing.TB) []*v1alpha1.CategoryPolicy {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "policies", "*.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []*v1alpha1.CategoryPolicy
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		p := &v1alpha1.CategoryPolicy{}
		if err := yaml.UnmarshalStrict(b, p); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, p)
	}
	if len(out) < 10 {
		tb.Fatalf("found %d policies in config/policies", len(out))
	}
	return out
}

// fuzzWords are values the mutator may put anywhere: the enums, names and dates the rules
// look at, so mutations reach past "unknown value".
var fuzzWords = []string{
	"", " ", "Acme Trading Co., Ltd.", "acme-docs", "acme-recordings", "missing-secret", "filing-letter.jpg",
	"qualification.mp4", "Moutai", "Kweichow Moutai Co., Ltd.", "wx0123456789abcdef", "2026-06-15", "2026-06-14",
	"2026-02-30", "9999-12-31", "https://files.acme.example/x.pdf", "http://10.0.0.1/x", trademarkSHA,
	"4.9", "1e3", "-1", "0.0000001",
	"FilingLetter", "BusinessLicense", "TrademarkRegistration", "QualificationProof", "SellingReputation",
	"SalesFlow", "PriorPlatform", "StoreProof", "Brand", "Authorization",
	"Douyin", "Kuaishou", "Taobao", "Tmall", "JD", "Pinduoduo",
	"OfficialFlagship", "Flagship", "MarketplaceFlagship", "Franchise", "Specialty", "Store",
	"Enterprise", "IndividualBusiness", "Individual", "Office", "Physical", "Shop", "Showcase",
}

// FuzzEvaluate: applications made from fuzz input against every shipped policy. Evaluate must
// not panic, must not change its input, and every finding must name a rule and a field path
// that exists in the application (or a missing field of an existing object).
func FuzzEvaluate(f *testing.F) {
	policies := shippedPolicies(f)
	f.Add(uint8(0), uint8(0), []byte{})
	f.Add(uint8(0), uint8(3), []byte{1, 2, 1, 3, 0, 0})             // drop something under spec
	f.Add(uint8(1), uint8(0), []byte{1, 2, 1, 5, 1, 1, 0, 7, 9, 9}) // a date somewhere
	f.Add(uint8(0), uint8(255), []byte("materials duplicated and typed wrong"))
	f.Add(uint8(1), uint8(1), []byte{3, 4, 2, 3, 0, 8, 1, 3, 3, 0, 2, 7})
	f.Fuzz(func(t *testing.T, fixture, level2 uint8, ops []byte) {
		base := goldApplication
		if fixture%2 == 1 {
			base = baijiuApplication
		}
		for _, p := range policies {
			app := base()
			app.Spec.Category.Group = p.Name
			// level2: one of the policy's, or (one time in n+1) one it does not know.
			if subs := p.Spec.Subcategories; int(level2)%(len(subs)+1) < len(subs) {
				sub := subs[int(level2)%(len(subs)+1)]
				app.Spec.Category.Level2 = sub.ID
				if len(sub.Subcategories) > 0 {
					app.Spec.Category.Level3 = sub.Subcategories[int(level2)%len(sub.Subcategories)].ID
				}
			}
			doc, err := fuzzjson.ToDoc(app)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(fuzzjson.Mutate(doc, ops, fuzzWords))
			app = &v1alpha1.CategoryApplication{}
			if err := json.Unmarshal(b, app); err != nil {
				return // not an application: the API server would never store it
			}
			checkFindings(t, app, p)
			if p == policies[0] { // and once without a policy: D2 and the policy-independent rules
				checkFindings(t, app, nil)
			}
		}
	})
}

func checkFindings(t *testing.T, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
	name := "<none>"
	if p != nil {
		name = p.Name
	}
	before := app.DeepCopy()
	policyBefore := p.DeepCopy()
	findings := Evaluate(inputFor(app, p))
	if !reflect.DeepEqual(app, before) || !reflect.DeepEqual(p, policyBefore) {
		t.Fatalf("Evaluate changed its input (policy %s)", name)
	}
	doc, err := fuzzjson.ToDoc(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Rule == "" || f.Message == "" {
			t.Fatalf("policy %s: finding without rule or message: %+v", name, f)
		}
		if !strings.HasSuffix(f.Message, " ("+f.Rule+")") {
			t.Fatalf("policy %s: message does not end with its rule: %+v", name, f)
		}
		if err := fuzzjson.Resolve(doc, f.Field); err != nil {
			t.Fatalf("policy %s: finding %s points at no field of the application: %v\nmessage: %s", name, f.Rule, err, f.Message)
		}
	}
}
