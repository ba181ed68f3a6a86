package webhook

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// policy reads the CategoryPolicy of the application's group; nil when there is none (the
// application then is not under review, and Allowed refused the decision already).
func (w *Review) policy(ctx context.Context, app *qualv1.CategoryApplication) (*qualv1.CategoryPolicy, error) {
	if w.Policies == nil {
		return nil, nil
	}
	p := &qualv1.CategoryPolicy{}
	if err := w.Policies.Get(ctx, client.ObjectKey{Name: app.Spec.Category.Group}, p); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return p, nil
}

// reasons refuses a rejection whose reason is not in the catalogue of the group's policy,
// listing the valid codes, and a title or guidance the policy does not say (D32).
func (w *Review) reasons(ctx context.Context, app *qualv1.CategoryApplication) admission.Response {
	p, err := w.policy(ctx, app)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("reading the category policy: %w", err))
	}
	d := *app.Status.Decision
	_, r := decision.Catalogued(p, nil, d)
	if r != nil && r.Field == "reason" {
		var all qualv1.CategoryPolicyList
		if err := w.Policies.List(ctx, &all); err == nil {
			_, r = decision.Catalogued(p, all.Items, d)
		}
	}
	if r != nil {
		return invalid("CategoryApplication", app.Name, field.ErrorList{r.FieldError(field.NewPath("status", "decision"))})
	}
	return admission.Allowed("")
}

// catalogueText is what Mutate writes into a new decision's title and guidance: the entry of
// its reason in the policy's catalogue, or nothing (D32). Whatever the client sent is replaced,
// so a reviewer cannot make the merchant read what the policy never said. An unknown code is
// left as sent, for Validate to refuse.
func (w *Review) catalogueText(ctx context.Context, app *qualv1.CategoryApplication) (title, guidance any, err error) {
	d := app.Status.Decision
	p, err := w.policy(ctx, app)
	if err != nil || p == nil {
		return nil, nil, err
	}
	entry, r := decision.Catalogued(p, nil, qualv1.Decision{Verdict: d.Verdict, Reason: d.Reason})
	switch {
	case r != nil:
		return orNil(d.Title), orNil(d.Guidance), nil
	case entry == nil:
		return nil, nil, nil
	}
	return entry.Title, entry.Guidance, nil
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
