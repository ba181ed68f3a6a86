package v1alpha1

// Condition types of a CategoryApplication. Conditions are the API; phase is for humans.
const (
	// RequirementsMet: the application meets its policy (D2..D12, D19, D20, D21..D27).
	ConditionRequirementsMet = "RequirementsMet"
	// UnderReview: the current generation waits for a reviewer (D14).
	ConditionUnderReview = "UnderReview"
	// Approved: a reviewer approved the current generation (D14, D17).
	ConditionApproved = "Approved"
	// Rejected: a reviewer rejected the current generation (D13).
	ConditionRejected = "Rejected"
	// ReviewOverdue: the review deadline passed with no decision (D5).
	ConditionReviewOverdue = "ReviewOverdue"
	// DeadlineProvisional: the review deadline was counted across days whose holidays and
	// make-up working days the calendar does not list (a year outside its key years, or no
	// usable calendar); it moves when the calendar adds them (D5). It changes no health verdict.
	ConditionDeadlineProvisional = "DeadlineProvisional"
	// Listed: the ShowcaseListing of the approval is Active.
	ConditionListed = "Listed"
	// PolicyCompliant: an approved application still meets its policy after the policy changed (D29).
	ConditionPolicyCompliant = "PolicyCompliant"
	// Ready: approved and listed, the shop may sell the category (`kubectl wait
	// --for=condition=Ready`). It is False when something is wrong or still being worked on, and
	// absent while a reviewer decides: kstatus reads a False Ready as "in progress", and an
	// application under review is as far as GitOps can take it (see the README).
	ConditionReady = "Ready"
	// Reconciling: a reconcile failed and is being retried (kstatus, abnormal-true).
	ConditionReconciling = "Reconciling"
	// Stalled: progress needs someone to act (kstatus, abnormal-true): the merchant must fix the
	// application, or a reviewer rejected or withdrew it, or it is a duplicate.
	ConditionStalled = "Stalled"
)

// Condition reasons. They are CamelCase and stable: automation may match on them.
const (
	ReasonRequirementsMet    = "RequirementsMet"
	ReasonRequirementsNotMet = "RequirementsNotMet"
	ReasonDuplicate          = "Duplicate"
	ReasonAwaitingReview     = "AwaitingReview"
	ReasonDeadlinePassed     = "DeadlinePassed"
	ReasonWithinDeadline     = "WithinDeadline"
	ReasonApproved           = "Approved"
	ReasonRejected           = "Rejected"
	ReasonWithdrawn          = "Withdrawn"
	ReasonListingActive      = "ListingActive"
	ReasonListingSuspended   = "ListingSuspended"
	ReasonListingExpired     = "ListingExpired"
	ReasonListingPending     = "ListingPending"
	ReasonListingConflict    = "ListingConflict"
	ReasonCompliant          = "Compliant"
	ReasonNoncompliant       = "Noncompliant"
	// ReasonApplicationGone: a listing's reason when the application it stood on was deleted
	// (or is being deleted): no approval backs it, so it is Suspended, and kept (D14).
	ReasonApplicationGone = "ApplicationGone"
	// ReasonListingOrphaned: an application's Listed reason when a listing of its name was left
	// by a deleted application; an approval of this application adopts it (D14).
	ReasonListingOrphaned = "ListingOrphaned"
	// ReasonReconcileError: a reconcile failed and is retried with backoff (Reconciling=True).
	ReasonReconcileError = "ReconcileError"
	// ReasonRequestRefused: the API server refused, as invalid, an object the operator derived
	// from the application; the same request cannot succeed until the application changes.
	ReasonRequestRefused = "RequestRefused"
	ReasonPolicyValid    = "PolicyValid"
	ReasonPolicyInvalid  = "PolicyInvalid"
)

// Reasons of DeadlineProvisional (D5).
const (
	// ReasonOutsideCalendarYears: True, the count passes a day of a year that the calendar's
	// key years does not list.
	ReasonOutsideCalendarYears = "OutsideCalendarYears"
	// ReasonCalendarUnavailable: True, the calendar ConfigMap is missing or invalid, so only
	// weekends are days off.
	ReasonCalendarUnavailable = "CalendarUnavailable"
	// ReasonWithinCalendarYears: False, every day counted is in the calendar's years.
	ReasonWithinCalendarYears = "WithinCalendarYears"
)

// Polarity says which status of a condition reports a problem.
type Polarity string

const (
	// NormalTrue: True is the normal state; the condition is always present once computed.
	NormalTrue Polarity = "NormalTrue"
	// AbnormalTrue: True reports a problem (kstatus's Reconciling and Stalled, Rejected,
	// ReviewOverdue, DeadlineProvisional). None of them may be True while Ready is True.
	AbnormalTrue Polarity = "AbnormalTrue"
)

// Scope says what a condition describes, and so when it goes away.
type Scope string

const (
	// ScopeRequirements: the application against its policy; always present.
	ScopeRequirements Scope = "Requirements"
	// ScopeRound: the current review round; it ends when the generation changes.
	ScopeRound Scope = "Round"
	// ScopeDecision: a reviewer's decision about the current generation; absent without one.
	ScopeDecision Scope = "Decision"
	// ScopeListing: the approval's ShowcaseListing; absent when there is none.
	ScopeListing Scope = "Listing"
	// ScopeSummary: computed last from all the others, for humans and GitOps tools (kstatus).
	ScopeSummary Scope = "Summary"
)

// ConditionSpec describes one condition type a CategoryApplication carries.
// +kubebuilder:object:generate=false
type ConditionSpec struct {
	Type     string
	Polarity Polarity
	Scope    Scope
}

// ApplicationConditions are the condition types the operator owns on a CategoryApplication,
// in the order a reconcile computes them. Code that clears conditions derives what to clear
// from this table (by scope), and tests check every object against its polarities.
var ApplicationConditions = []ConditionSpec{
	{ConditionRequirementsMet, NormalTrue, ScopeRequirements},
	{ConditionUnderReview, NormalTrue, ScopeRound},
	{ConditionReviewOverdue, AbnormalTrue, ScopeRound},
	{ConditionDeadlineProvisional, AbnormalTrue, ScopeRound},
	{ConditionApproved, NormalTrue, ScopeDecision},
	{ConditionRejected, AbnormalTrue, ScopeDecision},
	{ConditionPolicyCompliant, NormalTrue, ScopeDecision},
	{ConditionListed, NormalTrue, ScopeListing},
	{ConditionReady, NormalTrue, ScopeSummary},
	{ConditionReconciling, AbnormalTrue, ScopeSummary},
	{ConditionStalled, AbnormalTrue, ScopeSummary},
}

// ConditionsIn returns the owned condition types of the given scopes, in table order.
func ConditionsIn(scopes ...Scope) []string {
	var out []string
	for _, c := range ApplicationConditions {
		for _, s := range scopes {
			if c.Scope == s {
				out = append(out, c.Type)
			}
		}
	}
	return out
}

// ConditionPolarity returns the polarity of an owned condition type; ok is false for others.
func ConditionPolarity(t string) (p Polarity, ok bool) {
	for _, c := range ApplicationConditions {
		if c.Type == t {
			return c.Polarity, true
		}
	}
	return "", false
}

// Annotations the operator owns.
const (
	// AnnotationCreatedBy records the authenticated user that created an application. It is set
	// by the admission webhook and cannot be set or changed by users (D16: nobody reviews their
	// own application).
	AnnotationCreatedBy = "qualification.channelshop.dev/created-by"
	// AnnotationSpecEditors lists, comma-separated, every user who changed the spec since the
	// last decision. They are recorded by the API server's admission path and cannot be set by
	// users; none of them may decide the round (D16).
	AnnotationSpecEditors = "qualification.channelshop.dev/spec-editors"
	// AnnotationAppIDs on a Namespace lists, comma-separated, the AppIDs the platform team
	// assigned to it: applications there may name only those (D4). Merchants cannot edit
	// Namespaces.
	AnnotationAppIDs = "qualification.channelshop.dev/app-ids"
	// LabelSinkAllowedCIDRs set to "true" on a Namespace lets the notification sinks of its
	// applications connect to the manager's --sink-allowed-cidrs, as the reviewers' sink may:
	// the platform team's choice for a namespace it trusts with its internal receivers.
	// Without it a merchant's sink may reach public addresses only. Merchants cannot edit
	// Namespaces.
	LabelSinkAllowedCIDRs = "qualification.channelshop.dev/sink-allowed-cidrs"
	// LabelBucket on a Namespace is its shard bucket, "0".."buckets-1" (internal/shard): set
	// by the platform, or by the operator from a hash of the name. An admission policy copies
	// it onto every application, listing and Secret in the namespace, overwriting what the
	// client sent, and each shard caches only its buckets. Merchants cannot edit Namespaces.
	LabelBucket = "qualification.channelshop.dev/bucket"
)

// Notification events (D5, D14, D20, D29).
const (
	EventSubmitted          NotificationEvent = "Submitted"
	EventApproved           NotificationEvent = "Approved"
	EventRejected           NotificationEvent = "Rejected"
	EventRequirementsNotMet NotificationEvent = "RequirementsNotMet"
	EventReviewOverdue      NotificationEvent = "ReviewOverdue"
	EventListed             NotificationEvent = "Listed"
	EventListingSuspended   NotificationEvent = "ListingSuspended"
	EventListingExpired     NotificationEvent = "ListingExpired"
	EventPolicyNoncompliant NotificationEvent = "PolicyNoncompliant"
	EventWithdrawn          NotificationEvent = "Withdrawn"
)
