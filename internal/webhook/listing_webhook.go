package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// +kubebuilder:webhook:path=/validate-qualification-channelshop-dev-v1alpha1-showcaselisting,mutating=false,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=showcaselistings;showcaselistings/status,verbs=create;update,versions=v1alpha1,name=vshowcaselisting.qualification.channelshop.dev,admissionReviewVersions=v1

// GarbageCollectors are the identities the garbage collector writes as: its own service account
// (kube-controller-manager with --use-service-account-credentials) or kube-controller-manager's
// user. The ValidatingAdmissionPolicy listing-writes names the same.
var GarbageCollectors = []string{"system:serviceaccount:kube-system:generic-garbage-collector", "system:kube-controller-manager"}

// Listing lets only the operator create or change ShowcaseListings: a listing is the effect
// of an approval, never something a merchant can write (D14). Deletion is left to RBAC and
// the garbage collector, which may also remove owner references and finalizers (what
// `kubectl delete --cascade=orphan` of an application asks it to do) and nothing else.
type Listing struct {
	Operator string
}

// Validate refuses every create or update not made by the operator, except the garbage
// collector's.
func (w *Listing) Validate(_ context.Context, req admission.Request) admission.Response {
	user := req.UserInfo.Username
	if user == w.Operator {
		return admission.Allowed("")
	}
	collector := isGarbageCollector(user)
	if collector && req.Operation == admissionv1.Update && req.SubResource == "" {
		only, err := onlyOwnersOrFinalizers(req.OldObject.Raw, req.Object.Raw)
		if err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		if only {
			return admission.Allowed("")
		}
	}
	msg := fmt.Sprintf("ShowcaseListings are made by the operator when an application is approved; user %q cannot %s them: apply a CategoryApplication instead",
		user, map[bool]string{true: "create", false: "change"}[req.Operation == admissionv1.Create])
	if collector {
		msg += " (the garbage collector may remove owner references and finalizers only)"
	}
	return forbidden(msg)
}

func isGarbageCollector(user string) bool {
	for _, gc := range GarbageCollectors {
		if user == gc {
			return true
		}
	}
	return false
}

// onlyOwnersOrFinalizers is pure: whether two versions of an object differ in nothing but
// metadata.ownerReferences, metadata.finalizers and what the server maintains.
func onlyOwnersOrFinalizers(oldRaw, newRaw []byte) (bool, error) {
	var objs [2]map[string]any
	for i, raw := range [][]byte{oldRaw, newRaw} {
		if err := json.Unmarshal(raw, &objs[i]); err != nil {
			return false, err
		}
		if meta, ok := objs[i]["metadata"].(map[string]any); ok {
			for _, k := range []string{"ownerReferences", "finalizers", "managedFields", "resourceVersion", "generation"} {
				delete(meta, k)
			}
		}
	}
	return reflect.DeepEqual(objs[0], objs[1]), nil
}
