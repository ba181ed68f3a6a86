package webhook

import (
	"context"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/celrules"
	"github.com/channelshop/category-operator/internal/findings"
	"github.com/channelshop/category-operator/internal/index"
	"github.com/channelshop/category-operator/internal/requirements"
)

// +kubebuilder:webhook:path=/mutate-qualification-channelshop-dev-v1alpha1-categoryapplication,mutating=true,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categoryapplications,verbs=create;update,versions=v1alpha1,name=mcategoryapplication.qualification.channelshop.dev,admissionReviewVersions=v1
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:webhook:path=/validate-qualification-channelshop-dev-v1alpha1-categoryapplication,mutating=false,failurePolicy=fail,sideEffects=None,groups=qualification.channelshop.dev,resources=categoryapplications,verbs=create;update,versions=v1alpha1,name=vcategoryapplication.qualification.channelshop.dev,admissionReviewVersions=v1

// Application admits CategoryApplications: it records the creator (D16) and refuses what the
// policy refuses (D2..D12, D20..D27, custom rules) and duplicates (D1). Secrets are not
// checked here: GitOps may apply them after the application; the controller reports them.
type Application struct {
	Client   client.Reader
	Decoder  admission.Decoder
	Clock    clock.PassiveClock
	Calendar func(ctx context.Context) *calendar.Calendar
	Rules    *celrules.Cache
	// APIReader reads a Namespace the cache does not hold yet (just created).
	APIReader client.Reader
	// RequireNamespaceAppIDs refuses applications in namespaces without the AppIDs annotation.
	RequireNamespaceAppIDs bool
	// Sharded: Client holds only this shard's namespaces, so D1 asks the API server.
	Sharded bool
}

// Mutate records the creator on create and the spec editors on spec updates, from the
// request's user and the old object, overwriting whatever the client sent: no user sets them.
func (w *Application) Mutate(_ context.Context, req admission.Request) admission.Response {
	app := &qualv1.CategoryApplication{}
	if err := w.Decoder.Decode(req, app); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	want, err := w.wantRecord(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if app.Annotations[qualv1.AnnotationCreatedBy] == want.CreatedBy && app.Annotations[qualv1.AnnotationSpecEditors] == want.Editors {
		return admission.Allowed("")
	}
	return patchRaw(req.Object.Raw, func(obj map[string]any) {
		setAnnotation(obj, qualv1.AnnotationCreatedBy, want.CreatedBy)
		setAnnotation(obj, qualv1.AnnotationSpecEditors, want.Editors)
	})
}

// wantRecord decodes what wantRecord needs from the request.
func (w *Application) wantRecord(req admission.Request) (record, error) {
	old := &qualv1.CategoryApplication{}
	if req.Operation == admissionv1.Update {
		if err := w.Decoder.DecodeRaw(req.OldObject, old); err != nil {
			return record{}, err
		}
	}
	changed, err := specChanged(req)
	if err != nil {
		return record{}, err
	}
	return wantRecord(req.Operation, req.UserInfo.Username, old, changed), nil
}

// Validate refuses an application that breaks its policy, with every finding at once.
func (w *Application) Validate(ctx context.Context, req admission.Request) admission.Response {
	app := &qualv1.CategoryApplication{}
	if err := w.Decoder.Decode(req, app); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if errs, err := w.recordErrors(req, app); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	} else if len(errs) > 0 {
		return invalid("CategoryApplication", app.Name, errs)
	}
	var old *qualv1.CategoryApplication
	if req.Operation == admissionv1.Update {
		old = &qualv1.CategoryApplication{}
		if err := w.Decoder.DecodeRaw(req.OldObject, old); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		// Only a spec change is judged: metadata-only updates (labels, finalizers, deletion)
		// must never be blocked by a policy that changed since.
		if apiequality.Semantic.DeepEqual(old.Spec, app.Spec) {
			return admission.Allowed("")
		}
	}
	findings, err := w.findings(ctx, app)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	if old != nil {
		findings = ratchet(findings, w.mustFindings(ctx, old))
	}
	errs := findingErrors(findings)
	ids, err := w.appIDErrors(ctx, app)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	errs = append(errs, ids...)
	if req.Operation == admissionv1.Create {
		dup, err := w.duplicate(ctx, app)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		errs = append(errs, dup...)
	}
	if len(errs) > 0 {
		return invalid("CategoryApplication", app.Name, errs)
	}
	return admission.Allowed("")
}

// findings runs the same engine as the reconciler, without Secret lookups.
func (w *Application) findings(ctx context.Context, app *qualv1.CategoryApplication) ([]qualv1.Finding, error) {
	policy := &qualv1.CategoryPolicy{}
	if err := w.Client.Get(ctx, client.ObjectKey{Name: app.Spec.Category.Group}, policy); apierrors.IsNotFound(err) {
		policy = nil
	} else if err != nil {
		return nil, err
	}
	cal := w.Calendar(ctx)
	return findings.Of(requirements.Input{App: app, Policy: policy, Now: w.Clock.Now(), Location: cal.Location()}, w.Rules), nil
}

func (w *Application) mustFindings(ctx context.Context, app *qualv1.CategoryApplication) []qualv1.Finding {
	f, _ := w.findings(ctx, app)
	return f
}

// ratchet keeps only findings the old object did not already have (same rule and field), so
// a merchant can fix one problem at a time after a policy change, like CRD validation ratcheting.
func ratchet(findings, old []qualv1.Finding) []qualv1.Finding {
	had := map[string]bool{}
	for _, f := range old {
		had[f.Rule+"\x00"+f.Field] = true
	}
	var out []qualv1.Finding
	for _, f := range findings {
		if !had[f.Rule+"\x00"+f.Field] {
			out = append(out, f)
		}
	}
	return out
}

// duplicate refuses a second application for the same shop and category (D1). It names the
// other application only when it is in the same namespace: another tenant's applications are
// none of this one's business (D4), and AppIDs are settled by the platform team.
func (w *Application) duplicate(ctx context.Context, app *qualv1.CategoryApplication) (field.ErrorList, error) {
	same, err := index.Lookup{Cached: w.Client, API: w.APIReader, Sharded: w.Sharded}.SameKey(ctx, app)
	if err != nil {
		return nil, err
	}
	for _, other := range same {
		if other.Namespace == app.Namespace && other.Name == app.Name {
			continue
		}
		detail := fmt.Sprintf("%s/%s already applies for shop %s and this category: one application per shop and category (D1); update that application instead",
			other.Namespace, other.Name, app.Spec.Merchant.AppID)
		if other.Namespace != app.Namespace {
			detail = fmt.Sprintf("another namespace already applies for shop %s and this category: one application per shop and category (D1); "+
				"if AppID %s is yours, ask the platform team, who assign AppIDs to namespaces (Namespace annotation %s)",
				app.Spec.Merchant.AppID, app.Spec.Merchant.AppID, qualv1.AnnotationAppIDs)
		}
		return field.ErrorList{&field.Error{Type: field.ErrorTypeDuplicate, Field: "spec.category", BadValue: app.Spec.Category.String(), Detail: detail}}, nil
	}
	return nil, nil
}
