package v1alpha1

// Channel is the review channel of an application (D5).
// +kubebuilder:validation:Enum=Shop;Showcase
type Channel string

const (
	// ChannelShop is the shop's own category qualification: decided within ReviewDays.Shop (5) working days.
	ChannelShop Channel = "Shop"
	// ChannelShowcase is the showcase special-category selling qualification: ReviewDays.Showcase (7).
	ChannelShowcase Channel = "Showcase"
)

// CategoryRef names exactly one category, down to at least level 2 (D2, D3).
type CategoryRef struct {
	// group is the name of the CategoryPolicy of the restricted category group (D15), e.g. "jewelry".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Group string `json:"group"`

	// level2 is the id of a level-2 subcategory of the group, e.g. "gold" (D3).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Level2 string `json:"level2"`

	// level3 is the id of a level-3 category under level2. Required when the policy lists
	// level-3 categories under that level2 (D21).
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Level3 string `json:"level3,omitempty"`
}

// String renders the category as group/level2[/level3].
func (c CategoryRef) String() string {
	s := c.Group + "/" + c.Level2
	if c.Level3 != "" {
		s += "/" + c.Level3
	}
	return s
}

// MaterialType is a kind of qualification material (D6, D8, D22).
// +kubebuilder:validation:Enum=FilingLetter;BusinessLicense;TrademarkRegistration;Brand;QualificationProof;SellingReputation;SalesFlow;PriorPlatform;StoreProof
type MaterialType string

const (
	// MaterialFilingLetter is the platform's filing letter template, signed and sealed (D6, D7).
	MaterialFilingLetter MaterialType = "FilingLetter"
	// MaterialBusinessLicense is the business license of the legal entity (D8, D20).
	MaterialBusinessLicense MaterialType = "BusinessLicense"
	// MaterialTrademarkRegistration is a trademark registration certificate (D8).
	MaterialTrademarkRegistration MaterialType = "TrademarkRegistration"
	// MaterialBrand is brand information: brand, trademark, owner, authorization chain (D23, D25).
	MaterialBrand MaterialType = "Brand"
	// MaterialQualificationProof is qualification proof for a prior platform (D12, D22).
	MaterialQualificationProof MaterialType = "QualificationProof"
	// MaterialSellingReputation is the selling reputation (带货口碑) on a prior platform (D12).
	MaterialSellingReputation MaterialType = "SellingReputation"
	// MaterialSalesFlow is the sales flow (带货流水) on a prior platform (D12).
	MaterialSalesFlow MaterialType = "SalesFlow"
	// MaterialPriorPlatform is account information on a prior selling platform (D9, D11, D27).
	MaterialPriorPlatform MaterialType = "PriorPlatform"
	// MaterialStoreProof is physical-store (or office) proof (D10, D28).
	MaterialStoreProof MaterialType = "StoreProof"
)

// Platform is a selling platform a merchant has sold on before (D11).
// +kubebuilder:validation:Enum=Douyin;Kuaishou;Taobao;Tmall;JD;Pinduoduo;Xiaohongshu;Bilibili;Weibo
type Platform string

// StoreProofMode says what store proof a category accepts (D10, D28).
// +kubebuilder:validation:Enum=StoreRequired;OfficeAllowed;Optional
type StoreProofMode string

const (
	// StoreRequired needs proof of at least one physical store (e.g. jewelry services).
	StoreRequired StoreProofMode = "StoreRequired"
	// OfficeAllowed lets a trading company with no store give photos of its office instead.
	OfficeAllowed StoreProofMode = "OfficeAllowed"
	// StoreProofOptional lets a merchant with no store leave the proof out (D28).
	StoreProofOptional StoreProofMode = "Optional"
)

// StoreKind is what a StoreProof material shows.
// +kubebuilder:validation:Enum=Physical;Office
type StoreKind string

const (
	// StorePhysical is a physical store.
	StorePhysical StoreKind = "Physical"
	// StoreOffice is an office of a trading company with no physical store.
	StoreOffice StoreKind = "Office"
)

// ShopType is the kind of shop on the platform (D24).
// +kubebuilder:validation:Enum=OfficialFlagship;Flagship;MarketplaceFlagship;Franchise;Specialty;Ordinary
type ShopType string

// EntityType is the legal form of the merchant (D26).
// +kubebuilder:validation:Enum=Enterprise;IndividualBusiness
type EntityType string

// Date is a civil date, YYYY-MM-DD, read in the operator's calendar timezone.
// +kubebuilder:validation:Format=date
type Date string

// LocalObjectReference names an object in the same namespace. There is deliberately no
// namespace field: no reference can cross namespaces (D19).
type LocalObjectReference struct {
	// name of the object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Name string `json:"name"`
}

// SecretKeyReference names one key of a Secret in the application's namespace (D19).
type SecretKeyReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Name string `json:"name"`

	// key in the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// FileRef references one document, photo or recording: either a key of a Secret in the same
// namespace, or an https URL pinned by its sha256 digest (D19). Never both.
// +kubebuilder:validation:XValidation:rule="has(self.secretKeyRef) != has(self.url)",message="exactly one of secretKeyRef or url must be set (D19)"
// +kubebuilder:validation:XValidation:rule="has(self.url) == has(self.sha256)",message="url and sha256 go together: a URL must be pinned by its sha256 digest (D19)"
type FileRef struct {
	// secretKeyRef names a key of a Secret in the application's namespace.
	// +optional
	SecretKeyRef *SecretKeyReference `json:"secretKeyRef,omitempty"`

	// url is an https URL of the file.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') && isURL(self)",message="must be an https URL (D19)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	URL string `json:"url,omitempty"`

	// sha256 is the lowercase hex sha256 digest of the file at url.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{64}$`
	SHA256 string `json:"sha256,omitempty"`
}

// Finding is one broken rule: why requirements are not met.
type Finding struct {
	// rule is the domain rule (D1..D29) or the id of a policy's custom rule.
	// +required
	// +kubebuilder:validation:MaxLength=128
	Rule string `json:"rule"`
	// field is the path of the offending field, e.g. spec.materials[2].recordings.
	// +required
	// +kubebuilder:validation:MaxLength=512
	Field string `json:"field"`
	// message says what is wrong and how to fix it.
	// +required
	// +kubebuilder:validation:MaxLength=2048
	Message string `json:"message"`
}

// Platforms named by the guide (D11).
const (
	PlatformDouyin   Platform = "Douyin"
	PlatformKuaishou Platform = "Kuaishou"
	PlatformTaobao   Platform = "Taobao"
	PlatformTmall    Platform = "Tmall"
)

// Shop types (D24).
const (
	ShopOfficialFlagship    ShopType = "OfficialFlagship"
	ShopFlagship            ShopType = "Flagship"
	ShopMarketplaceFlagship ShopType = "MarketplaceFlagship"
	ShopFranchise           ShopType = "Franchise"
	ShopSpecialty           ShopType = "Specialty"
	ShopOrdinary            ShopType = "Ordinary"
)

// Entity types (D26).
const (
	EntityEnterprise         EntityType = "Enterprise"
	EntityIndividualBusiness EntityType = "IndividualBusiness"
)
