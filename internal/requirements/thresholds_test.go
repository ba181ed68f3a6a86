package requirements

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// calligraphyThresholds are the calligraphy-and-painting minimums of D27: only Douyin and
// Kuaishou data, sales above 500,000 CNY in each of the last 6 months, reputation at least
// 4.7, quality and service at least 4.8.
func calligraphyThresholds() *v1alpha1.PlatformThresholds {
	return &v1alpha1.PlatformThresholds{
		CountedPlatforms:   []v1alpha1.Platform{v1alpha1.PlatformDouyin, v1alpha1.PlatformKuaishou},
		MinMonthlySalesCNY: ptr(int64(500_000)),
		Months:             6,
		MinReputationScore: qty("4.7"),
		MinQualityScore:    qty("4.8"),
		MinServiceScore:    qty("4.8"),
	}
}

// thresholds sets calligraphyThresholds on the group and then applies edit.
func thresholds(edit func(app *v1alpha1.CategoryApplication, t *v1alpha1.PlatformThresholds)) func(*Input, *v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
	return func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
		p.Spec.PlatformThresholds = calligraphyThresholds()
		if edit != nil {
			edit(app, p.Spec.PlatformThresholds)
		}
	}
}

func TestQuantityIsRenderedAsWritten(t *testing.T) {
	g := NewWithT(t)
	for in, out := range map[string]string{"4.7": "4.7", "4.70": "4.7", "4800m": "4.8", "5": "5", "1k": "1000", "0": "0"} {
		g.Expect(quantity(qty(in))).To(Equal(out), in)
	}
}

func TestPlatformThresholdRules(t *testing.T) {
	const suffix = "jewelry/gold needs at least one account on a counted platform (Douyin, Kuaishou) that meets every minimum"
	runGold(t, []ruleCase{
		{
			name:   "D27 met",
			mutate: thresholds(nil),
		},
		{
			name: "D27 a month at exactly the minimum is not above it",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].MonthlySalesCNY[1] = 500_000
				app.Spec.Materials[iDouyin].MonthlySalesCNY[4] = 120_000
			}),
			want: []want{{"D27", "spec.materials[6].monthlySalesCNY",
				`Douyin account "acme_jewelry_dy": sales are not above 500000 CNY in month 2 (500000 CNY), month 5 (120000 CNY), counting from the newest; sales above 500000 CNY are needed in each of the last 6 months; ` + suffix}},
		},
		{
			name: "D27 only the last months count",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				m := &app.Spec.Materials[iDouyin]
				m.MonthlySalesCNY = append(m.MonthlySalesCNY, 10_000)
			}),
		},
		{
			name: "D27 too few months declared",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				m := &app.Spec.Materials[iDouyin]
				m.MonthlySalesCNY = m.MonthlySalesCNY[:5]
			}),
			want: []want{{"D27", "spec.materials[6].monthlySalesCNY",
				"declares sales for 5 months, but sales above 500000 CNY are needed in each of the last 6 months; declare monthlySalesCNY for the 6 most recent months, newest first"}},
		},
		{
			name: "D27 months defaults to 1",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, t *v1alpha1.PlatformThresholds) {
				t.Months = 0
				app.Spec.Materials[iDouyin].MonthlySalesCNY = []int64{500_001}
			}),
		},
		{
			name: "D27 months defaults to 1 and needs one month",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, t *v1alpha1.PlatformThresholds) {
				t.Months = 0
				app.Spec.Materials[iDouyin].MonthlySalesCNY = nil
			}),
			want: []want{{"D27", "spec.materials[6].monthlySalesCNY", "declares sales for 0 months, but sales above 500000 CNY are needed in each of the last 1 month"}},
		},
		{
			name: "D27 reputation below the minimum",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ReputationScore = qty("4.69")
			}),
			want: []want{{"D27", "spec.materials[6].reputationScore", `Douyin account "acme_jewelry_dy": reputation score 4.69 is below the minimum 4.7; ` + suffix}},
		},
		{
			name: "D27 a score equal to the minimum meets it",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ReputationScore = qty("4.70")
				app.Spec.Materials[iDouyin].ServiceScore = qty("4800m")
			}),
		},
		{
			name: "D27 a score not declared falls short",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ServiceScore = nil
			}),
			want: []want{{"D27", "spec.materials[6].serviceScore", "declares no service score, and at least 4.8 is needed; declare serviceScore"}},
		},
		{
			name: "D27 one finding per shortfall",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].QualityScore = qty("4.5")
				app.Spec.Materials[iDouyin].ServiceScore = qty("4.6")
			}),
			want: []want{
				{"D27", "spec.materials[6].qualityScore", "quality score 4.5 is below the minimum 4.8"},
				{"D27", "spec.materials[6].serviceScore", "service score 4.6 is below the minimum 4.8"},
			},
		},
		{
			name: "D27 only counted platforms count",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].Platform = v1alpha1.PlatformTaobao
			}),
			want: []want{{"D27", "spec.materials",
				"no PriorPlatform material on a counted platform: jewelry/gold counts only data from Douyin, Kuaishou; add the merchant's account there"}},
		},
		{
			name: "D27 any platform counts when countedPlatforms is empty",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, t *v1alpha1.PlatformThresholds) {
				t.CountedPlatforms = nil
				app.Spec.Materials[iDouyin].Platform = v1alpha1.PlatformTaobao
			}),
		},
		{
			name: "D27 one account meeting every minimum is enough",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ReputationScore = qty("3.9")
				app.Spec.Materials = append(app.Spec.Materials, kuaishou())
			}),
		},
		{
			name: "D27 the closest account's shortfalls are reported",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ReputationScore = qty("3.9")
				app.Spec.Materials[iDouyin].QualityScore = qty("3.9")
				ks := kuaishou()
				ks.ServiceScore = qty("4.7")
				app.Spec.Materials = append(app.Spec.Materials, ks)
			}),
			want: []want{{"D27", "spec.materials[8].serviceScore", `Kuaishou account "acme_jewelry_ks": service score 4.7 is below the minimum 4.8`}},
		},
		{
			name: "D27 the closest account may be listed first",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ReputationScore = qty("4.6")
				ks := kuaishou()
				ks.QualityScore = qty("4.5")
				ks.ServiceScore = qty("4.7")
				app.Spec.Materials = append(app.Spec.Materials, ks)
			}),
			want: []want{{"D27", "spec.materials[6].reputationScore", `Douyin account "acme_jewelry_dy": reputation score 4.6 is below the minimum 4.7`}},
		},
		{
			name: "D27 between equally close accounts the first listed is reported",
			mutate: thresholds(func(app *v1alpha1.CategoryApplication, _ *v1alpha1.PlatformThresholds) {
				app.Spec.Materials[iDouyin].ReputationScore = qty("4.6")
				ks := kuaishou()
				ks.ServiceScore = qty("4.7")
				app.Spec.Materials = append(app.Spec.Materials, ks)
			}),
			want: []want{{"D27", "spec.materials[6].reputationScore", "reputation score 4.6 is below the minimum 4.7"}},
		},
		{
			name: "D27 thresholds without minimums are no rule",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.PlatformThresholds = &v1alpha1.PlatformThresholds{CountedPlatforms: []v1alpha1.Platform{v1alpha1.PlatformKuaishou}}
			},
		},
	})
}
