package webhook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// +kubebuilder:webhook:path=/mutate-qualification-channelshop-dev-v1alpha1-categoryapplication-status,mutating=true,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categoryapplications/status,verbs=update,versions=v1alpha1,name=mcategoryapplicationstatus.qualification.channelshop.dev,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-qualification-channelshop-dev-v1alpha1-categoryapplication-status,mutating=false,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categoryapplications/status,verbs=update,versions=v1alpha1,name=vcategoryapplicationstatus.qualification.channelshop.dev,admissionReviewVersions=v1
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// ApproveVerb is the verb a reviewer needs on categorypolicies/<group> to decide (D16), like
// `approve` on signers for CertificateSigningRequests.
const ApproveVerb = "approve"

// Review guards status writes, modelled on CSR and cert-manager approval: only an authorized
// reviewer sets status.decision, nobody decides their own application, the recorded reviewer
// is the authenticated user, and nobody but the operator writes the rest of status.
type Review struct {
	// Client creates SubjectAccessReviews.
	Client   client.Client
	Decoder  admission.Decoder
	Clock    clock.PassiveClock
	Operator string // the operator's username
}

func (w *Review) decode(req admission.Request) (old, app *qualv1.CategoryApplication, err error) {
	old, app = &qualv1.CategoryApplication{}, &qualv1.CategoryApplication{}
	if err = w.Decoder.DecodeRaw(req.OldObject, old); err == nil {
		err = w.Decoder.Decode(req, app)
	}
	return old, app, err
}

// Mutate records who decided and when, from the request, overwriting whatever the client sent.
func (w *Review) Mutate(_ context.Context, req admission.Request) admission.Response {
	old, app, err := w.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	d := app.Status.Decision
	if d == nil || req.UserInfo.Username == w.Operator || sameDecision(old.Status.Decision, d) {
		return admission.Allowed("")
	}
	now := metav1.NewTime(w.Clock.Now())
	history, withdrawal := withdrawalHistory(old, d, now)
	var historyJSON any
	if withdrawal {
		if historyJSON, err = toJSONValue(history); err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
	}
	return patchRaw(req.Object.Raw, func(obj map[string]any) {
		st := child(obj, "status")
		d := child(st, "decision")
		d["reviewer"] = req.UserInfo.Username
		d["decidedAt"] = now.UTC().Format(time.RFC3339)
		if withdrawal {
			st["history"] = historyJSON
		}
	})
}

// withdrawalHistory is pure: a withdrawal replaces the approval of the same generation, so the
// approved round goes to history first and who approved, and when, stays on record (D29).
func withdrawalHistory(old *qualv1.CategoryApplication, d *qualv1.Decision, at metav1.Time) ([]qualv1.ReviewRecord, bool) {
	prev := old.Status.Decision
	if d == nil || d.Verdict != qualv1.VerdictWithdrawn || prev == nil || prev.Verdict != qualv1.VerdictApproved ||
		prev.Generation != d.Generation {
		return nil, false
	}
	st := old.Status.DeepCopy()
	st.PushHistory(qualv1.ReviewRecord{Generation: prev.Generation, SubmittedAt: st.SubmittedAt,
		ReviewDeadline: st.ReviewDeadline, Decision: st.Decision, ArchivedAt: &at})
	return st.History, true
}

// Validate enforces D16, D17 and ownership of status fields.
func (w *Review) Validate(ctx context.Context, req admission.Request) admission.Response {
	old, app, err := w.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	path := field.NewPath("status", "decision")
	oldD, newD := old.Status.Decision, app.Status.Decision
	if req.UserInfo.Username == w.Operator {
		// The operator archives decisions (sets nil) but never makes or edits one.
		if newD != nil && !sameDecision(oldD, newD) {
			return forbidden(fmt.Sprintf("%s: the operator may archive a decision but never make or change one (D16)", path))
		}
		return admission.Allowed("")
	}
	// Everyone else may touch status.decision only (and history, as Mutate archives a withdrawn approval).
	rest, oldRest := app.Status.DeepCopy(), old.Status.DeepCopy()
	rest.Decision, oldRest.Decision = nil, nil
	if len(rest.History) > 0 && rest.History[0].ArchivedAt != nil {
		if h, ok := withdrawalHistory(old, newD, *rest.History[0].ArchivedAt); ok {
			oldRest.History = h
		}
	}
	if !apiequality.Semantic.DeepEqual(rest, oldRest) {
		return forbidden("only the operator writes status; a reviewer may set status.decision only (use `kubectl category approve|reject|withdraw`)")
	}
	if sameDecision(oldD, newD) {
		return admission.Allowed("")
	}
	if newD == nil {
		return invalid("CategoryApplication", app.Name, field.ErrorList{field.Forbidden(path,
			"a decision cannot be removed; a new round starts when the application's spec changes (D13)")})
	}
	if errs := decisionErrors(old, newD, path); len(errs) > 0 {
		return invalid("CategoryApplication", app.Name, errs)
	}
	if newD.Reviewer != req.UserInfo.Username {
		return invalid("CategoryApplication", app.Name, field.ErrorList{field.Invalid(path.Child("reviewer"), newD.Reviewer,
			"is recorded from the authenticated user and cannot be given by the client (D16)")})
	}
	if creator := old.Annotations[qualv1.AnnotationCreatedBy]; creator != "" && creator == req.UserInfo.Username {
		return forbidden(fmt.Sprintf("user %q created this application and cannot decide it: nobody reviews their own application (D16)", creator))
	}
	return w.authorize(ctx, req, app)
}

// decisionErrors is pure: which decisions the state of the application allows (D13, D17, D29).
func decisionErrors(old *qualv1.CategoryApplication, d *qualv1.Decision, path *field.Path) field.ErrorList {
	gen := old.Generation
	if d.Generation != gen {
		return field.ErrorList{field.Invalid(path.Child("generation"), d.Generation, fmt.Sprintf(
			"the application is at generation %d: a decision applies only to the generation the reviewer looked at; look again (D17)", gen))}
	}
	prev := old.Status.Decision
	switch {
	case d.Verdict == qualv1.VerdictWithdrawn:
		if prev == nil || prev.Verdict != qualv1.VerdictApproved || prev.Generation != gen {
			return field.ErrorList{field.Forbidden(path.Child("verdict"), "only an approved application can be withdrawn (D29)")}
		}
		return nil
	case prev != nil && prev.Generation == gen:
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
			"generation %d was already %s by %s; a decision is immutable for its generation (D17)", gen, prev.Verdict, prev.Reviewer))}
	}
	under := meta.FindStatusCondition(old.Status.Conditions, qualv1.ConditionUnderReview)
	if under == nil || under.Status != metav1.ConditionTrue || under.ObservedGeneration != gen {
		msg := "the application is not under review"
		if c := meta.FindStatusCondition(old.Status.Conditions, qualv1.ConditionRequirementsMet); c != nil && c.Status != metav1.ConditionTrue {
			msg += ": its requirements are not met (see status.findings)"
		} else if old.Status.ObservedGeneration != gen {
			msg += ": the operator has not processed generation " + fmt.Sprint(gen) + " yet; try again in a moment"
		}
		return field.ErrorList{field.Forbidden(path, msg+" (D14)")}
	}
	return nil
}

// authorize asks the API server whether the user may approve this category group (D16).
func (w *Review) authorize(ctx context.Context, req admission.Request, app *qualv1.CategoryApplication) admission.Response {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range req.UserInfo.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: req.UserInfo.Username, Groups: req.UserInfo.Groups, UID: req.UserInfo.UID, Extra: extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: qualv1.GroupVersion.Group, Resource: "categorypolicies", Verb: ApproveVerb, Name: app.Spec.Category.Group,
		},
	}}
	if err := w.Client.Create(ctx, sar); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("checking the reviewer's permission: %w", err))
	}
	if !sar.Status.Allowed {
		return forbidden(fmt.Sprintf("user %q may not decide %s applications: needs verb %q on categorypolicies.%s %q (D16)",
			req.UserInfo.Username, app.Spec.Category.Group, ApproveVerb, qualv1.GroupVersion.Group, app.Spec.Category.Group))
	}
	return admission.Allowed("")
}

// sameDecision reports an unchanged decision, server-set fields included.
func sameDecision(a, b *qualv1.Decision) bool {
	if a == nil || b == nil {
		return a == b
	}
	return apiequality.Semantic.DeepEqual(a, b)
}
