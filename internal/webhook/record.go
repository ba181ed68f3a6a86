package webhook

import (
	"encoding/json"
	"reflect"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// record is what an application's annotations must say about who created it and who changed
// its spec in the current round (D16). The MutatingAdmissionPolicy application-record
// (config/admission-policies/application-record.yaml) computes the same from the same inputs, so
// the two agree whichever runs first; "" means the annotation is absent.
type record struct {
	CreatedBy string
	Editors   string
}

// wantRecord is pure. On create: the creator, no editors. On an update that changes the spec:
// the editors gain the user, or restart with the user alone when the spec being replaced was
// decided (a new round). Any other update keeps both.
func wantRecord(op admissionv1.Operation, user string, old *qualv1.CategoryApplication, specChanged bool) record {
	if op == admissionv1.Create {
		return record{CreatedBy: user}
	}
	r := record{CreatedBy: old.Annotations[qualv1.AnnotationCreatedBy], Editors: old.Annotations[qualv1.AnnotationSpecEditors]}
	switch {
	case !specChanged:
	case old.Status.Decision != nil && old.Status.Decision.Generation == old.Generation, r.Editors == "":
		r.Editors = user
	case !containsName(r.Editors, user):
		r.Editors += "," + user
	}
	return r
}

// containsName reports whether the comma-separated list names user.
func containsName(list, user string) bool {
	for _, n := range strings.Split(list, ",") {
		if n == user {
			return true
		}
	}
	return false
}

// specChanged compares the request's old and new spec as JSON, as the API server does when it
// decides whether to bump the generation (and as the policy's `object.spec != oldObject.spec`):
// typed comparison would call "4.8" and "4.80" equal.
func specChanged(req admission.Request) (bool, error) {
	if req.Operation != admissionv1.Update {
		return true, nil
	}
	var old, cur struct {
		Spec any `json:"spec"`
	}
	if err := json.Unmarshal(req.OldObject.Raw, &old); err != nil {
		return false, err
	}
	if err := json.Unmarshal(req.Object.Raw, &cur); err != nil {
		return false, err
	}
	return !reflect.DeepEqual(old.Spec, cur.Spec), nil
}

// setAnnotation sets key in a raw object's metadata.annotations, or removes it for "".
func setAnnotation(obj map[string]any, key, value string) {
	meta := child(obj, "metadata")
	ann, _ := meta["annotations"].(map[string]any)
	if value == "" {
		delete(ann, key)
		return
	}
	ann = child(meta, "annotations")
	ann[key] = value
}

// recordErrors refuses annotations that differ from what Mutate (or the policy) recorded: only
// a later mutation could have changed them, and none may.
func (w *Application) recordErrors(req admission.Request, app *qualv1.CategoryApplication) (field.ErrorList, error) {
	want, err := w.wantRecord(req)
	if err != nil {
		return nil, err
	}
	path := field.NewPath("metadata", "annotations")
	var errs field.ErrorList
	if app.Annotations[qualv1.AnnotationCreatedBy] != want.CreatedBy {
		errs = append(errs, field.Forbidden(path.Key(qualv1.AnnotationCreatedBy), "is set by the operator and cannot be changed (D16)"))
	}
	if app.Annotations[qualv1.AnnotationSpecEditors] != want.Editors {
		errs = append(errs, field.Forbidden(path.Key(qualv1.AnnotationSpecEditors),
			"records who changed the spec since the last decision and cannot be set by users (D16)"))
	}
	return errs, nil
}
