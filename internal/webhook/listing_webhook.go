package webhook

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// +kubebuilder:webhook:path=/validate-qualification-channelshop-dev-v1alpha1-showcaselisting,mutating=false,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=showcaselistings;showcaselistings/status,verbs=create;update,versions=v1alpha1,name=vshowcaselisting.qualification.channelshop.dev,admissionReviewVersions=v1

// Listing lets only the operator create or change ShowcaseListings: a listing is the effect
// of an approval, never something a merchant can write (D14). Deletion is left to RBAC and
// the garbage collector.
type Listing struct {
	Operator string
}

// Validate refuses every create or update not made by the operator.
func (w *Listing) Validate(_ context.Context, req admission.Request) admission.Response {
	if req.UserInfo.Username == w.Operator {
		return admission.Allowed("")
	}
	return forbidden(fmt.Sprintf("ShowcaseListings are made by the operator when an application is approved; user %q cannot %s them: apply a CategoryApplication instead",
		req.UserInfo.Username, map[bool]string{true: "create", false: "change"}[req.Operation == "CREATE"]))
}
