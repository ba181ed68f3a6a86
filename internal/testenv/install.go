package testenv

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Apply creates obj as Admin or, when it exists, replaces it with obj (status aside), retrying
// when a controller writes it meanwhile. Everything installed here goes through Apply, so
// installing twice, or after a test edited a shipped object, gives the shipped object back.
func (e *Env) Apply(ctx context.Context, obj client.Object) error {
	err := e.Admin.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur := obj.DeepCopyObject().(client.Object)
		if err := e.Admin.Get(ctx, client.ObjectKeyFromObject(obj), cur); err != nil {
			return err
		}
		obj.SetResourceVersion(cur.GetResourceVersion())
		return e.Admin.Update(ctx, obj)
	})
}

// InstallCalendar applies the shipped working-day calendar (config/calendar/calendar.yaml) into
// OperatorNamespace, which must exist, and returns it as installed. Tests leave it out on
// purpose: without it the operator counts weekends only, which is what their deadlines assume
// (and marks each deadline provisional, DeadlineProvisional=True with CalendarUnavailable).
func (e *Env) InstallCalendar(ctx context.Context) (*corev1.ConfigMap, error) {
	cm := &corev1.ConfigMap{}
	if err := readFile(cm, true, "config", "calendar", "calendar.yaml"); err != nil {
		return nil, err
	}
	cm.Namespace = OperatorNamespace
	if err := e.Apply(ctx, cm); err != nil {
		return nil, fmt.Errorf("applying the calendar ConfigMap %s/%s: %w", cm.Namespace, cm.Name, err)
	}
	return cm, nil
}

// InstallPolicies applies the default CategoryPolicies, the resources listed in
// config/policies/kustomization.yaml (what `kubectl apply -k config/policies` installs), and
// returns their names in that order. With names, only those policies are applied; naming one
// that is not shipped is an error. The policy webhook checks them, so a manager serving
// webhooks must be running when Start was given Options.Webhooks.
func (e *Env) InstallPolicies(ctx context.Context, names ...string) ([]string, error) {
	files, err := kustomizationResources("config", "policies")
	if err != nil {
		return nil, err
	}
	var installed []string
	for _, f := range files {
		objs, err := ReadObjects(RepoPath("config", "policies", f))
		if err != nil {
			return installed, err
		}
		for _, u := range objs {
			if len(names) > 0 && !slices.Contains(names, u.GetName()) {
				continue
			}
			if err := e.Apply(ctx, u); err != nil {
				return installed, fmt.Errorf("applying %s %s from config/policies/%s: %w", u.GetKind(), u.GetName(), f, err)
			}
			installed = append(installed, u.GetName())
		}
	}
	for _, n := range names {
		if !slices.Contains(installed, n) {
			return installed, fmt.Errorf("no policy %q among the resources of config/policies/kustomization.yaml", n)
		}
	}
	return installed, nil
}
