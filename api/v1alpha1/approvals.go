package v1alpha1

// MaxRequiredApprovals bounds spec.requiredApprovals of a CategoryPolicy (D31).
const MaxRequiredApprovals = 3

// ReasonAwaitingApprovals is UnderReview's reason while a round has some of its required
// approvals but not all (D31): the round stays open, nothing is listed yet.
const ReasonAwaitingApprovals = "AwaitingApprovals"

// RoundApprovals is the four-eyes progress of the current round (D31), written by the
// operator only.
type RoundApprovals struct {
	// required is how many approvals by different reviewers the round needs: the policy's
	// spec.requiredApprovals when the round started. A change of the policy applies from the
	// next round.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=3
	Required int32 `json:"required"`
	// approvers are the reviewers whose approvals of this round the operator has counted,
	// oldest first.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:items:MaxLength=512
	Approvers []string `json:"approvers,omitempty"`
}
