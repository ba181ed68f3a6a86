package requirements

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestCategoryRules(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name: "D2 group without a policy",
			mutate: func(in *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Group = "watches"
				in.Policy = nil
			},
			want: []want{{"D2", "spec.category.group", `category group "watches" has no CategoryPolicy`}},
		},
		{
			name: "D2 without a policy the policy-independent rules still run",
			mutate: func(in *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				in.Policy = nil
				app.Spec.Materials[iFiling].Sealed = ptr(false)
			},
			want: []want{
				{"D2", "spec.category.group", `category group "jewelry" has no CategoryPolicy`},
				{"D7", "spec.materials[0].sealed", "official company seal"},
			},
		},
		{
			name: "D3 unknown level 2 lists the known ones",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "platinum"
			},
			want: []want{{"D3", "spec.category.level2",
				`unknown level-2 category "platinum" in jewelry; known: gold, jadeite, jewelry-services.`}},
		},
		{
			name: "D3 unknown level 2 still checks the group's requirements",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "platinum"
				app.Spec.Materials[iDouyin].Platform = "JD"
			},
			want: []want{
				{"D3", "spec.category.level2", `unknown level-2 category "platinum"`},
				{"D11", "spec.materials[6].platform", `platform "JD" is not accepted for jewelry/platinum`},
			},
		},
		{
			name: "D3 no level 2",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = ""
			},
			want: []want{{"D3", "spec.category.level2",
				"down to at least level 2; set spec.category.level2 to one of the level-2 categories of jewelry: gold, jadeite, jewelry-services"}},
		},
		{
			name: "D21 level 3 required when the standard names level-3 categories",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "jadeite"
			},
			want: []want{{"D21", "spec.category.level3",
				"jewelry/jadeite admits only the level-3 categories its standard names, so spec.category.level3 is required; set it to one of: jadeite-bangles, jadeite-pendants"}},
		},
		{
			name: "D21 unknown level 3",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level2 = "jadeite"
				app.Spec.Category.Level3 = "jadeite-rings"
			},
			want: []want{{"D21", "spec.category.level3",
				`unknown level-3 category "jadeite-rings" under jewelry/jadeite; the standard admits only: jadeite-bangles, jadeite-pendants.`}},
		},
		{
			name: "D21 any level 3 when the standard covers all of them",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Category.Level3 = "gold-bars"
			},
		},
	})
}

func TestEffective(t *testing.T) {
	g := NewWithT(t)
	p := jewelryPolicy()
	group := p.Spec.Requirements

	// gold adds allowedShopTypes and inherits the rest.
	gold, ok := Effective(p, v1alpha1.CategoryRef{Group: "jewelry", Level2: "gold"})
	g.Expect(ok).To(BeTrue())
	wantGold := *group.DeepCopy()
	wantGold.AllowedShopTypes = subcategoryOf(p, "gold").AllowedShopTypes
	g.Expect(gold).To(Equal(wantGold))

	// jewelry-services replaces storeProof and inherits the lists.
	services, ok := Effective(p, v1alpha1.CategoryRef{Group: "jewelry", Level2: "jewelry-services"})
	g.Expect(ok).To(BeTrue())
	g.Expect(services.StoreProof).To(Equal(v1alpha1.StoreRequired))
	g.Expect(services.AllowedPlatforms).To(Equal(group.AllowedPlatforms))
	g.Expect(services.RequiredMaterials).To(Equal(group.RequiredMaterials))

	// A set list replaces the group's, it is not merged; an empty list inherits; pointers
	// and platformThresholds replace as a whole.
	p.Spec.PlatformThresholds = &v1alpha1.PlatformThresholds{MinReputationScore: qty("4.5"), MinQualityScore: qty("4.5")}
	p.Spec.MinAuthorizationValidity = &metav1.Duration{Duration: time.Hour}
	jadeite := subcategoryOf(p, "jadeite")
	jadeite.AllowedPlatforms = []v1alpha1.Platform{v1alpha1.PlatformTaobao}
	jadeite.RecordingRequired = []v1alpha1.MaterialType{}
	jadeite.PlatformThresholds = &v1alpha1.PlatformThresholds{MinReputationScore: qty("4.7")}
	jadeite.MinAuthorizationValidity = &metav1.Duration{Duration: 720 * time.Hour}
	jadeite.MinRegisteredCapitalCNY = ptr(int64(0))
	r, ok := Effective(p, v1alpha1.CategoryRef{Group: "jewelry", Level2: "jadeite"})
	g.Expect(ok).To(BeTrue())
	g.Expect(r.AllowedPlatforms).To(Equal([]v1alpha1.Platform{v1alpha1.PlatformTaobao}))
	g.Expect(r.RecordingRequired).To(Equal(group.RecordingRequired))
	g.Expect(r.PlatformThresholds).To(Equal(&v1alpha1.PlatformThresholds{MinReputationScore: qty("4.7")}))
	g.Expect(r.MinAuthorizationValidity.Duration).To(Equal(720 * time.Hour))
	g.Expect(r.MinRegisteredCapitalCNY).To(Equal(ptr(int64(0))), "a set zero is set")

	// Unknown level 2: the group's requirements, not ok.
	unknown, ok := Effective(p, v1alpha1.CategoryRef{Group: "jewelry", Level2: "platinum"})
	g.Expect(ok).To(BeFalse())
	g.Expect(unknown).To(Equal(p.Spec.Requirements))

	// No policy.
	none, ok := Effective(nil, v1alpha1.CategoryRef{Group: "jewelry", Level2: "gold"})
	g.Expect(ok).To(BeFalse())
	g.Expect(none).To(Equal(v1alpha1.Requirements{}))

	// The result does not alias the policy.
	before := p.DeepCopy()
	r.AllowedPlatforms[0] = "JD"
	r.RequiredMaterials[0] = "Brand"
	*r.MinRegisteredCapitalCNY = 42
	g.Expect(p).To(Equal(before))
}

func TestEffectiveDrivesEvaluate(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name: "a subcategory's allowedPlatforms replaces the group's",
			mutate: func(_ *Input, _ *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "gold").AllowedPlatforms = []v1alpha1.Platform{v1alpha1.PlatformTaobao, v1alpha1.PlatformTmall}
			},
			want: []want{{"D11", "spec.materials[6].platform", "accepted: Taobao, Tmall."}},
		},
		{
			name: "another subcategory's override does not apply",
			mutate: func(_ *Input, _ *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy) {
				subcategoryOf(p, "jadeite").AllowedPlatforms = []v1alpha1.Platform{v1alpha1.PlatformTaobao}
			},
		},
	})
}

// fullRequirements sets every field of Requirements, differently for each variant.
func fullRequirements(variant int) v1alpha1.Requirements {
	if variant == 0 {
		return v1alpha1.Requirements{
			RequiredMaterials:        []v1alpha1.MaterialType{v1alpha1.MaterialFilingLetter, v1alpha1.MaterialBusinessLicense},
			RecordingRequired:        []v1alpha1.MaterialType{v1alpha1.MaterialSalesFlow},
			AllowedPlatforms:         []v1alpha1.Platform{v1alpha1.PlatformDouyin},
			StoreProof:               v1alpha1.OfficeAllowed,
			AllowedShopTypes:         []v1alpha1.ShopType{v1alpha1.ShopFlagship},
			AllowedEntityTypes:       []v1alpha1.EntityType{v1alpha1.EntityEnterprise},
			MinRegisteredCapitalCNY:  ptr(int64(500_000)),
			BrandLibrary:             []string{"Moutai"},
			MaxAuthorizationLevel:    ptr(int32(2)),
			MinAuthorizationValidity: &metav1.Duration{Duration: 720 * time.Hour},
			TrademarkClasses:         []int32{33},
			PlatformThresholds:       &v1alpha1.PlatformThresholds{MinReputationScore: qty("4.7"), Months: 6},
		}
	}
	return v1alpha1.Requirements{
		RequiredMaterials:        []v1alpha1.MaterialType{v1alpha1.MaterialBrand},
		RecordingRequired:        []v1alpha1.MaterialType{v1alpha1.MaterialQualificationProof},
		AllowedPlatforms:         []v1alpha1.Platform{v1alpha1.PlatformKuaishou},
		StoreProof:               v1alpha1.StoreRequired,
		AllowedShopTypes:         []v1alpha1.ShopType{v1alpha1.ShopSpecialty},
		AllowedEntityTypes:       []v1alpha1.EntityType{v1alpha1.EntityIndividualBusiness},
		MinRegisteredCapitalCNY:  ptr(int64(0)),
		BrandLibrary:             []string{"Fenjiu"},
		MaxAuthorizationLevel:    ptr(int32(0)),
		MinAuthorizationValidity: &metav1.Duration{Duration: time.Hour},
		TrademarkClasses:         []int32{32},
		PlatformThresholds:       &v1alpha1.PlatformThresholds{MinQualityScore: qty("4.8")},
	}
}

func TestEffectiveEveryField(t *testing.T) {
	gold := v1alpha1.CategoryRef{Group: "jewelry", Level2: "gold"}
	policy := func(sub v1alpha1.Requirements) *v1alpha1.CategoryPolicy {
		p := jewelryPolicy()
		p.Spec.Requirements = fullRequirements(0)
		subcategoryOf(p, "gold").Requirements = sub
		return p
	}
	t.Run("every set field replaces the group's, lists are not merged", func(t *testing.T) {
		g := NewWithT(t)
		r, ok := Effective(policy(fullRequirements(1)), gold)
		g.Expect(ok).To(BeTrue())
		g.Expect(r).To(Equal(fullRequirements(1)))
	})
	t.Run("every unset field inherits the group's", func(t *testing.T) {
		g := NewWithT(t)
		r, ok := Effective(policy(v1alpha1.Requirements{}), gold)
		g.Expect(ok).To(BeTrue())
		g.Expect(r).To(Equal(fullRequirements(0)))
	})
	t.Run("an empty list inherits the group's", func(t *testing.T) {
		g := NewWithT(t)
		r, ok := Effective(policy(v1alpha1.Requirements{
			RequiredMaterials: []v1alpha1.MaterialType{}, RecordingRequired: []v1alpha1.MaterialType{},
			AllowedPlatforms: []v1alpha1.Platform{}, AllowedShopTypes: []v1alpha1.ShopType{},
			AllowedEntityTypes: []v1alpha1.EntityType{}, BrandLibrary: []string{}, TrademarkClasses: []int32{},
		}), gold)
		g.Expect(ok).To(BeTrue())
		g.Expect(r).To(Equal(fullRequirements(0)))
	})
}
