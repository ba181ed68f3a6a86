package requirements

import (
	"testing"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestShopTypeRules(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name: "D24 shop type not admitted",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.ShopType = v1alpha1.ShopOrdinary
			},
			want: []want{{"D24", "spec.merchant.shopType",
				`shop type "Ordinary" is not admitted for jewelry/gold; admitted: Flagship, MarketplaceFlagship, OfficialFlagship.`}},
		},
		{
			name: "D24 shop type missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.ShopType = ""
			},
			want: []want{{"D24", "spec.merchant.shopType",
				"jewelry/gold admits only these shop types: Flagship, MarketplaceFlagship, OfficialFlagship; set spec.merchant.shopType"}},
		},
		{
			name: "D24 no restriction where the policy sets none",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category = v1alpha1.CategoryRef{Group: "jewelry", Level2: "jadeite", Level3: "jadeite-pendants"}
				app.Spec.Merchant.ShopType = v1alpha1.ShopOrdinary
			},
		},
	})
	runBaijiu(t, []ruleCase{
		{
			name: "D24 alcohol admits specialty shops",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.ShopType = v1alpha1.ShopSpecialty
			},
		},
		{
			name: "D24 alcohol never admits an ordinary shop",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.ShopType = v1alpha1.ShopOrdinary
			},
			want: []want{{"D24", "spec.merchant.shopType",
				`shop type "Ordinary" is not admitted for alcohol/baijiu; admitted: Flagship, Franchise, MarketplaceFlagship, OfficialFlagship, Specialty.`}},
		},
	})
}

func TestCompanyThresholdRules(t *testing.T) {
	runBaijiu(t, []ruleCase{
		{
			name: "D26 individual business refused",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.EntityType = v1alpha1.EntityIndividualBusiness
			},
			want: []want{{"D26", "spec.merchant.entityType",
				`legal form "IndividualBusiness" is not admitted for alcohol/baijiu; admitted: Enterprise.`}},
		},
		{
			name: "D26 legal form missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.EntityType = ""
			},
			want: []want{{"D26", "spec.merchant.entityType", "alcohol/baijiu admits only these legal forms: Enterprise; set spec.merchant.entityType"}},
		},
		{
			name: "D26 registered capital below the minimum",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.RegisteredCapitalCNY = ptr(int64(499_999))
			},
			want: []want{{"D26", "spec.merchant.registeredCapitalCNY",
				"registered capital 499999 CNY is below the minimum 500000 CNY for alcohol/baijiu"}},
		},
		{
			name: "D26 registered capital exactly the minimum",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.RegisteredCapitalCNY = ptr(int64(500_000))
			},
		},
		{
			name: "D26 registered capital missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Merchant.RegisteredCapitalCNY = nil
			},
			want: []want{{"D26", "spec.merchant.registeredCapitalCNY",
				"alcohol/baijiu requires a registered capital of at least 500000 CNY; set spec.merchant.registeredCapitalCNY"}},
		},
	})
}
