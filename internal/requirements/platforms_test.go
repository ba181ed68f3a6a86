package requirements

import (
	"testing"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func kuaishou() v1alpha1.Material {
	return v1alpha1.Material{
		Type: v1alpha1.MaterialPriorPlatform, Platform: v1alpha1.PlatformKuaishou, Account: "acme_jewelry_ks",
		MonthlySalesCNY: []int64{600_000, 610_000, 620_000, 630_000, 640_000, 650_000},
		ReputationScore: qty("4.8"), QualityScore: qty("4.9"), ServiceScore: qty("4.9"),
		Files: []v1alpha1.FileRef{inSecret("acme-docs", "douyin-account.png")},
	}
}

func TestPriorPlatformRules(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name: "D11 platform not accepted for the category",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iDouyin].Platform = "JD"
			},
			want: []want{{"D11", "spec.materials[6].platform",
				`platform "JD" is not accepted for jewelry/gold; accepted: Douyin, Kuaishou, Taobao, Tmall. Replace this material with an account on an accepted platform, or remove it`}},
		},
		{
			name: "D11 Tmall counts as Taobao's",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iDouyin].Platform = v1alpha1.PlatformTmall
			},
		},
		{
			name: "D11 any platform when the policy lists none",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.AllowedPlatforms = nil
				app.Spec.Materials[iDouyin].Platform = "Xiaohongshu"
			},
		},
		{
			name: "D11 platform missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iDouyin].Platform = ""
			},
			want: []want{{"D11", "spec.materials[6].platform",
				"a PriorPlatform material needs platform: set it to the platform of the account; accepted for jewelry/gold: Douyin, Kuaishou, Taobao, Tmall"}},
		},
		{
			name: "D9 one account per platform",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				second := app.Spec.Materials[iDouyin]
				second.Account = "acme_jewelry_dy_2"
				app.Spec.Materials = append(app.Spec.Materials, second)
			},
			want: []want{{"D9", "spec.materials[8].platform",
				`platform "Douyin" is already listed at spec.materials[6]: list at most one account per platform, the one with the best figures`}},
		},
		{
			name: "D9 accounts on different platforms",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials = append(app.Spec.Materials, kuaishou())
			},
		},
		{
			name: "D9 account missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iDouyin].Account = ""
			},
			want: []want{{"D9", "spec.materials[6].account", "the one with the best figures"}},
		},
	})
}
