package webhook

import (
	"context"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// validateClaim enforces D30 on a change of status.claim, in the admission policy's order:
// only its holder renews or releases a claim; a new claim names the user and the generation
// under review; and only who may decide the round may claim it (decision.MayClaim, then the
// same permission checks as an approval). done: the response is final (a refusal).
func (w *Review) validateClaim(ctx context.Context, req admission.Request, old, app *qualv1.CategoryApplication) (resp admission.Response, done bool) {
	path := field.NewPath("status", "claim")
	c := app.Status.Claim
	if sameClaim(old.Status.Claim, c) {
		return admission.Allowed(""), false
	}
	user := req.UserInfo.Username
	if r := decision.ClaimHeld(old, user); r != nil {
		return invalid("CategoryApplication", app.Name, field.ErrorList{r.FieldError(path)}), true
	}
	if c == nil {
		return admission.Allowed(""), false
	}
	if c.Reviewer != user {
		return invalid("CategoryApplication", app.Name, field.ErrorList{field.Invalid(path.Child("reviewer"), c.Reviewer,
			"is recorded from the authenticated user and cannot be given by the client (D30)")}), true
	}
	if r := decision.MayClaim(old, *c); r != nil {
		return invalid("CategoryApplication", app.Name, field.ErrorList{r.FieldError(path)}), true
	}
	if r := decision.Who(old, qualv1.VerdictApproved, user); r != nil {
		return forbidden(r.Message), true
	}
	if resp := w.separate(ctx, req, app); !resp.Allowed {
		return resp, true
	}
	if resp := w.authorize(ctx, req, app); !resp.Allowed {
		return resp, true
	}
	return admission.Allowed(""), false
}

// claimPatch is what Mutate writes into a new or renewed claim: the authenticated user as its
// reviewer, and an expiry no later than the platform allows from now (decision.BoundClaim).
func (w *Review) claimPatch(req admission.Request, old, app *qualv1.CategoryApplication) map[string]any {
	c := app.Status.Claim
	if c == nil || req.UserInfo.Username == w.Operator || sameClaim(old.Status.Claim, c) {
		return nil
	}
	exp := decision.BoundClaim(c.ExpiresAt.Time, w.Clock.Now(), w.MaxClaim)
	return map[string]any{"reviewer": req.UserInfo.Username, "expiresAt": exp.UTC().Format(time.RFC3339)}
}

func sameClaim(a, b *qualv1.Claim) bool {
	if a == nil || b == nil {
		return a == b
	}
	return apiequality.Semantic.DeepEqual(a, b)
}
