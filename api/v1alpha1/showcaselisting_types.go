package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ShowcaseListingSpec is what an approval admits: this shop may sell this category.
// Only the operator writes listings; it copies the approved generation's facts here.
type ShowcaseListingSpec struct {
	// applicationRef names the CategoryApplication that was approved.
	// +required
	ApplicationRef LocalObjectReference `json:"applicationRef"`

	// appID of the shop (D4).
	// +required
	// +kubebuilder:validation:Pattern=`^wx[0-9a-f]{16}$`
	AppID string `json:"appID"`

	// shopName of the shop.
	// +required
	// +kubebuilder:validation:MinLength=1
	ShopName string `json:"shopName"`

	// category admitted.
	// +required
	Category CategoryRef `json:"category"`

	// channel the approval is for (D5).
	// +required
	Channel Channel `json:"channel"`

	// approvedGeneration is the application generation that was approved (D17).
	// +required
	ApprovedGeneration int64 `json:"approvedGeneration"`

	// approvedAt is when the approval took effect, by the operator's clock (the decision's
	// decidedAt is the client's word when only the admission policies stand).
	// +required
	ApprovedAt metav1.Time `json:"approvedAt"`

	// validUntil is the earliest validUntil of the approved materials: the listing does not
	// outlive its qualification (D20). Unset: no end date.
	// +optional
	ValidUntil *Date `json:"validUntil,omitempty"`
}

// ListingState is whether the shop may sell the category now.
// +kubebuilder:validation:Enum=Active;Suspended;Expired
type ListingState string

const (
	ListingActive    ListingState = "Active"
	ListingSuspended ListingState = "Suspended"
	ListingExpired   ListingState = "Expired"
)

// ShowcaseListingStatus is the observed state of a listing.
type ShowcaseListingStatus struct {
	// observedGeneration is the generation last processed.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// state: Active, Suspended (a later round was rejected or withdrawn, or the application
	// was deleted: reason ApplicationGone) or Expired (validUntil passed).
	// +optional
	State ListingState `json:"state,omitempty"`

	// reason is a CamelCase reason for the state: ListingActive, ListingSuspended,
	// ApplicationGone or ListingExpired.
	// +optional
	Reason string `json:"reason,omitempty"`

	// conditions: Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=listing;listings,categories=qualification
// +kubebuilder:printcolumn:name="Shop",type=string,JSONPath=`.spec.shopName`
// +kubebuilder:printcolumn:name="Category",type=string,JSONPath=`.spec.category.level2`
// +kubebuilder:printcolumn:name="Channel",type=string,JSONPath=`.spec.channel`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Valid until",type=string,JSONPath=`.spec.validUntil`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ShowcaseListing says a shop may sell a category: made by the operator on approval and owned
// by the application.
type ShowcaseListing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the approved facts.
	// +required
	Spec ShowcaseListingSpec `json:"spec"`

	// status is the listing's state.
	// +optional
	Status ShowcaseListingStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ShowcaseListingList contains a list of ShowcaseListing.
type ShowcaseListingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ShowcaseListing `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ShowcaseListing{}, &ShowcaseListingList{})
}
