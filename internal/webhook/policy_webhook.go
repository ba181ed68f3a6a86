package webhook

import (
	"context"
	"net/http"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/celrules"
)

// +kubebuilder:webhook:path=/validate-qualification-channelshop-dev-v1alpha1-categorypolicy,mutating=false,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categorypolicies,verbs=create;update,versions=v1alpha1,name=vcategorypolicy.qualification.channelshop.dev,admissionReviewVersions=v1

// Policy refuses a CategoryPolicy whose custom CEL rules do not compile or cost too much, with
// the compiler's error, so a broken standard never reaches applications.
type Policy struct {
	Decoder admission.Decoder
}

// Validate compiles the policy's custom rules.
func (w *Policy) Validate(_ context.Context, req admission.Request) admission.Response {
	p := &qualv1.CategoryPolicy{}
	if err := w.Decoder.Decode(req, p); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if _, errs := celrules.Compile(p.Spec.Rules); len(errs) > 0 {
		return invalid("CategoryPolicy", p.Name, errs)
	}
	return admission.Allowed("")
}
