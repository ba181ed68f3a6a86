package requirements

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// Test fixtures: a realistic jewelry policy and a complete gold application that meets it,
// and an alcohol policy with a baijiu application; each case mutates a fresh copy.

var (
	shanghai = func() *time.Location {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			panic(err)
		}
		return loc
	}()
	// now is a Monday morning in Shanghai.
	now = time.Date(2026, 6, 15, 10, 0, 0, 0, shanghai)
)

func ptr[T any](v T) *T { return &v }

func qty(s string) *resource.Quantity { return ptr(resource.MustParse(s)) }

func date(s string) *v1alpha1.Date { return ptr(v1alpha1.Date(s)) }

func inSecret(name, key string) v1alpha1.FileRef {
	return v1alpha1.FileRef{SecretKeyRef: &v1alpha1.SecretKeyReference{Name: name, Key: key}}
}

func atURL(url, sha string) v1alpha1.FileRef { return v1alpha1.FileRef{URL: url, SHA256: sha} }

const trademarkSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// jewelryPolicy is the jewelry group as the merchant guide describes it (D10, D11, D12, D24).
func jewelryPolicy() *v1alpha1.CategoryPolicy {
	return &v1alpha1.CategoryPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "jewelry"},
		Spec: v1alpha1.CategoryPolicySpec{
			DisplayName: "珠宝首饰",
			ReviewDays:  v1alpha1.ReviewDays{Shop: 5, Showcase: 7},
			Requirements: v1alpha1.Requirements{
				RequiredMaterials: []v1alpha1.MaterialType{
					v1alpha1.MaterialFilingLetter, v1alpha1.MaterialBusinessLicense,
					v1alpha1.MaterialTrademarkRegistration, v1alpha1.MaterialQualificationProof,
					v1alpha1.MaterialSellingReputation, v1alpha1.MaterialSalesFlow,
					v1alpha1.MaterialPriorPlatform, v1alpha1.MaterialStoreProof,
				},
				RecordingRequired: []v1alpha1.MaterialType{
					v1alpha1.MaterialQualificationProof, v1alpha1.MaterialSellingReputation, v1alpha1.MaterialSalesFlow,
				},
				AllowedPlatforms: []v1alpha1.Platform{
					v1alpha1.PlatformDouyin, v1alpha1.PlatformKuaishou, v1alpha1.PlatformTaobao, v1alpha1.PlatformTmall,
				},
				StoreProof: v1alpha1.OfficeAllowed,
			},
			Subcategories: []v1alpha1.Subcategory{
				{
					ID: "gold", DisplayName: "黄金",
					Requirements: v1alpha1.Requirements{AllowedShopTypes: []v1alpha1.ShopType{
						v1alpha1.ShopOfficialFlagship, v1alpha1.ShopFlagship, v1alpha1.ShopMarketplaceFlagship,
					}},
				},
				{
					ID: "jadeite", DisplayName: "翡翠",
					Subcategories: []v1alpha1.Level3Category{
						{ID: "jadeite-pendants", DisplayName: "翡翠吊坠"},
						{ID: "jadeite-bangles", DisplayName: "翡翠手镯"},
					},
				},
				{
					ID: "jewelry-services", DisplayName: "珠宝服务",
					Requirements: v1alpha1.Requirements{StoreProof: v1alpha1.StoreRequired},
				},
			},
		},
	}
}

// Indexes of the materials of goldApplication.
const (
	iFiling = iota
	iLicense
	iTrademark
	iQualification
	iReputation
	iSalesFlow
	iDouyin
	iStore
)

// goldApplication is a complete application for jewelry/gold that meets jewelryPolicy.
func goldApplication() *v1alpha1.CategoryApplication {
	return &v1alpha1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop-acme", Name: "acme-gold", Generation: 1},
		Spec: v1alpha1.CategoryApplicationSpec{
			Merchant: v1alpha1.Merchant{
				ShopName:             "Acme Jewelry Flagship",
				AppID:                "wx0123456789abcdef",
				LegalEntity:          "Acme Trading Co., Ltd.",
				ShopType:             v1alpha1.ShopFlagship,
				EntityType:           v1alpha1.EntityEnterprise,
				RegisteredCapitalCNY: ptr(int64(2_000_000)),
			},
			Channel:  v1alpha1.ChannelShop,
			Category: v1alpha1.CategoryRef{Group: "jewelry", Level2: "gold"},
			Materials: []v1alpha1.Material{
				iFiling: {
					Type: v1alpha1.MaterialFilingLetter, Subject: "Acme Trading Co., Ltd.", Sealed: ptr(true),
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "filing-letter.jpg")},
				},
				iLicense: {
					Type: v1alpha1.MaterialBusinessLicense, Subject: "Acme Trading Co., Ltd.", ValidUntil: date("2030-12-31"),
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "business-license.jpg")},
				},
				iTrademark: {
					Type: v1alpha1.MaterialTrademarkRegistration, TrademarkNumber: "12345678",
					TrademarkClass: ptr(int32(14)), Owner: "Acme Trading Co., Ltd.",
					Files: []v1alpha1.FileRef{atURL("https://files.acme.example/tm-12345678.pdf", trademarkSHA)},
				},
				iQualification: {
					Type:       v1alpha1.MaterialQualificationProof,
					Files:      []v1alpha1.FileRef{inSecret("acme-docs", "qualification.png")},
					Recordings: []v1alpha1.FileRef{inSecret("acme-recordings", "qualification.mp4")},
				},
				iReputation: {
					Type:       v1alpha1.MaterialSellingReputation,
					Files:      []v1alpha1.FileRef{inSecret("acme-docs", "reputation.png")},
					Recordings: []v1alpha1.FileRef{inSecret("acme-recordings", "reputation.mp4")},
				},
				iSalesFlow: {
					Type:       v1alpha1.MaterialSalesFlow,
					Files:      []v1alpha1.FileRef{inSecret("acme-docs", "sales-flow.png")},
					Recordings: []v1alpha1.FileRef{inSecret("acme-recordings", "sales-flow.mp4")},
				},
				iDouyin: {
					Type: v1alpha1.MaterialPriorPlatform, Platform: v1alpha1.PlatformDouyin, Account: "acme_jewelry_dy",
					MonthlySalesCNY: []int64{820_000, 760_000, 910_000, 705_000, 640_000, 688_000},
					ReputationScore: qty("4.9"), QualityScore: qty("4.8"), ServiceScore: qty("4.9"),
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "douyin-account.png")},
				},
				iStore: {
					Type: v1alpha1.MaterialStoreProof, Store: v1alpha1.StoreOffice,
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "office-1.jpg"), inSecret("acme-docs", "office-2.jpg")},
				},
			},
			Notify: []v1alpha1.NotifyTarget{{SecretRef: v1alpha1.LocalObjectReference{Name: "acme-notify"}}},
		},
	}
}

// alcoholPolicy is the alcohol group of the published standards (D23..D26).
func alcoholPolicy() *v1alpha1.CategoryPolicy {
	return &v1alpha1.CategoryPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "alcohol"},
		Spec: v1alpha1.CategoryPolicySpec{
			DisplayName: "酒类",
			Requirements: v1alpha1.Requirements{
				RequiredMaterials: []v1alpha1.MaterialType{
					v1alpha1.MaterialFilingLetter, v1alpha1.MaterialBusinessLicense,
					v1alpha1.MaterialTrademarkRegistration, v1alpha1.MaterialBrand,
				},
				AllowedShopTypes: []v1alpha1.ShopType{
					v1alpha1.ShopOfficialFlagship, v1alpha1.ShopFlagship, v1alpha1.ShopMarketplaceFlagship,
					v1alpha1.ShopFranchise, v1alpha1.ShopSpecialty,
				},
				AllowedEntityTypes:      []v1alpha1.EntityType{v1alpha1.EntityEnterprise},
				MinRegisteredCapitalCNY: ptr(int64(500_000)),
				TrademarkClasses:        []int32{33},
			},
			Subcategories: []v1alpha1.Subcategory{
				{
					ID: "baijiu", DisplayName: "白酒",
					Requirements: v1alpha1.Requirements{
						BrandLibrary:             []string{"Moutai", "Wuliangye", "Fenjiu", "Luzhou Laojiao"},
						MaxAuthorizationLevel:    ptr(int32(2)),
						MinAuthorizationValidity: &metav1.Duration{Duration: 720 * time.Hour},
					},
				},
				{
					ID: "beer", DisplayName: "啤酒",
					Requirements: v1alpha1.Requirements{TrademarkClasses: []int32{32}},
				},
			},
		},
	}
}

// Indexes of the materials of baijiuApplication.
const (
	bFiling = iota
	bLicense
	bTrademark
	bBrand
)

// baijiuApplication is a first-level distributor of Moutai applying for alcohol/baijiu.
func baijiuApplication() *v1alpha1.CategoryApplication {
	return &v1alpha1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop-acme", Name: "acme-baijiu", Generation: 1},
		Spec: v1alpha1.CategoryApplicationSpec{
			Merchant: v1alpha1.Merchant{
				ShopName:             "Acme Spirits Franchise Store",
				AppID:                "wx0123456789abcdef",
				LegalEntity:          "Acme Trading Co., Ltd.",
				ShopType:             v1alpha1.ShopFranchise,
				EntityType:           v1alpha1.EntityEnterprise,
				RegisteredCapitalCNY: ptr(int64(2_000_000)),
			},
			Category: v1alpha1.CategoryRef{Group: "alcohol", Level2: "baijiu"},
			Materials: []v1alpha1.Material{
				bFiling: {
					Type: v1alpha1.MaterialFilingLetter, Subject: "Acme Trading Co., Ltd.", Sealed: ptr(true),
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "filing-letter.jpg")},
				},
				bLicense: {
					Type: v1alpha1.MaterialBusinessLicense, Subject: "Acme Trading Co., Ltd.", ValidUntil: date("2030-12-31"),
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "business-license.jpg")},
				},
				bTrademark: {
					Type: v1alpha1.MaterialTrademarkRegistration, TrademarkNumber: "1234567",
					TrademarkClass: ptr(int32(33)), Owner: "Kweichow Moutai Co., Ltd.",
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "trademark.pdf")},
				},
				bBrand: {
					Type: v1alpha1.MaterialBrand, Brand: "Moutai", TrademarkClass: ptr(int32(33)),
					Owner: "Kweichow Moutai Co., Ltd.", AuthorizationLevel: ptr(int32(1)), ValidUntil: date("2027-01-31"),
					Files: []v1alpha1.FileRef{inSecret("acme-docs", "authorization-letter.jpg")},
				},
			},
		},
	}
}

// acmeSecrets are the Secrets of namespace shop-acme: names to keys.
func acmeSecrets() map[string]sets.Set[string] {
	return map[string]sets.Set[string]{
		"acme-docs": sets.New("filing-letter.jpg", "business-license.jpg", "qualification.png",
			"reputation.png", "sales-flow.png", "douyin-account.png", "office-1.jpg", "office-2.jpg",
			"trademark.pdf", "authorization-letter.jpg", "store-1.jpg"),
		"acme-recordings": sets.New("qualification.mp4", "reputation.mp4", "sales-flow.mp4"),
		"acme-notify":     sets.New("address", "token"),
	}
}

func lookupIn(secrets map[string]sets.Set[string]) SecretLookup {
	return func(name string) (SecretKeys, bool) {
		keys, ok := secrets[name]
		return KeysOf(keys), ok
	}
}

func inputFor(app *v1alpha1.CategoryApplication, policy *v1alpha1.CategoryPolicy) Input {
	return Input{App: app, Policy: policy, Secrets: lookupIn(acmeSecrets()), Now: now, Location: shanghai}
}

// want is an expected finding: exact rule and field, and a fragment of the message.
type want struct {
	rule, field, fragment string
}

// expectFindings asserts that got is exactly want, in order.
func expectFindings(g Gomega, got []v1alpha1.Finding, want ...want) {
	g.ExpectWithOffset(1, got).To(HaveLen(len(want)), "findings:\n%s", dump(got))
	for i, w := range want {
		f := got[i]
		g.ExpectWithOffset(1, f.Rule).To(Equal(w.rule), "finding %d:\n%s", i, dump(got))
		g.ExpectWithOffset(1, f.Field).To(Equal(w.field), "finding %d:\n%s", i, dump(got))
		g.ExpectWithOffset(1, f.Message).To(ContainSubstring(w.fragment), "finding %d", i)
		g.ExpectWithOffset(1, f.Message).To(HaveSuffix(" ("+w.rule+")"), "a message names its rule")
	}
}

func dump(fs []v1alpha1.Finding) string {
	s := ""
	for _, f := range fs {
		s += fmt.Sprintf("  %s %s: %s\n", f.Rule, f.Field, f.Message)
	}
	return s
}

// ruleCase mutates fresh fixtures and expects exactly the listed findings.
type ruleCase struct {
	name   string
	mutate func(in *Input, app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy)
	want   []want
}

// runGold runs cases against goldApplication and jewelryPolicy.
func runGold(t *testing.T, cases []ruleCase) {
	t.Helper()
	run(t, goldApplication, jewelryPolicy, cases)
}

// runBaijiu runs cases against baijiuApplication and alcoholPolicy.
func runBaijiu(t *testing.T, cases []ruleCase) {
	t.Helper()
	run(t, baijiuApplication, alcoholPolicy, cases)
}

func run(t *testing.T, app func() *v1alpha1.CategoryApplication, policy func() *v1alpha1.CategoryPolicy, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			a, p := app(), policy()
			in := inputFor(a, p)
			if tc.mutate != nil {
				tc.mutate(&in, a, p)
			}
			expectFindings(g, Evaluate(in), tc.want...)
		})
	}
}

// subcategoryOf returns the level-2 subcategory id of p, for mutation.
func subcategoryOf(p *v1alpha1.CategoryPolicy, id string) *v1alpha1.Subcategory {
	for i := range p.Spec.Subcategories {
		if p.Spec.Subcategories[i].ID == id {
			return &p.Spec.Subcategories[i]
		}
	}
	panic("no subcategory " + id)
}

// without returns types minus t.
func without(types []v1alpha1.MaterialType, t v1alpha1.MaterialType) []v1alpha1.MaterialType {
	var out []v1alpha1.MaterialType
	for _, x := range types {
		if x != t {
			out = append(out, x)
		}
	}
	return out
}

// removeMaterial removes material i from app.
func removeMaterial(app *v1alpha1.CategoryApplication, i int) {
	app.Spec.Materials = append(app.Spec.Materials[:i:i], app.Spec.Materials[i+1:]...)
}
