package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReviewDays is how many working days a reviewer has, per channel (D5).
type ReviewDays struct {
	// shop is the review time of the shop's own category qualification.
	// +optional
	// +kubebuilder:default=5
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	Shop int32 `json:"shop,omitempty"`

	// showcase is the review time of the showcase special-category selling qualification.
	// +optional
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60
	Showcase int32 `json:"showcase,omitempty"`
}

// For returns the working days of a channel.
func (r ReviewDays) For(c Channel) int32 {
	if c == ChannelShowcase {
		return r.Showcase
	}
	return r.Shop
}

// Requirements are the rules a category's applications must meet. On a Subcategory every field
// that is set replaces the group's value; unset fields inherit it.
type Requirements struct {
	// requiredMaterials are the material types every application must include (D6, D8).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	RequiredMaterials []MaterialType `json:"requiredMaterials,omitempty"`

	// recordingRequired are the material types that need screenshots and a screen recording (D12).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	RecordingRequired []MaterialType `json:"recordingRequired,omitempty"`

	// allowedPlatforms are the prior selling platforms that count (D11). Empty: any platform.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	AllowedPlatforms []Platform `json:"allowedPlatforms,omitempty"`

	// storeProof says what store proof is accepted (D10, D28).
	// +optional
	StoreProof StoreProofMode `json:"storeProof,omitempty"`

	// allowedShopTypes are the shop types admitted (D24). Empty: any.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	AllowedShopTypes []ShopType `json:"allowedShopTypes,omitempty"`

	// allowedEntityTypes are the legal forms admitted (D26). Empty: any.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	AllowedEntityTypes []EntityType `json:"allowedEntityTypes,omitempty"`

	// minRegisteredCapitalCNY is the least registered capital of the merchant, in CNY (D26).
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinRegisteredCapitalCNY *int64 `json:"minRegisteredCapitalCNY,omitempty"`

	// brandLibrary lists the brands admitted (D23). Empty: any brand.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=1024
	// +kubebuilder:validation:items:MaxLength=128
	BrandLibrary []string `json:"brandLibrary,omitempty"`

	// maxAuthorizationLevel is the deepest distribution authorization admitted for a Brand:
	// 0 = trademark owner, 1 = first-level distributor, ... (D23, D25).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	MaxAuthorizationLevel *int32 `json:"maxAuthorizationLevel,omitempty"`

	// minAuthorizationValidity is how long a Brand authorization must still be valid, e.g. 720h (D25).
	// +optional
	MinAuthorizationValidity *metav1.Duration `json:"minAuthorizationValidity,omitempty"`

	// trademarkClasses are the Nice classes a Brand's trademark must be registered in (D26:
	// alcohol 33, beer 32). Empty: any class.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=45
	// +kubebuilder:validation:items:Minimum=1
	// +kubebuilder:validation:items:Maximum=45
	TrademarkClasses []int32 `json:"trademarkClasses,omitempty"`

	// platformThresholds are minimum figures on prior platforms (D27).
	// +optional
	PlatformThresholds *PlatformThresholds `json:"platformThresholds,omitempty"`
}

// PlatformThresholds are minimums a merchant's declared prior-platform figures must meet (D27).
// At least one PriorPlatform material on a counted platform must meet all of them.
type PlatformThresholds struct {
	// countedPlatforms are the platforms whose data counts. Empty: any platform.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	CountedPlatforms []Platform `json:"countedPlatforms,omitempty"`

	// minMonthlySalesCNY is the least sales in each of the last `months` months, in CNY.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MinMonthlySalesCNY *int64 `json:"minMonthlySalesCNY,omitempty"`

	// months is how many consecutive recent months must meet minMonthlySalesCNY.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=24
	Months int32 `json:"months,omitempty"`

	// minReputationScore is the least shop reputation score, e.g. "4.7".
	// +optional
	MinReputationScore *resource.Quantity `json:"minReputationScore,omitempty"`

	// minQualityScore is the least product quality score, e.g. "4.8".
	// +optional
	MinQualityScore *resource.Quantity `json:"minQualityScore,omitempty"`

	// minServiceScore is the least service score, e.g. "4.8".
	// +optional
	MinServiceScore *resource.Quantity `json:"minServiceScore,omitempty"`
}

// Subcategory is a level-2 category of the group (D3, D21).
type Subcategory struct {
	// id is the category id applications use in spec.category.level2.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ID string `json:"id"`

	// displayName is the name merchants see, e.g. 黄金.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	DisplayName string `json:"displayName"`

	// Requirements set here replace the group's for this subcategory.
	Requirements `json:",inline"`

	// subcategories are the level-3 categories the standard names under this level 2 (D21).
	// Empty: the standard covers every level-3 category ("所有") and level3 is optional;
	// otherwise an application must name one of them.
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=256
	Subcategories []Level3Category `json:"subcategories,omitempty"`
}

// Level3Category is a level-3 category named by a standard (D21).
type Level3Category struct {
	// id is the category id applications use in spec.category.level3.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ID string `json:"id"`

	// displayName is the name merchants see, e.g. 电动牙刷.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	DisplayName string `json:"displayName"`
}

// CustomRule is a rule written in CEL, for what the built-in fields cannot say. It is evaluated
// against the application as `object` (object.spec.merchant...) with Kubernetes' CEL libraries
// and cost limits; a false result is a finding with rule = id.
type CustomRule struct {
	// id names the rule in findings, e.g. "calligraphy-min-followers".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z][-A-Za-z0-9]*$`
	ID string `json:"id"`

	// expression is a CEL expression that must evaluate to true for a compliant application.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Expression string `json:"expression"`

	// message is shown to the merchant when the expression is false.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message"`

	// field is the path the finding names, e.g. spec.merchant. Default: spec.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Field string `json:"field,omitempty"`
}

// RejectionReason is one entry of a policy's catalogue of rejection reasons (D32): the code a
// reviewer names with `kubectl category reject --reason CODE`, and what the merchant is told.
type RejectionReason struct {
	// code is the CamelCase reason a rejection names, e.g. FilingLetterUnsealed.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Z][A-Za-z0-9]*$`
	Code string `json:"code"`

	// title names the problem in a few words for the merchant: one line of printable text.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Title string `json:"title"`

	// guidance tells the merchant what to fix before resubmitting: printable text, tab and
	// newline allowed. Bounded: every rejection, and every history record of one, copies it.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\x00-\x08\x0b-\x1f\x7f-\x9f\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text: no control characters other than tab and newline (C0, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reader's terminal"
	Guidance string `json:"guidance"`
}

// CategoryPolicySpec is the rules of one restricted category group (D15).
type CategoryPolicySpec struct {
	// displayName is the group's name merchants see, e.g. 珠宝首饰.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	DisplayName string `json:"displayName"`

	// reviewDays are the working days a reviewer has per channel (D5).
	// +optional
	// +kubebuilder:default={shop: 5, showcase: 7}
	ReviewDays ReviewDays `json:"reviewDays,omitempty"`

	// Requirements of every subcategory of the group, unless a subcategory overrides them.
	Requirements `json:",inline"`

	// subcategories are the group's level-2 categories (D3, D21).
	// +required
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=256
	Subcategories []Subcategory `json:"subcategories"`

	// rules are custom rules in CEL, evaluated after the built-in ones.
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=64
	Rules []CustomRule `json:"rules,omitempty"`

	// requiredApprovals is how many approvals by different reviewers a round needs before
	// it is approved and listed (four-eyes, D31). A round keeps the value it started with.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3
	RequiredApprovals int32 `json:"requiredApprovals,omitempty"`

	// rejectionReasons is the group's catalogue of rejection reasons (D32). When set, a
	// rejection must name one of its codes, and the decision and the merchant's notification
	// carry its title and guidance. Empty: reviewers write their own CamelCase reasons.
	// +optional
	// +listType=map
	// +listMapKey=code
	// +kubebuilder:validation:MaxItems=64
	RejectionReasons []RejectionReason `json:"rejectionReasons,omitempty"`

	// expiryWarningDays: reviewers are warned of a material whose validUntil is at most this
	// many days away (D35; `kubectl category describe`). 0 turns the warning off. It only
	// warns: an expired document is a finding (D20).
	// +optional
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=366
	ExpiryWarningDays *int32 `json:"expiryWarningDays,omitempty"`
}

// DefaultExpiryWarningDays is expiryWarningDays when a policy does not set it (D35).
const DefaultExpiryWarningDays = 30

// CategoryPolicyStatus is the observed state of a CategoryPolicy.
type CategoryPolicyStatus struct {
	// observedGeneration is the generation the controller last processed.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready says whether the policy is valid and in force.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=catpolicy;catpolicies,categories=qualification
// +kubebuilder:printcolumn:name="Display",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Shop days",type=integer,JSONPath=`.spec.reviewDays.shop`
// +kubebuilder:printcolumn:name="Showcase days",type=integer,JSONPath=`.spec.reviewDays.showcase`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// CategoryPolicy holds the rules of one restricted category group; its name is the group
// applications name in spec.category.group.
type CategoryPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the group's rules.
	// +required
	Spec CategoryPolicySpec `json:"spec"`

	// status is the observed state.
	// +optional
	Status CategoryPolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// CategoryPolicyList contains a list of CategoryPolicy.
type CategoryPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CategoryPolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CategoryPolicy{}, &CategoryPolicyList{})
}
