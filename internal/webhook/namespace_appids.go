package webhook

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// appIDErrors enforces D4 across tenants: the platform team assigns AppIDs to namespaces with
// the Namespace annotation qualification.channelshop.dev/app-ids, which merchants cannot edit,
// so no namespace can file (and so block) applications for another shop's AppID. The
// ValidatingAdmissionPolicy application-record checks the same; only RequireNamespaceAppIDs
// (a manager flag, which a policy cannot see) is the webhook's alone.
func (w *Application) appIDErrors(ctx context.Context, app *qualv1.CategoryApplication) (field.ErrorList, error) {
	ns, err := w.namespace(ctx, app.Namespace)
	if err != nil {
		return nil, fmt.Errorf("reading namespace %s: %w", app.Namespace, err)
	}
	path := field.NewPath("spec", "merchant", "appID")
	ids, ok := ns.Annotations[qualv1.AnnotationAppIDs]
	if !ok {
		if !w.RequireNamespaceAppIDs {
			return nil, nil
		}
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
			"namespace %s is assigned no AppIDs: the platform team assigns AppIDs to namespaces in the Namespace annotation %s, and this cluster requires it (D4)",
			app.Namespace, qualv1.AnnotationAppIDs))}, nil
	}
	if appIDListed(ids, app.Spec.Merchant.AppID) {
		return nil, nil
	}
	return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
		"namespace %s is not assigned AppID %s: the platform team assigns AppIDs to namespaces in the Namespace annotation %s (D4)",
		app.Namespace, app.Spec.Merchant.AppID, qualv1.AnnotationAppIDs))}, nil
}

// appIDListed is pure: whether the comma-separated annotation value lists id.
func appIDListed(list, id string) bool {
	for _, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == id {
			return true
		}
	}
	return false
}

// namespace reads a Namespace's metadata from the cache (a metadata-only informer: no spec or
// status kept), falling back to the API server for one created a moment ago.
func (w *Application) namespace(ctx context.Context, name string) (*metav1.PartialObjectMetadata, error) {
	ns := &metav1.PartialObjectMetadata{}
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	err := w.Client.Get(ctx, client.ObjectKey{Name: name}, ns)
	if apierrors.IsNotFound(err) && w.APIReader != nil {
		err = w.APIReader.Get(ctx, client.ObjectKey{Name: name}, ns)
	}
	return ns, err
}
