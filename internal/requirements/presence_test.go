package requirements

import (
	"testing"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestPresenceRules(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name: "D6 filing letter missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				removeMaterial(app, iFiling)
			},
			want: []want{{"D6", "spec.materials", "a FilingLetter material is missing: it is always required"}},
		},
		{
			name: "D6 filing letter required even when the policy forgets it",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.RequiredMaterials = without(p.Spec.RequiredMaterials, v1alpha1.MaterialFilingLetter)
				removeMaterial(app, iFiling)
			},
			want: []want{{"D6", "spec.materials", "a FilingLetter material is missing"}},
		},
		{
			name: "D8 business license missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				removeMaterial(app, iLicense)
			},
			want: []want{{"D8", "spec.materials",
				"required material BusinessLicense is missing: jewelry/gold requires BusinessLicense, FilingLetter, PriorPlatform, QualificationProof, SalesFlow, SellingReputation, StoreProof, TrademarkRegistration; add a material of type BusinessLicense"}},
		},
		{
			name: "D8 one finding per missing type; a required recordingRequired type is D8's only",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				removeMaterial(app, iReputation)
				removeMaterial(app, iTrademark)
			},
			want: []want{
				{"D8", "spec.materials", "required material SellingReputation is missing"},
				{"D8", "spec.materials", "required material TrademarkRegistration is missing"},
			},
		},
		{
			name: "D8 prior platform missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				removeMaterial(app, iDouyin)
			},
			want: []want{{"D8", "spec.materials", "required material PriorPlatform is missing"}},
		},
		{
			name: "D10 office allowed: store proof missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				removeMaterial(app, iStore)
			},
			want: []want{{"D10", "spec.materials",
				"jewelry/gold requires store proof; add a StoreProof material with photos of a physical store (store: Physical) or, for a trading company with no store, of its office (store: Office)"}},
		},
		{
			name: "D10 store required: office refused",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "jewelry-services"
			},
			want: []want{{"D10", "spec.materials[7].store",
				`store "Office" is not accepted for jewelry/jewelry-services: it requires proof of at least one physical store`}},
		},
		{
			name: "D10 store required: office refused even beside a physical store",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "jewelry-services"
				app.Spec.Materials = append(app.Spec.Materials, v1alpha1.Material{
					Type: v1alpha1.MaterialStoreProof, Store: v1alpha1.StorePhysical,
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "store-1.jpg")},
				})
			},
			want: []want{{"D10", "spec.materials[7].store", `store "Office" is not accepted`}},
		},
		{
			name: "D10 store required: store proof missing is reported once",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "jewelry-services"
				removeMaterial(app, iStore)
			},
			want: []want{{"D10", "spec.materials",
				"jewelry/jewelry-services requires proof of at least one physical store, and office photos are not accepted; add a StoreProof material with photos of the store and store: Physical"}},
		},
		{
			name: "D10 no mode but StoreProof required behaves as OfficeAllowed",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.StoreProof = ""
				removeMaterial(app, iStore)
			},
			want: []want{{"D10", "spec.materials", "(store: Physical) or, for a trading company with no store, of its office (store: Office)"}},
		},
		{
			name: "D10 no mode and StoreProof not required: no store rule",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.StoreProof = ""
				p.Spec.RequiredMaterials = without(p.Spec.RequiredMaterials, v1alpha1.MaterialStoreProof)
				removeMaterial(app, iStore)
			},
		},
		{
			name: "D10 store kind must be Physical or Office",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iStore].Store = ""
			},
			want: []want{{"D10", "spec.materials[7].store", "set store to Physical (photos of a physical store) or Office"}},
		},
		{
			name: "D28 optional store proof may be absent, even if requiredMaterials lists it",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "gold").StoreProof = v1alpha1.StoreProofOptional
				removeMaterial(app, iStore)
			},
		},
		{
			name: "D28 optional store proof accepts an office",
			mutate: func(_ *Input, _ *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "gold").StoreProof = v1alpha1.StoreProofOptional
			},
		},
		{
			name: "D28 optional store proof, when given, must say its kind",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "gold").StoreProof = v1alpha1.StoreProofOptional
				app.Spec.Materials[iStore].Store = "Warehouse"
			},
			want: []want{{"D28", "spec.materials[7].store", `store "Warehouse" is not a kind of store proof`}},
		},
		{
			name: "D12 recording missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iSalesFlow].Recordings = nil
			},
			want: []want{{"D12", "spec.materials[5].recordings",
				"the SalesFlow material has no screen recording: jewelry/gold requires screenshots and a screen recording of it; add at least one entry to recordings"}},
		},
		{
			name: "D12 screenshots missing",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iQualification].Files = nil
			},
			want: []want{{"D12", "spec.materials[3].files", "the QualificationProof material has no screenshots"}},
		},
		{
			name: "D12 every material of the type is checked",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				extra := app.Spec.Materials[iReputation]
				extra.Recordings = nil
				app.Spec.Materials = append(app.Spec.Materials, extra)
			},
			want: []want{{"D12", "spec.materials[8].recordings", "the SellingReputation material has no screen recording"}},
		},
		{
			name: "D12 an absent recordingRequired type that is not required is D12's",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				p.Spec.RequiredMaterials = without(p.Spec.RequiredMaterials, v1alpha1.MaterialSalesFlow)
				removeMaterial(app, iSalesFlow)
			},
			want: []want{{"D12", "spec.materials",
				"a SalesFlow material is missing: jewelry/gold requires screenshots and a screen recording of it; add a SalesFlow material with files and recordings"}},
		},
		{
			name: "D12 does not apply to types outside recordingRequired",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iLicense].Recordings = nil
				app.Spec.Materials[iStore].Recordings = nil
			},
		},
	})
}
