package requirements

import (
	"testing"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestFilingLetterRules(t *testing.T) {
	setSubjects := func(legal, license, letter string) func(*Input, *v1alpha1.CategoryApplication, *v1alpha1.CategoryPolicy) {
		return func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
			app.Spec.Merchant.LegalEntity = legal
			app.Spec.Materials[iLicense].Subject = license
			app.Spec.Materials[iFiling].Subject = letter
		}
	}
	runGold(t, []ruleCase{
		{
			name: "D7 letter not sealed",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iFiling].Sealed = ptr(false)
			},
			want: []want{{"D7", "spec.materials[0].sealed", "the filing letter must carry the official company seal"}},
		},
		{
			name: "D7 sealed not stated",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iFiling].Sealed = nil
			},
			want: []want{{"D7", "spec.materials[0].sealed", "set sealed: true"}},
		},
		{
			name:   "D7 spaces after the comma do not matter",
			mutate: setSubjects("Acme Trading Co., Ltd.", "Acme Trading Co.,Ltd.", "Acme Trading Co., Ltd."),
		},
		{
			name:   "D7 full-width letters, punctuation and ideographic spaces do not matter",
			mutate: setSubjects("Acme Trading Co., Ltd.", "Acme Trading Co., Ltd.", "Ａｃｍｅ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．"),
		},
		{
			name:   "D7 ASCII letter case does not matter",
			mutate: setSubjects("Acme Trading Co., Ltd.", "ACME TRADING CO., LTD.", "acme trading co., ltd."),
		},
		{
			name:   "D7 full-width parentheses in a Chinese name do not matter",
			mutate: setSubjects("阿克米贸易（上海）有限公司", "阿克米贸易(上海)有限公司", " 阿克米贸易 (上海) 有限公司 "),
		},
		{
			name:   "D7 letter subject differs: both values quoted",
			mutate: setSubjects("Acme Trading Co., Ltd.", "Acme Trading Co., Ltd.", "Acme Holdings Co., Ltd."),
			want: []want{{"D7", "spec.materials[0].subject",
				`filing letter subject "Acme Holdings Co., Ltd." does not match the legal entity "Acme Trading Co., Ltd." (spec.merchant.legalEntity); they were compared ignoring spaces, letter case and full-width/half-width differences.`}},
		},
		{
			name:   "D7 a different Chinese legal form is a different subject",
			mutate: setSubjects("阿克米贸易（上海）有限公司", "阿克米贸易（上海）有限公司", "阿克米贸易（上海）有限责任公司"),
			want: []want{{"D7", "spec.materials[0].subject",
				`"阿克米贸易（上海）有限责任公司" does not match the legal entity "阿克米贸易（上海）有限公司"`}},
		},
		{
			name:   "D7 license subject differs from the legal entity",
			mutate: setSubjects("Acme Trading Co., Ltd.", "Acme Holdings Co., Ltd.", "Acme Trading Co., Ltd."),
			want: []want{{"D7", "spec.materials[1].subject",
				`business license subject "Acme Holdings Co., Ltd." does not match spec.merchant.legalEntity "Acme Trading Co., Ltd."; they were compared ignoring spaces`}},
		},
		{
			name:   "D7 letter and license agree with each other but not with the legal entity",
			mutate: setSubjects("Acme Trading Co., Ltd.", "Acme Holdings Co., Ltd.", "Acme Holdings Co., Ltd."),
			want: []want{
				{"D7", "spec.materials[0].subject", `filing letter subject "Acme Holdings Co., Ltd." does not match the legal entity "Acme Trading Co., Ltd."`},
				{"D7", "spec.materials[1].subject", `business license subject "Acme Holdings Co., Ltd." does not match`},
			},
		},
		{
			name:   "D7 letter subject missing",
			mutate: setSubjects("Acme Trading Co., Ltd.", "Acme Trading Co., Ltd.", "  "),
			want: []want{{"D7", "spec.materials[0].subject",
				`the filing letter has no subject: set subject to the legal entity named on the letter, which must be "Acme Trading Co., Ltd."`}},
		},
		{
			name:   "D7 license subject missing",
			mutate: setSubjects("Acme Trading Co., Ltd.", "", "Acme Trading Co., Ltd."),
			want:   []want{{"D7", "spec.materials[1].subject", "the business license has no subject"}},
		},
		{
			name: "D7 without a business license the letter is compared with the legal entity only",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.RequiredMaterials = without(p.Spec.RequiredMaterials, v1alpha1.MaterialBusinessLicense)
				removeMaterial(app, iLicense)
				app.Spec.Materials[iFiling].Subject = "Acme Holdings Co., Ltd."
			},
			want: []want{{"D7", "spec.materials[0].subject", `does not match the legal entity "Acme Trading Co., Ltd."`}},
		},
		{
			name:   "D7 empty legal entity: the letter is compared with the license",
			mutate: setSubjects("", "Acme Trading Co., Ltd.", "Acme Holdings Co., Ltd."),
			want: []want{
				{"D7", "spec.materials[0].subject",
					`filing letter subject "Acme Holdings Co., Ltd." does not match the business license subject "Acme Trading Co., Ltd." (spec.materials[1].subject); they were compared ignoring spaces`},
				{"D7", "spec.merchant.legalEntity", "legalEntity is empty"},
			},
		},
		{
			name: "D7 every filing letter is checked",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				second := app.Spec.Materials[iFiling]
				second.Sealed = ptr(false)
				app.Spec.Materials = append(app.Spec.Materials, second)
			},
			want: []want{{"D7", "spec.materials[8].sealed", "official company seal"}},
		},
	})
}
