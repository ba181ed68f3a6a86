package requirements

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestBrandRules(t *testing.T) {
	runBaijiu(t, []ruleCase{
		{
			name: "D23 brand not in the library",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].Brand = "Jiannanchun"
			},
			want: []want{{"D23", "spec.materials[3].brand",
				`brand "Jiannanchun" is not in the brand library of alcohol/baijiu, which admits only brands in the platform's library: Fenjiu, Luzhou Laojiao, Moutai, Wuliangye.`}},
		},
		{
			name: "D23 library match ignores case and surrounding spaces",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].Brand = "  luzhou laojiao "
			},
		},
		{
			name: "D23 a Brand material is required when there is a library",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.RequiredMaterials = without(p.Spec.RequiredMaterials, v1alpha1.MaterialBrand)
				removeMaterial(app, bBrand)
			},
			want: []want{{"D23", "spec.materials",
				"a Brand material is missing: alcohol/baijiu admits only brands in the platform's brand library; add a Brand material for one of: Fenjiu, Luzhou Laojiao, Moutai, Wuliangye"}},
		},
		{
			name: "D23 any brand without a library",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "baijiu").BrandLibrary = nil
				app.Spec.Materials[bBrand].Brand = "Jiannanchun"
			},
		},
		{
			name: "D23 a distributor names the trademark owner",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].Owner = ""
			},
			want: []want{{"D23", "spec.materials[3].owner",
				`brand "Moutai" is applied for by a distributor (authorization level 1), so owner is required`}},
		},
		{
			name: "D23 the trademark owner itself needs no owner",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].Owner = ""
				app.Spec.Materials[bBrand].AuthorizationLevel = ptr(int32(0))
			},
		},
		{
			name: "D23 authorization level missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].AuthorizationLevel = nil
			},
			want: []want{{"D23", "spec.materials[3].authorizationLevel", `brand "Moutai" needs authorizationLevel`}},
		},
		{
			name: "D26 trademark class not admitted",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].TrademarkClass = ptr(int32(30))
			},
			want: []want{{"D26", "spec.materials[3].trademarkClass",
				`brand "Moutai" is registered in trademark class 30, but alcohol/baijiu admits only class 33`}},
		},
		{
			name: "D26 trademark class missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].TrademarkClass = nil
			},
			want: []want{{"D26", "spec.materials[3].trademarkClass",
				`alcohol/baijiu admits only trademarks registered in class 33; set trademarkClass of brand "Moutai"`}},
		},
		{
			name: "D26 beer's class 32 replaces the group's 33",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "beer"
			},
			want: []want{{"D26", "spec.materials[3].trademarkClass", "but alcohol/beer admits only class 32"}},
		},
		{
			name: "D25 authorization chain too long",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].AuthorizationLevel = ptr(int32(3))
			},
			want: []want{{"D25", "spec.materials[3].authorizationLevel",
				"authorization level 3 exceeds the maximum 2 for alcohol/baijiu: at most two levels of distribution"}},
		},
		{
			name: "D25 second-level distributor admitted",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].AuthorizationLevel = ptr(int32(2))
			},
		},
		{
			name: "D25 authorization about to end",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].ValidUntil = date("2026-07-10")
			},
			want: []want{{"D25", "spec.materials[3].validUntil",
				`the authorization of brand "Moutai" ends 2026-07-10, within 30 days: alcohol/baijiu needs more than 30 days of validity left`}},
		},
		{
			name: "D25 exactly the minimum left is not more than it",
			mutate: func(in *Input, _ *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				in.Now = time.Date(2027, 2, 1, 0, 0, 0, 0, shanghai).Add(-720 * time.Hour)
			},
			want: []want{{"D25", "spec.materials[3].validUntil", "ends 2027-01-31, within 30 days"}},
		},
		{
			name: "D25 a moment more than the minimum left",
			mutate: func(in *Input, _ *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				in.Now = time.Date(2027, 2, 1, 0, 0, 0, 0, shanghai).Add(-720*time.Hour - time.Nanosecond)
			},
		},
		{
			name: "D25 authorization without validUntil",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].ValidUntil = nil
			},
			want: []want{{"D25", "spec.materials[3].validUntil", `the authorization of brand "Moutai" has no validUntil`}},
		},
		{
			name: "D25 an expired authorization is D20's finding only",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].ValidUntil = date("2026-06-01")
			},
			want: []want{{"D20", "spec.materials[3].validUntil", "the Brand material expired: its validUntil 2026-06-01 has passed"}},
		},
		{
			name: "D25 the trademark owner's brand has no validity minimum",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[bBrand].AuthorizationLevel = ptr(int32(0))
				app.Spec.Materials[bBrand].ValidUntil = date("2026-06-20")
			},
		},
		{
			name: "D25 minimum validity in hours",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "baijiu").MinAuthorizationValidity = &metav1.Duration{Duration: 40 * time.Hour}
				app.Spec.Materials[bBrand].ValidUntil = date("2026-06-16")
			},
			want: []want{{"D25", "spec.materials[3].validUntil", "needs more than 40h0m0s of validity left"}},
		},
	})
}
