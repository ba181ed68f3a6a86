package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Merchant identifies the shop that applies (D4).
type Merchant struct {
	// shopName is the shop's name on the platform: one line of printable text, as every free
	// text of the spec (no control characters, line separators or bidirectional controls).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	ShopName string `json:"shopName"`

	// appID is the shop's AppID: "wx" and 16 lowercase hex digits. Immutable (D18).
	// +required
	// +kubebuilder:validation:Pattern=`^wx[0-9a-f]{16}$`
	// +kubebuilder:validation:MaxLength=18
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="appID is immutable: a different merchant is a new application (D18)"
	AppID string `json:"appID"`

	// legalEntity is the subject (company name) on the business license (D7).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	LegalEntity string `json:"legalEntity"`

	// shopType is the kind of shop (D24). Required by policies that restrict shop types.
	// +optional
	ShopType ShopType `json:"shopType,omitempty"`

	// entityType is the merchant's legal form (D26).
	// +optional
	EntityType EntityType `json:"entityType,omitempty"`

	// registeredCapitalCNY is the registered capital on the business license, in CNY (D26).
	// +optional
	// +kubebuilder:validation:Minimum=0
	RegisteredCapitalCNY *int64 `json:"registeredCapitalCNY,omitempty"`
}

// Material is one qualification material with the files that prove it. Which fields apply
// depends on type; a field that does not apply to the type is refused, not ignored.
// +kubebuilder:validation:XValidation:rule="self.type != 'PriorPlatform' || (has(self.platform) && has(self.account))",message="a PriorPlatform material needs platform and account (D9, D11)"
// +kubebuilder:validation:XValidation:rule="self.type == 'PriorPlatform' || !(has(self.platform) || has(self.account) || has(self.monthlySalesCNY) || has(self.reputationScore) || has(self.qualityScore) || has(self.serviceScore))",message="platform, account, monthlySalesCNY and scores apply only to type PriorPlatform"
// +kubebuilder:validation:XValidation:rule="self.type != 'StoreProof' || has(self.store)",message="a StoreProof material needs store: Physical or Office (D10)"
// +kubebuilder:validation:XValidation:rule="self.type == 'StoreProof' || !has(self.store)",message="store applies only to type StoreProof"
// +kubebuilder:validation:XValidation:rule="self.type == 'FilingLetter' || !has(self.sealed)",message="sealed applies only to type FilingLetter"
// +kubebuilder:validation:XValidation:rule="self.type != 'Brand' || (has(self.brand) && has(self.authorizationLevel))",message="a Brand material needs brand and authorizationLevel (D23)"
// +kubebuilder:validation:XValidation:rule="self.type == 'Brand' || self.type == 'TrademarkRegistration' || !(has(self.brand) || has(self.trademarkNumber) || has(self.trademarkClass) || has(self.owner) || has(self.authorizationLevel))",message="brand, trademarkNumber, trademarkClass, owner and authorizationLevel apply only to types Brand and TrademarkRegistration"
type Material struct {
	// type of the material.
	// +required
	Type MaterialType `json:"type"`

	// subject is the legal entity the document names (FilingLetter, BusinessLicense, D7).
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Subject string `json:"subject,omitempty"`

	// sealed says the filing letter carries the official company seal (D7).
	// +optional
	Sealed *bool `json:"sealed,omitempty"`

	// validUntil is the last day the document is valid: a license's end date (D20) or a brand
	// authorization's (D25).
	// +optional
	ValidUntil *Date `json:"validUntil,omitempty"`

	// platform is the prior selling platform (PriorPlatform, D9, D11).
	// +optional
	Platform Platform `json:"platform,omitempty"`

	// account is the merchant's account on that platform: the one with the best figures (D9).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Account string `json:"account,omitempty"`

	// monthlySalesCNY are the declared sales of the most recent months, newest first (D27).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=24
	// +kubebuilder:validation:items:Minimum=0
	MonthlySalesCNY []int64 `json:"monthlySalesCNY,omitempty"`

	// reputationScore is the declared shop reputation score, e.g. "4.8" (D27).
	// +optional
	ReputationScore *resource.Quantity `json:"reputationScore,omitempty"`

	// qualityScore is the declared product quality score (D27).
	// +optional
	QualityScore *resource.Quantity `json:"qualityScore,omitempty"`

	// serviceScore is the declared service score (D27).
	// +optional
	ServiceScore *resource.Quantity `json:"serviceScore,omitempty"`

	// store says whether StoreProof shows a physical store or an office (D10).
	// +optional
	Store StoreKind `json:"store,omitempty"`

	// brand is the brand name (Brand, D23).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Brand string `json:"brand,omitempty"`

	// trademarkNumber is the trademark registration number.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	TrademarkNumber string `json:"trademarkNumber,omitempty"`

	// trademarkClass is the Nice class the trademark is registered in (D26).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=45
	TrademarkClass *int32 `json:"trademarkClass,omitempty"`

	// owner is the trademark owner.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,message="must be printable text on one line: no control characters (C0 with tab and newline, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reviewer's terminal"
	Owner string `json:"owner,omitempty"`

	// authorizationLevel: 0 = the merchant owns the trademark, 1 = first-level distributor, ... (D23, D25).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	AuthorizationLevel *int32 `json:"authorizationLevel,omitempty"`

	// files are the documents, photos and screenshots.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	Files []FileRef `json:"files"`

	// recordings are screen recordings (D12).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	Recordings []FileRef `json:"recordings,omitempty"`
}

// NotifyTarget is a merchant notification sink.
type NotifyTarget struct {
	// secretRef names a Secret in the application's namespace with keys address (https URL),
	// token (optional HMAC key) and format (generic or wecom, optional).
	// +required
	SecretRef LocalObjectReference `json:"secretRef"`
}

// CategoryApplicationSpec is a shop's request to sell one restricted category.
type CategoryApplicationSpec struct {
	// merchant is the shop that applies (D4).
	// +required
	Merchant Merchant `json:"merchant"`

	// channel is the review channel (D5).
	// +optional
	// +kubebuilder:default=Shop
	Channel Channel `json:"channel,omitempty"`

	// category is the one category applied for (D2, D3). Immutable (D18).
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="category is immutable: a different category is a new application (D18, D1, D2)"
	Category CategoryRef `json:"category"`

	// materials are the qualification materials (D6..D12).
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self.all(m, m.type != 'PriorPlatform' || !has(m.platform) || self.filter(n, n.type == 'PriorPlatform' && has(n.platform) && n.platform == m.platform).size() == 1)",message="at most one PriorPlatform material per platform: list only the account with the best figures (D9)"
	Materials []Material `json:"materials"`

	// notify are merchant notification sinks.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=5
	Notify []NotifyTarget `json:"notify,omitempty"`
}

// ApplicationPhase is a one-word summary for humans; conditions are the API.
// +kubebuilder:validation:Enum=Incomplete;UnderReview;Approved;Rejected;Withdrawn;Duplicate
type ApplicationPhase string

const (
	PhaseIncomplete  ApplicationPhase = "Incomplete"
	PhaseUnderReview ApplicationPhase = "UnderReview"
	PhaseApproved    ApplicationPhase = "Approved"
	PhaseRejected    ApplicationPhase = "Rejected"
	PhaseWithdrawn   ApplicationPhase = "Withdrawn"
	PhaseDuplicate   ApplicationPhase = "Duplicate"
)

// Verdict is a reviewer's decision.
// +kubebuilder:validation:Enum=Approved;Rejected;Withdrawn
type Verdict string

const (
	VerdictApproved Verdict = "Approved"
	VerdictRejected Verdict = "Rejected"
	// VerdictWithdrawn withdraws an earlier approval of the same generation (D29).
	VerdictWithdrawn Verdict = "Withdrawn"
)

// Decision is a reviewer's verdict on one generation of the spec (D16, D17). reviewer and
// decidedAt are set by the admission webhook from the authenticated request. With only the
// admission policies, the client sends both: reviewer must be its own name, and decidedAt is
// its word, which the operator uses for nothing it records.
// +kubebuilder:validation:XValidation:rule="self.verdict == 'Approved' || (has(self.reason) && has(self.message))",message="a rejection or withdrawal needs reason and message (D13)"
type Decision struct {
	// verdict is Approved, Rejected or Withdrawn.
	// +required
	Verdict Verdict `json:"verdict"`

	// reason is a CamelCase reason, e.g. FilingLetterUnreadable.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Z][A-Za-z0-9]*$`
	Reason string `json:"reason,omitempty"`

	// message explains the decision to the merchant.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Message string `json:"message,omitempty"`

	// reviewer is the authenticated user who decided (set by the server).
	// +optional
	Reviewer string `json:"reviewer,omitempty"`

	// decidedAt is when the decision was recorded (set by the webhook).
	// +optional
	DecidedAt *metav1.Time `json:"decidedAt,omitempty"`

	// generation is the spec generation the reviewer looked at (D17).
	// +required
	// +kubebuilder:validation:Minimum=1
	Generation int64 `json:"generation"`

	// materialsDigest is the round's status.materialsDigest the reviewer looked at: an approval
	// covers the content of the Secret files that was on file then, not whatever they hold later
	// (D17, D19). Required for an approval; `kubectl category` fills it in.
	// +optional
	// +kubebuilder:validation:MaxLength=71
	MaterialsDigest string `json:"materialsDigest,omitempty"`

	// title is the title of reason in the policy's catalogue of rejection reasons (D32), copied
	// when the rejection is made: the webhook writes it from the policy, and the admission
	// policy refuses one that differs from the policy's.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Title string `json:"title,omitempty"`

	// guidance is what the catalogue tells the merchant to fix for reason (D32), copied as title is.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Guidance string `json:"guidance,omitempty"`
}

// SecretFileDigest pins the content of one file kept in a Secret: what a reviewer decides on.
// Only the digest is recorded, never the content.
type SecretFileDigest struct {
	// name of the Secret, in the application's namespace.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// key in the Secret.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
	// sha256 of the value, "sha256:" and 64 hex digits.
	// +required
	// +kubebuilder:validation:MaxLength=71
	SHA256 string `json:"sha256"`
}

// ListingFacts are the facts of one generation that a listing copies and an edit may change
// (appID and category cannot, D18).
type ListingFacts struct {
	// shopName of the shop.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	ShopName string `json:"shopName"`
	// channel of the review (D5).
	// +optional
	Channel Channel `json:"channel,omitempty"`
	// validUntil is the earliest validUntil of the materials (D20). Unset: no end date.
	// +optional
	ValidUntil *Date `json:"validUntil,omitempty"`
}

// ReviewRecord is one earlier review round.
type ReviewRecord struct {
	// generation of the spec under review in that round.
	// +required
	Generation int64 `json:"generation"`
	// submittedAt is when the round started.
	// +optional
	SubmittedAt *metav1.Time `json:"submittedAt,omitempty"`
	// reviewDeadline of that round.
	// +optional
	ReviewDeadline *metav1.Time `json:"reviewDeadline,omitempty"`
	// materialsDigest of that round (see status.materialsDigest).
	// +optional
	// +kubebuilder:validation:MaxLength=71
	MaterialsDigest string `json:"materialsDigest,omitempty"`
	// decision of that round, if any was made.
	// +optional
	Decision *Decision `json:"decision,omitempty"`
	// archivedAt is when the round was closed.
	// +optional
	ArchivedAt *metav1.Time `json:"archivedAt,omitempty"`
}

// NotificationEvent is what a notification tells.
// +kubebuilder:validation:Enum=Submitted;Approved;Rejected;RequirementsNotMet;ReviewOverdue;Listed;ListingSuspended;ListingExpired;PolicyNoncompliant;Withdrawn
type NotificationEvent string

// DeliveryState is the state of one notification to one sink.
// +kubebuilder:validation:Enum=Pending;Delivered;Failed
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "Pending"
	DeliveryDelivered DeliveryState = "Delivered"
	// DeliveryFailed is still retried; it says repeated attempts failed.
	DeliveryFailed DeliveryState = "Failed"
)

// NotificationRecord is the delivery of one event of one generation to one sink: the ledger
// that makes delivery at-least-once without repeats across restarts.
type NotificationRecord struct {
	// event that happened.
	// +required
	Event NotificationEvent `json:"event"`
	// generation the event is about.
	// +required
	Generation int64 `json:"generation"`
	// sink is "secret/<name>" for a merchant sink, "reviewers" for the reviewers' sink or
	// "escalation" for the escalation sink (overdue rounds, D36).
	// +required
	Sink string `json:"sink"`
	// materialsDigest is the review round's (status.materialsDigest) when the event happened:
	// a round that starts again for the same generation, because the content of its Secret
	// files changed, is told again. Empty for events outside a pinned round. Part of the
	// record's key, so always written.
	// +optional
	// +kubebuilder:default=""
	// +kubebuilder:validation:MaxLength=71
	MaterialsDigest string `json:"materialsDigest"`
	// seq numbers the events recorded in the application's ledger: each event takes the next
	// number (1 + the highest in the ledger), shared by its records for every sink, so an event
	// that happens again for the same generation, round and sink is a record of its own, and
	// a notification of its own. 0: recorded before records were numbered. Part of the
	// record's key, so always written.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	Seq int64 `json:"seq"`
	// state of the delivery.
	// +required
	State DeliveryState `json:"state"`
	// reason and message are the content, frozen when the event happened.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`
	// title and guidance are those of a rejection's reason in the policy's catalogue (D32).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Title string `json:"title,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Guidance string `json:"guidance,omitempty"`
	// attempts made so far.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`
	// createdAt is when the event happened.
	// +optional
	CreatedAt *metav1.Time `json:"createdAt,omitempty"`
	// lastAttemptAt is when the last attempt was made.
	// +optional
	LastAttemptAt *metav1.Time `json:"lastAttemptAt,omitempty"`
	// nextAttemptAt is when the next attempt is due (backoff).
	// +optional
	NextAttemptAt *metav1.Time `json:"nextAttemptAt,omitempty"`
	// deliveredAt is when the sink acknowledged it.
	// +optional
	DeliveredAt *metav1.Time `json:"deliveredAt,omitempty"`
	// lastError is the class of the last failed attempt's error, such as "delivery failed",
	// "HTTP 503" or "invalid sink": never the receiver's answer nor the address it resolved to
	// (the manager's log has those details). A merchant's sink shows "delivery failed" for
	// every failure before the sink answered (DNS, address not allowed, refused, timeout,
	// TLS); the reviewers' sink shows which it was.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	LastError string `json:"lastError,omitempty"`
}

// CategoryApplicationStatus is the observed state of an application.
type CategoryApplicationStatus struct {
	// observedGeneration is the generation the controller last processed completely.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase is a one-word summary for humans; use conditions in automation.
	// +optional
	Phase ApplicationPhase `json:"phase,omitempty"`

	// conditions: RequirementsMet, UnderReview, Approved, Rejected, ReviewOverdue,
	// DeadlineProvisional, Listed, PolicyCompliant, Ready, Reconciling, Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// findings say why requirements are not met: one entry per broken rule (bounded; the last
	// says how many more).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
	Findings []Finding `json:"findings,omitempty"`

	// submittedAt is when the current review round started.
	// +optional
	SubmittedAt *metav1.Time `json:"submittedAt,omitempty"`

	// submittedGeneration is the generation under review in the current round.
	// +optional
	SubmittedGeneration int64 `json:"submittedGeneration,omitempty"`

	// reviewDeadline is submittedAt plus the policy's review days, in working days (D5),
	// counted with the calendar in force: while the round is open it is recounted when the
	// calendar changes. DeadlineProvisional=True says the count passed days the calendar does
	// not cover, so it may still move.
	// +optional
	ReviewDeadline *metav1.Time `json:"reviewDeadline,omitempty"`

	// secretFiles pins the content of every material file kept in a Secret for the current
	// round: a sha256 per Secret key, recorded when the round starts (D19). A change of content
	// starts a new round, as a spec change does.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +listMapKey=key
	// +kubebuilder:validation:MaxItems=1000
	SecretFiles []SecretFileDigest `json:"secretFiles,omitempty"`

	// materialsDigest identifies the content under review in the current round: a sha256 over
	// secretFiles. A decision names it, so it covers exactly the content the reviewer saw.
	// +optional
	// +kubebuilder:validation:MaxLength=71
	MaterialsDigest string `json:"materialsDigest,omitempty"`

	// listingFacts are what a listing made from an approval of the current round says: the
	// facts of the generation under review, recorded when the round starts, so an approval the
	// operator first sees after the spec changed still lists what the reviewer saw (D17).
	// +optional
	ListingFacts *ListingFacts `json:"listingFacts,omitempty"`

	// decidedSecretFiles are the secretFiles of the round of the newest decision in history:
	// `kubectl category describe` marks the files that changed since. History records do not
	// carry them, so history stays append-only and small.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +listMapKey=key
	// +kubebuilder:validation:MaxItems=1000
	DecidedSecretFiles []SecretFileDigest `json:"decidedSecretFiles,omitempty"`

	// decision is the reviewer's, for one generation; written through `kubectl category`.
	// Its message is printable text: tab and newline, but no other control characters (the
	// rule is here, not on Decision, so records archived in history before it existed never
	// block a status write).
	// +optional
	// +kubebuilder:validation:XValidation:rule=`!has(self.message) || !self.message.matches(r'[\x00-\x08\x0b-\x1f\x7f-\x9f\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]')`,fieldPath=".message",message="must be printable text: no control characters other than tab and newline (C0, DEL, C1), line or paragraph separators, or bidirectional controls, which would act on a reader's terminal"
	Decision *Decision `json:"decision,omitempty"`

	// history holds earlier review rounds, newest first (bounded).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=50
	History []ReviewRecord `json:"history,omitempty"`

	// listingRef names the ShowcaseListing made on approval.
	// +optional
	ListingRef *LocalObjectReference `json:"listingRef,omitempty"`

	// notifications are delivery records (bounded), one per event that happened (seq) and
	// sink. Two field managers share the list: the operator ("category-operator") records
	// each event and its content; the delivery controller ("category-operator-delivery")
	// owns the delivery fields (state once tried, attempts, times, lastError) by
	// server-side apply.
	// +optional
	// +listType=map
	// +listMapKey=event
	// +listMapKey=generation
	// +listMapKey=sink
	// +listMapKey=materialsDigest
	// +listMapKey=seq
	// +kubebuilder:validation:MaxItems=100
	Notifications []NotificationRecord `json:"notifications,omitempty"`

	// notificationsDropped counts the undelivered notification records the operator dropped
	// to keep status.notifications within its bound (a sink that has been failing while
	// newer events kept coming); each drop is also a NotificationsDropped warning event.
	// +optional
	// +kubebuilder:validation:Minimum=0
	NotificationsDropped int64 `json:"notificationsDropped,omitempty"`

	// claim says a reviewer is working on the current round (D30): while it stands, other
	// reviewers' approvals and rejections are refused. Written by the reviewer through
	// `kubectl category claim|release`; the operator ends it at expiresAt, on its reviewer's
	// decision, when the round is no longer under review and when a new round starts.
	// +optional
	Claim *Claim `json:"claim,omitempty"`

	// approvals is the current round's four-eyes progress (D31): how many approvals by
	// different reviewers it needs, copied from the policy when the round starts, and who has
	// approved so far. Absent: one approval decides (a round started before the field existed).
	// +optional
	Approvals *RoundApprovals `json:"approvals,omitempty"`
}

// Claim is one reviewer's hold on a review round (D30).
type Claim struct {
	// reviewer is the authenticated user who claimed (set by the webhook; without it the
	// client sends its own name, as for a decision).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Reviewer string `json:"reviewer"`

	// expiresAt is when the claim ends by itself: at most the manager's --max-claim-duration
	// from when it was made (the webhook and the operator shorten a longer one).
	// +required
	ExpiresAt metav1.Time `json:"expiresAt"`

	// generation is the generation under review that was claimed.
	// +required
	// +kubebuilder:validation:Minimum=1
	Generation int64 `json:"generation"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=catapp;catapps,categories=qualification
// +kubebuilder:printcolumn:name="Shop",type=string,JSONPath=`.spec.merchant.shopName`
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.spec.category.group`,priority=1
// +kubebuilder:printcolumn:name="Category",type=string,JSONPath=`.spec.category.level2`
// +kubebuilder:printcolumn:name="Channel",type=string,JSONPath=`.spec.channel`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Deadline",type=string,JSONPath=`.status.reviewDeadline`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:selectablefield:JSONPath=`.spec.merchant.appID`

// CategoryApplication is a shop's qualification application for one restricted category.
type CategoryApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the merchant applies for.
	// +required
	Spec CategoryApplicationSpec `json:"spec"`

	// status is the observed state.
	// +optional
	Status CategoryApplicationStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// CategoryApplicationList contains a list of CategoryApplication.
type CategoryApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CategoryApplication `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CategoryApplication{}, &CategoryApplicationList{})
}
