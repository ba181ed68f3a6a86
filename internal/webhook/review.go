package webhook

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// +kubebuilder:webhook:path=/mutate-qualification-channelshop-dev-v1alpha1-categoryapplication-status,mutating=true,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categoryapplications/status,verbs=update,versions=v1alpha1,name=mcategoryapplicationstatus.qualification.channelshop.dev,admissionReviewVersions=v1
// +kubebuilder:webhook:path=/validate-qualification-channelshop-dev-v1alpha1-categoryapplication-status,mutating=false,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categoryapplications/status,verbs=update,versions=v1alpha1,name=vcategoryapplicationstatus.qualification.channelshop.dev,admissionReviewVersions=v1

// Review guards status writes, modelled on CSR and cert-manager approval. Its concerns live in
// their own files: stamping who decided and when (review_stamp.go), which status fields a user
// may write (review_fields.go), whether the reviewer may decide the group and may write the
// application (review_authorize.go); which decisions the application's state allows, and who
// is refused, is internal/decision's. The same invariants are enforced inside the API server
// by the admission policies in config/admission-policies, so they hold even without this
// server; the webhook gives the friendlier messages.
type Review struct {
	Authorizer Authorizer
	Decoder    admission.Decoder
	Clock      clock.PassiveClock
	Operator   string // the operator's username
	// MaxClaim is the longest a claim may last (D30); 0: qualv1.DefaultMaxClaimDuration.
	MaxClaim time.Duration
	// Policies reads CategoryPolicies: the catalogue of rejection reasons (D32).
	Policies client.Reader
}

func (w *Review) decode(req admission.Request) (old, app *qualv1.CategoryApplication, err error) {
	old, app = &qualv1.CategoryApplication{}, &qualv1.CategoryApplication{}
	if err = w.Decoder.DecodeRaw(req.OldObject, old); err == nil {
		err = w.Decoder.Decode(req, app)
	}
	return old, app, err
}

// Validate enforces D16, D17, D19, D29 and ownership of status fields, in that order: what the
// user may write at all, then a change of the claim (D30, review_claim.go), then whether the
// decision is allowed, then who is deciding: not its creator or editors, not a writer of the
// application (both for approvals and rejections only), a reviewer of the group, and not while
// another reviewer's claim stands (D30).
func (w *Review) Validate(ctx context.Context, req admission.Request) admission.Response {
	old, app, err := w.decode(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	path := field.NewPath("status", "decision")
	oldD, newD := old.Status.Decision, app.Status.Decision
	if req.UserInfo.Username == w.Operator {
		if msg := operatorDecisionError(oldD, newD); msg != "" {
			return forbidden(fmt.Sprintf("%s: %s", path, msg))
		}
		return admission.Allowed("")
	}
	if msg := statusFieldsError(old, app); msg != "" {
		return forbidden(msg)
	}
	if resp, done := w.validateClaim(ctx, req, old, app); done {
		return resp
	}
	if sameDecision(oldD, newD) {
		return admission.Allowed("")
	}
	if newD == nil {
		return invalid("CategoryApplication", app.Name, field.ErrorList{field.Forbidden(path,
			"a decision cannot be removed; a new round starts when the application's spec changes (D13)")})
	}
	if r := decision.Allowed(old, *newD); r != nil {
		return invalid("CategoryApplication", app.Name, field.ErrorList{r.FieldError(path)})
	}
	if newD.Reviewer != req.UserInfo.Username {
		return invalid("CategoryApplication", app.Name, field.ErrorList{field.Invalid(path.Child("reviewer"), newD.Reviewer,
			"is recorded from the authenticated user and cannot be given by the client (D16)")})
	}
	if r := decision.Who(old, newD.Verdict, req.UserInfo.Username); r != nil {
		return forbidden(r.Message)
	}
	if r := decision.Approver(old, newD.Verdict, req.UserInfo.Username); r != nil {
		return forbidden(r.Message)
	}
	if decision.Separated(newD.Verdict) {
		if resp := w.separate(ctx, req, app); !resp.Allowed {
			return resp
		}
	}
	if resp := w.authorize(ctx, req, app); !resp.Allowed {
		return resp
	}
	if r := decision.Claimed(old, newD.Verdict, req.UserInfo.Username); r != nil {
		return forbidden(r.Message)
	}
	return w.reasons(ctx, app)
}

// separate refuses a user who may write the application or its Secrets in its namespace
// (decision.WriteAccess, in order; D16), asking the Authorizer. The first permission held is
// named, as the admission policy names it.
func (w *Review) separate(ctx context.Context, req admission.Request, app *qualv1.CategoryApplication) admission.Response {
	for _, a := range decision.WriteAccess {
		ok, err := w.Authorizer.MayWrite(ctx, req.UserInfo, app.Namespace, a)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, fmt.Errorf("checking the reviewer's permission: %w", err))
		}
		if ok {
			return forbidden(decision.Writer(app, req.UserInfo.Username, a).Message)
		}
	}
	return admission.Allowed("")
}

// authorize asks the Authorizer whether the user may approve this category group (D16).
func (w *Review) authorize(ctx context.Context, req admission.Request, app *qualv1.CategoryApplication) admission.Response {
	group := app.Spec.Category.Group
	ok, err := w.Authorizer.MayDecide(ctx, req.UserInfo, group)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("checking the reviewer's permission: %w", err))
	}
	if !ok {
		return forbidden(fmt.Sprintf("user %q may not decide %s applications: needs verb %q on categorypolicies.%s %q (D16)",
			req.UserInfo.Username, group, ApproveVerb, qualv1.GroupVersion.Group, group))
	}
	return admission.Allowed("")
}
