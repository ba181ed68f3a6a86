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
	// Listed: the ShowcaseListing of the approval is Active.
	ConditionListed = "Listed"
	// PolicyCompliant: an approved application still meets its policy after the policy changed (D29).
	ConditionPolicyCompliant = "PolicyCompliant"
	// Ready summarises for humans and GitOps tools (kstatus).
	ConditionReady = "Ready"
	// Reconciling: the controller has not finished processing the current generation (kstatus).
	ConditionReconciling = "Reconciling"
	// Stalled: progress needs someone to act (kstatus): fix the spec, or it is a duplicate.
	ConditionStalled = "Stalled"
)

// Condition reasons. They are CamelCase and stable: automation may match on them.
const (
	ReasonRequirementsMet    = "RequirementsMet"
	ReasonRequirementsNotMet = "RequirementsNotMet"
	ReasonPolicyNotFound     = "PolicyNotFound"
	ReasonDuplicate          = "Duplicate"
	ReasonAwaitingReview     = "AwaitingReview"
	ReasonDeadlinePassed     = "DeadlinePassed"
	ReasonWithinDeadline     = "WithinDeadline"
	ReasonApproved           = "Approved"
	ReasonRejected           = "Rejected"
	ReasonWithdrawn          = "Withdrawn"
	ReasonNotDecided         = "NotDecided"
	ReasonListingActive      = "ListingActive"
	ReasonListingSuspended   = "ListingSuspended"
	ReasonListingExpired     = "ListingExpired"
	ReasonListingPending     = "ListingPending"
	ReasonListingConflict    = "ListingConflict"
	ReasonCompliant          = "Compliant"
	ReasonNoncompliant       = "Noncompliant"
	ReasonProgressing        = "Progressing"
	ReasonReconciled         = "Reconciled"
	ReasonPolicyValid        = "PolicyValid"
	ReasonPolicyInvalid      = "PolicyInvalid"
)

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
