// Package webhook holds the admission webhooks: they refuse at `kubectl apply` time what can
// be known then, with every problem in one answer, each naming its field and rule.
package webhook

import (
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// findingErrors turns findings into field errors: "spec.x: Invalid value: [D11] message".
func findingErrors(findings []qualv1.Finding) field.ErrorList {
	errs := make(field.ErrorList, 0, len(findings))
	for _, f := range findings {
		errs = append(errs, &field.Error{Type: field.ErrorTypeInvalid, Field: f.Field, BadValue: field.OmitValueType{},
			Detail: f.Message + " [" + f.Rule + "]"})
	}
	return errs
}

// invalid refuses with a 422 Invalid status listing every error, like the API server's own
// validation, so kubectl prints each field on its own.
func invalid(kind, name string, errs field.ErrorList) admission.Response {
	st := apierrors.NewInvalid(schema.GroupKind{Group: qualv1.GroupVersion.Group, Kind: kind}, name, errs).ErrStatus
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{Allowed: false, Result: &st}}
}

// forbidden refuses with a 403 and a message saying who may do it.
func forbidden(msg string) admission.Response {
	r := admission.Denied(msg)
	r.Result.Code = http.StatusForbidden
	r.Result.Reason = "Forbidden"
	return r
}
