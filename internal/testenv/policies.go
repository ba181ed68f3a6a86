package testenv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// AdmissionPolicies reads config/admission-policies, the resources of its kustomization: the
// ValidatingAdmissionPolicies, MutatingAdmissionPolicies and their bindings, unprefixed (a
// cluster install prefixes the names).
func AdmissionPolicies() ([]*unstructured.Unstructured, error) {
	files, err := kustomizationResources("config", "admission-policies")
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		more, err := ReadObjects(RepoPath("config", "admission-policies", f))
		if err != nil {
			return nil, err
		}
		objs = append(objs, more...)
	}
	return objs, nil
}

// installAdmissionPolicies creates the admission policies, so every suite runs with the rules
// kube-apiserver enforces in a cluster, and waits until the API server enforces them.
func (e *Env) installAdmissionPolicies(ctx context.Context) error {
	objs, err := AdmissionPolicies()
	if err != nil {
		return err
	}
	for _, u := range objs {
		if err := e.Admin.Create(ctx, u); err != nil {
			return fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
	return e.waitForPolicies(ctx)
}

// waitForPolicies waits until kube-apiserver enforces the policies: its policy informers take a
// moment, and a MutatingAdmissionPolicy answers 503 until the API server's OpenAPI for the CRDs
// reached it (polled every 5s). Both probes are dry runs made before any webhook is installed:
// a ShowcaseListing created by the admin, who is not the operator, must be refused by the
// listing policy, and a CategoryApplication must come back with the creator recorded.
func (e *Env) waitForPolicies(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	listing := &unstructured.Unstructured{}
	listing.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	listing.SetKind("ShowcaseListing")
	listing.SetNamespace("default")
	listing.SetName("admission-policy-probe")
	listing.Object["spec"] = map[string]any{ // valid: schema validation runs before the policies
		"applicationRef": map[string]any{"name": "probe"}, "appID": "wx0000000000000000", "shopName": "probe",
		"category": map[string]any{"group": "probe", "level2": "probe"}, "channel": "Shop",
		"approvedGeneration": int64(1), "approvedAt": "2026-01-01T00:00:00Z",
	}
	app := &unstructured.Unstructured{}
	app.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	app.SetKind("CategoryApplication")
	app.SetNamespace("default")
	app.SetName("admission-policy-probe")
	app.Object["spec"] = map[string]any{
		"merchant": map[string]any{"shopName": "probe", "appID": "wx0000000000000000", "legalEntity": "probe"},
		"category": map[string]any{"group": "probe", "level2": "probe"},
		"materials": []any{map[string]any{"type": "BusinessLicense",
			"files": []any{map[string]any{"secretKeyRef": map[string]any{"name": "probe", "key": "probe"}}}}},
	}
	var last error
	for {
		last = e.Admin.Create(ctx, listing.DeepCopy(), client.DryRunAll)
		if last != nil && strings.Contains(last.Error(), "ValidatingAdmissionPolicy 'listing-writes'") {
			probe := app.DeepCopy()
			if last = e.Admin.Create(ctx, probe, client.DryRunAll); last == nil {
				if probe.GetAnnotations()[qualv1.AnnotationCreatedBy] != "" {
					return nil
				}
				last = errors.New("the creator was not recorded yet")
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the admission policies were not enforced within 60s (last answer: %v)", last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
