package celrules

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func ptr[T any](v T) *T { return &v }

func secretFile(key string) []v1alpha1.FileRef {
	return []v1alpha1.FileRef{{SecretKeyRef: &v1alpha1.SecretKeyReference{Name: "docs", Key: key}}}
}

// newApp is a complete jewelry/gold application as the API server would store it, with a
// status the rules must not see. Materials: [0] FilingLetter, [1] PriorPlatform on Douyin with
// a 4.8 reputation score, [2] BusinessLicense valid until 2030-12-31, [3] Brand. The merchant
// declares no registered capital.
func newApp() *v1alpha1.CategoryApplication {
	return &v1alpha1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{
			Name:       "golden-gold",
			Namespace:  "merchant-golden",
			Labels:     map[string]string{"tier": "gold"},
			Generation: 3,
		},
		Spec: v1alpha1.CategoryApplicationSpec{
			Merchant: v1alpha1.Merchant{
				ShopName:    "Golden Flagship Store",
				AppID:       "wx0123456789abcdef",
				LegalEntity: "Golden Jewelry Co., Ltd.",
				ShopType:    v1alpha1.ShopType("Flagship"),
				EntityType:  v1alpha1.EntityType("Enterprise"),
			},
			Channel:  v1alpha1.ChannelShop,
			Category: v1alpha1.CategoryRef{Group: "jewelry", Level2: "gold"},
			Materials: []v1alpha1.Material{
				{
					Type:    v1alpha1.MaterialFilingLetter,
					Subject: "Golden Jewelry Co., Ltd.",
					Sealed:  ptr(true),
					Files:   secretFile("filing.pdf"),
				},
				{
					Type:            v1alpha1.MaterialPriorPlatform,
					Platform:        v1alpha1.PlatformDouyin,
					Account:         "golden-douyin",
					MonthlySalesCNY: []int64{620000, 580000, 510000},
					ReputationScore: ptr(resource.MustParse("4.8")),
					Files:           secretFile("douyin.png"),
				},
				{
					Type:       v1alpha1.MaterialBusinessLicense,
					Subject:    "Golden Jewelry Co., Ltd.",
					ValidUntil: ptr(v1alpha1.Date("2030-12-31")),
					Files:      secretFile("license.pdf"),
				},
				{
					Type:               v1alpha1.MaterialBrand,
					Brand:              "Golden",
					AuthorizationLevel: ptr(int32(0)),
					TrademarkClass:     ptr(int32(14)),
					Files: []v1alpha1.FileRef{{
						URL:    "https://cdn.example.com/brand.pdf",
						SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
					}},
				},
			},
		},
		Status: v1alpha1.CategoryApplicationStatus{
			Phase:    v1alpha1.PhaseIncomplete,
			Findings: []v1alpha1.Finding{{Rule: "D6", Field: "spec.materials", Message: "missing"}},
		},
	}
}

func rule(id, expression string) v1alpha1.CustomRule {
	return v1alpha1.CustomRule{ID: id, Expression: expression, Message: "rule " + id + " is not met"}
}
