package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// The richer rules of the published standards (D21, D23 to D28), as a merchant meets them:
// `kubectl apply` of an application the shipped policy does not admit is refused, naming the
// field, the rule and what to do. Each case changes one thing of an application that the
// policy admits, so the refusal is about that change only. The rules' edge cases are table
// tests of internal/requirements; these show the wiring through the webhook.

func ptr[T any](v T) *T { return &v }

// alcoholApp is a first-level distributor of Moutai applying for alcohol/baijiu under the
// shipped config/policies/alcohol.yaml: a franchise enterprise with enough capital (D24, D26).
func alcoholApp(t *testing.T, ns, name string) *qualv1.CategoryApplication {
	app := sampleApp(t, ns, name, nextAppID(), "baijiu")
	app.Spec.Notify = nil
	app.Spec.Category.Group = "alcohol"
	app.Spec.Merchant.ShopName = "Acme Spirits Franchise Store"
	app.Spec.Merchant.ShopType = qualv1.ShopFranchise
	app.Spec.Merchant.RegisteredCapitalCNY = ptr(int64(2_000_000))
	tm := material(app, qualv1.MaterialTrademarkRegistration)
	tm.Brand, tm.TrademarkNumber, tm.TrademarkClass, tm.Owner = "Moutai", "1234567", ptr(int32(33)), "Kweichow Moutai Co., Ltd."
	app.Spec.Materials = append(app.Spec.Materials, qualv1.Material{
		Type: qualv1.MaterialBrand, Brand: "Moutai", TrademarkNumber: "1234567", TrademarkClass: ptr(int32(33)),
		Owner: "Kweichow Moutai Co., Ltd.", AuthorizationLevel: ptr(int32(1)), ValidUntil: ptr(qualv1.Date("2027-06-30")),
		Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "acme-gold-materials", Key: "trademark-registration.jpg"}}},
	})
	return app
}

// careApp applies for personal-care-devices / electric toothbrushes (level 3, D21) as a
// first-level distributor of Philips, a brand of the library (D23), with no store proof: the
// standard makes it optional (D28).
func careApp(t *testing.T, ns, name string) *qualv1.CategoryApplication {
	app := sampleApp(t, ns, name, nextAppID(), "personal-care-devices")
	app.Spec.Notify = nil
	app.Spec.Category.Group, app.Spec.Category.Level3 = "personal-care-devices", "electric-toothbrushes"
	app.Spec.Merchant.ShopName = "Acme Personal Care Flagship"
	var kept []qualv1.Material
	for _, m := range app.Spec.Materials {
		if m.Type != qualv1.MaterialStoreProof {
			kept = append(kept, m)
		}
	}
	app.Spec.Materials = append(kept, qualv1.Material{
		Type: qualv1.MaterialBrand, Brand: "Philips", Owner: "Koninklijke Philips N.V.",
		AuthorizationLevel: ptr(int32(1)), ValidUntil: ptr(qualv1.Date("2027-06-30")),
		Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "acme-gold-materials", Key: "trademark-registration.jpg"}}},
	})
	return app
}

// material returns the application's first material of a type.
func material(app *qualv1.CategoryApplication, typ qualv1.MaterialType) *qualv1.Material {
	for i := range app.Spec.Materials {
		if app.Spec.Materials[i].Type == typ {
			return &app.Spec.Materials[i]
		}
	}
	panic("no material " + typ)
}

// indexOf is the index of the application's first material of a type, for field paths.
func indexOf(app *qualv1.CategoryApplication, typ qualv1.MaterialType) int {
	for i := range app.Spec.Materials {
		if app.Spec.Materials[i].Type == typ {
			return i
		}
	}
	return -1
}

func TestShippedPolicyRules(t *testing.T) {
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-rules")
	sampleSecrets(t, ns)

	// The unchanged applications are admitted and reach review: the cases below fail for
	// their one change only.
	for _, app := range []*qualv1.CategoryApplication{alcoholApp(t, ns, "baijiu"), careApp(t, ns, "toothbrush")} {
		g := NewWithT(t)
		g.Expect(admin.Create(ctx, app)).To(Succeed())
		waitPhase(g, ns, app.Name, qualv1.PhaseUnderReview)
	}

	brand := func(app *qualv1.CategoryApplication) *qualv1.Material { return material(app, qualv1.MaterialBrand) }
	cases := []struct {
		name   string
		app    func(t *testing.T, ns, name string) *qualv1.CategoryApplication
		change func(app *qualv1.CategoryApplication)
		want   []string // the refusal names the field, the rule and what is admitted
	}{
		{"D24 shop type", alcoholApp,
			func(a *qualv1.CategoryApplication) { a.Spec.Merchant.ShopType = qualv1.ShopOrdinary },
			[]string{"spec.merchant.shopType", `"Ordinary"`, "(D24)"}},
		{"D26 legal form", alcoholApp,
			func(a *qualv1.CategoryApplication) { a.Spec.Merchant.EntityType = qualv1.EntityIndividualBusiness },
			[]string{"spec.merchant.entityType", "IndividualBusiness", "(D26)"}},
		{"D26 registered capital", alcoholApp,
			func(a *qualv1.CategoryApplication) { a.Spec.Merchant.RegisteredCapitalCNY = ptr(int64(100_000)) },
			[]string{"spec.merchant.registeredCapitalCNY", "500000", "(D26)"}},
		{"D26 trademark class", alcoholApp,
			func(a *qualv1.CategoryApplication) { brand(a).TrademarkClass = ptr(int32(32)) },
			[]string{"].trademarkClass", "33", "(D26)"}},
		{"D26 beer is class 32", alcoholApp,
			func(a *qualv1.CategoryApplication) { a.Spec.Category.Level2 = "beer" },
			[]string{"].trademarkClass", "32", "(D26)"}},
		{"D25 authorization level", alcoholApp,
			func(a *qualv1.CategoryApplication) { brand(a).AuthorizationLevel = ptr(int32(3)) },
			[]string{"].authorizationLevel", "(D25)"}},
		{"D25 authorization validity", alcoholApp,
			func(a *qualv1.CategoryApplication) { brand(a).ValidUntil = ptr(qualv1.Date("2026-12-10")) },
			[]string{"].validUntil", "(D25)"}},
		{"custom CEL rule", alcoholApp,
			func(a *qualv1.CategoryApplication) { brand(a).Owner = a.Spec.Merchant.LegalEntity },
			[]string{"spec.materials", "alcohol-brand-owner-matches-level", "must name the trademark owner"}},
		{"D21 level 3 missing", careApp,
			func(a *qualv1.CategoryApplication) { a.Spec.Category.Level3 = "" },
			[]string{"spec.category.level3", "(D21)"}},
		{"D21 level 3 unknown", careApp,
			func(a *qualv1.CategoryApplication) { a.Spec.Category.Level3 = "hair-irons" },
			[]string{"spec.category.level3", `"hair-irons"`, "(D21)"}},
		{"D23 brand library", careApp,
			func(a *qualv1.CategoryApplication) { brand(a).Brand = "Acme" },
			[]string{"].brand", `"Acme"`, "Philips", "(D23)"}},
		{"D23 brand material missing", careApp,
			func(a *qualv1.CategoryApplication) {
				a.Spec.Materials = a.Spec.Materials[:indexOf(a, qualv1.MaterialBrand)]
			},
			[]string{"spec.materials", "required material Brand is missing", "(D8)"}},
		{"D25 second-level distributor", careApp,
			func(a *qualv1.CategoryApplication) { brand(a).AuthorizationLevel = ptr(int32(2)) },
			[]string{"].authorizationLevel", "(D25)"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			app := c.app(t, ns, "case-"+string(rune('a'+i)))
			c.change(app)
			err := admin.Create(ctx, app)
			g.Expect(err).To(HaveOccurred())
			t.Log(err) // the README quotes these
			for _, w := range c.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
		})
	}
}

// TestThresholdsAndStoreRequired: D27 (declared prior-platform figures) and D10 (a standard
// that requires a physical store; D28's third mode, Optional, is careApp's) on a policy a platform team writes, applied here.
func TestThresholdsAndStoreRequired(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-thresholds")
	sampleSecrets(t, ns)
	createJewelryCopy(t, "jewelry-thresholds", func(spec map[string]any) {
		spec["platformThresholds"] = map[string]any{
			"countedPlatforms": []any{"Douyin", "Kuaishou"}, "minMonthlySalesCNY": int64(1_000_000), "months": int64(3),
			"minReputationScore": "4.5",
		}
		for _, s := range spec["subcategories"].([]any) {
			if s := s.(map[string]any); s["id"] == "silver" {
				s["storeProof"] = "StoreRequired"
			}
		}
	})

	app := func(name, level2 string) *qualv1.CategoryApplication {
		a := sampleApp(t, ns, name, nextAppID(), level2)
		a.Spec.Notify = nil
		a.Spec.Category.Group = "jewelry-thresholds"
		return a
	}
	douyin := func(a *qualv1.CategoryApplication) *qualv1.Material { return material(a, qualv1.MaterialPriorPlatform) }
	prior := indexOf(app("x", "gold"), qualv1.MaterialPriorPlatform)

	// The sample declares [1280000, 1150000, 990000, ...]: the third month is short of 1,000,000.
	err := admin.Create(ctx, app("short", "gold"))
	g.Expect(err).To(MatchError(And(
		ContainSubstring("spec.materials[%d].monthlySalesCNY", prior), ContainSubstring("month 3 (990000 CNY)"), ContainSubstring("(D27)"))))
	// Two months counted: admitted.
	ok := app("enough", "gold")
	douyin(ok).MonthlySalesCNY = []int64{1_280_000, 1_150_000, 1_020_000}
	g.Expect(admin.Create(ctx, ok)).To(Succeed())
	waitPhase(g, ns, "enough", qualv1.PhaseUnderReview)
	// A score below the minimum.
	low := app("low-score", "gold")
	douyin(low).MonthlySalesCNY = []int64{1_280_000, 1_150_000, 1_020_000}
	douyin(low).ReputationScore = ptr(resource.MustParse("4.2"))
	g.Expect(admin.Create(ctx, low)).To(MatchError(And(
		ContainSubstring("spec.materials[%d].reputationScore", prior), ContainSubstring("(D27)"))))
	// Figures from a platform the standard does not count.
	taobao := app("taobao", "gold")
	douyin(taobao).Platform = qualv1.PlatformTaobao
	g.Expect(admin.Create(ctx, taobao)).To(MatchError(And(
		ContainSubstring("no PriorPlatform material on a counted platform"), ContainSubstring("Douyin, Kuaishou"), ContainSubstring("(D27)"))))

	// D10: silver requires a physical store (the StoreRequired mode of D28); the sample shows an office.
	silver := app("silver", "silver")
	douyin(silver).MonthlySalesCNY = []int64{1_280_000, 1_150_000, 1_020_000}
	g.Expect(admin.Create(ctx, silver)).To(MatchError(And(
		ContainSubstring("spec.materials[%d].store", indexOf(silver, qualv1.MaterialStoreProof)),
		ContainSubstring(`store "Office" is not accepted`), ContainSubstring("(D10)"))))
	material(silver, qualv1.MaterialStoreProof).Store = qualv1.StorePhysical
	g.Expect(admin.Create(ctx, silver)).To(Succeed())
}
