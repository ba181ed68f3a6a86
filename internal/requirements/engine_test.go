package requirements

import (
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestValidApplicationsHaveNoFindings(t *testing.T) {
	cases := map[string]func() (*v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy){
		"jewelry/gold": func() (*v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
			return goldApplication(), jewelryPolicy()
		},
		"jewelry/jadeite with a named level 3": func() (*v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
			app := goldApplication()
			app.Spec.Category = v1alpha1.CategoryRef{Group: "jewelry", Level2: "jadeite", Level3: "jadeite-bangles"}
			return app, jewelryPolicy()
		},
		"jewelry/jewelry-services with a physical store": func() (*v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
			app := goldApplication()
			app.Spec.Category.Level2 = "jewelry-services"
			app.Spec.Materials[iStore].Store = v1alpha1.StorePhysical
			app.Spec.Materials[iStore].Files = []v1alpha1.FileRef{inSecret("acme-docs", "store-1.jpg")}
			return app, jewelryPolicy()
		},
		"alcohol/baijiu": func() (*v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
			return baijiuApplication(), alcoholPolicy()
		},
	}
	for name, fixture := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			app, policy := fixture()
			g.Expect(Evaluate(inputFor(app, policy))).To(BeNil())
		})
	}
}

func TestEvaluateNilApplication(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Evaluate(Input{Policy: jewelryPolicy(), Now: now})).To(BeNil())
	_, ok := NextExpiry(Input{Policy: jewelryPolicy(), Now: now})
	g.Expect(ok).To(BeFalse())
}

func TestEvaluateDoesNotMutateInput(t *testing.T) {
	g := NewWithT(t)
	app, policy := goldApplication(), jewelryPolicy()
	// Thresholds make the engine compare resource.Quantity values, whose methods can cache
	// a representation in the receiver; a failing app makes every rule produce output.
	// A minimum too precise for an int64 mantissa is held as an inf.Dec, so comparing the
	// application's score with it would convert (and so change) the score in place.
	policy.Spec.PlatformThresholds = &v1alpha1.PlatformThresholds{
		MinMonthlySalesCNY: ptr(int64(1_000_000)), MinReputationScore: qty("4.95"),
		MinQualityScore: qty("4.8000000000000000000001"), MinServiceScore: qty("4.8"),
	}
	app.Spec.Merchant.ShopType = v1alpha1.ShopOrdinary
	appBefore, policyBefore := app.DeepCopy(), policy.DeepCopy()

	in := inputFor(app, policy)
	g.Expect(Evaluate(in)).NotTo(BeEmpty())
	NextExpiry(in)

	g.Expect(app).To(Equal(appBefore))
	g.Expect(policy).To(Equal(policyBefore))
}

func TestEvaluateOrderIsDeterministic(t *testing.T) {
	g := NewWithT(t)
	app, policy := goldApplication(), jewelryPolicy()
	app.Spec.Merchant.ShopType = v1alpha1.ShopOrdinary           // spec.merchant.shopType
	app.Spec.Materials[iFiling].Sealed = ptr(false)              // spec.materials[0].sealed
	app.Spec.Materials[iSalesFlow].Recordings = nil              // spec.materials[5].recordings
	app.Spec.Materials[iDouyin].Platform = "JD"                  // spec.materials[6].platform
	app.Spec.Materials[iLicense].ValidUntil = date("2026-01-31") // spec.materials[1].validUntil
	app.Spec.Notify[0].SecretRef.Name = "missing"                // spec.notify[0].secretRef
	for i := 0; i < 3; i++ {                                     // spec.materials[8..10]
		app.Spec.Materials = append(app.Spec.Materials, v1alpha1.Material{
			Type: v1alpha1.MaterialQualificationProof, Files: []v1alpha1.FileRef{inSecret("acme-docs", "qualification.png")},
		})
	}

	first := Evaluate(inputFor(app, policy))
	second := Evaluate(inputFor(app.DeepCopy(), policy.DeepCopy()))
	g.Expect(second).To(Equal(first))

	fields := make([]string, len(first))
	for i, f := range first {
		fields[i] = f.Field
	}
	g.Expect(fields).To(Equal([]string{
		"spec.materials[0].sealed",
		"spec.materials[1].validUntil",
		"spec.materials[5].recordings",
		"spec.materials[6].platform",
		"spec.materials[8].recordings",
		"spec.materials[9].recordings",
		"spec.materials[10].recordings",
		"spec.merchant.shopType",
		"spec.notify[0].secretRef",
	}))

	sorted := slices.Clone(first)
	Sort(sorted)
	g.Expect(first).To(Equal(sorted), "Evaluate returns findings in Sort's order")
}

func TestSort(t *testing.T) {
	g := NewWithT(t)
	f := func(field, rule, msg string) v1alpha1.Finding {
		return v1alpha1.Finding{Rule: rule, Field: field, Message: msg}
	}
	got := []v1alpha1.Finding{
		f("spec.merchant.shopType", "D24", "a"),
		f("spec.materials[10].files", "D12", "a"),
		f("spec.materials[2].files[0].secretKeyRef", "D19", "b"),
		f("spec", "calligraphy-min-followers", "custom"),
		f("spec.materials[2].files[0].secretKeyRef", "D19", "a"),
		f("spec.materials", "D10", "a"),
		f("spec.materials", "D9", "a"),
		f("spec.materials[2].files[10].secretKeyRef", "D19", "a"),
	}
	Sort(got)
	g.Expect(got).To(Equal([]v1alpha1.Finding{
		f("spec", "calligraphy-min-followers", "custom"),
		f("spec.materials", "D9", "a"),
		f("spec.materials", "D10", "a"),
		f("spec.materials[2].files[0].secretKeyRef", "D19", "a"),
		f("spec.materials[2].files[0].secretKeyRef", "D19", "b"),
		f("spec.materials[2].files[10].secretKeyRef", "D19", "a"),
		f("spec.materials[10].files", "D12", "a"),
		f("spec.merchant.shopType", "D24", "a"),
	}))
}

func TestNaturalCompareIsATotalOrder(t *testing.T) {
	g := NewWithT(t)
	g.Expect(naturalCompare("a7", "a07")).NotTo(BeZero(), "different strings never tie")
	g.Expect(naturalCompare("a7", "a07")).To(Equal(-naturalCompare("a07", "a7")))
	g.Expect(naturalCompare("x", "x")).To(BeZero())
	g.Expect(naturalCompare("x[2]", "x[2].y")).To(Equal(-1))
}

func TestZeroNowMeansTheCurrentTime(t *testing.T) {
	g := NewWithT(t)
	app := goldApplication()
	app.Spec.Materials[iLicense].ValidUntil = date("2020-12-31")
	in := inputFor(app, jewelryPolicy())
	in.Now = time.Time{}
	expectFindings(g, Evaluate(in), want{"D20", "spec.materials[1].validUntil", "2020-12-31 has passed"})
}

func TestNilLocationMeansShanghai(t *testing.T) {
	g := NewWithT(t)
	app := goldApplication()
	app.Spec.Materials[iLicense].ValidUntil = date("2026-06-15")
	in := inputFor(app, jewelryPolicy())
	in.Location = nil
	in.Now = time.Date(2026, 6, 15, 16, 30, 0, 0, time.UTC) // 00:30 on the 16th in Shanghai
	expectFindings(g, Evaluate(in), want{"D20", "spec.materials[1].validUntil", "Asia/Shanghai"})
}
