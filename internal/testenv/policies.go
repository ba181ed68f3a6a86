package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// AdmissionPolicies reads config/admission-policies: the ValidatingAdmissionPolicies,
// MutatingAdmissionPolicies and their bindings, unprefixed (a cluster install prefixes the names).
func AdmissionPolicies() ([]*unstructured.Unstructured, error) {
	dir := filepath.Join(RepoRoot(), "config", "admission-policies")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "kustom") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if len(u.Object) > 0 {
				objs = append(objs, u)
			}
		}
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

// waitForPolicies waits until kube-apiserver has loaded the policies (its informers take a
// moment): a dry-run ShowcaseListing create by the admin, who is not the operator, must be
// refused by the listing policy. It runs before any webhook serves, and policies are evaluated
// before validating webhooks are called.
func (e *Env) waitForPolicies(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	probe := &unstructured.Unstructured{}
	probe.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	probe.SetKind("ShowcaseListing")
	probe.SetNamespace("default")
	probe.SetName("admission-policy-probe")
	probe.Object["spec"] = map[string]any{ // valid: schema validation runs before the policies
		"applicationRef": map[string]any{"name": "probe"}, "appID": "wx0000000000000000", "shopName": "probe",
		"category": map[string]any{"group": "probe", "level2": "probe"}, "channel": "Shop",
		"approvedGeneration": int64(1), "approvedAt": "2026-01-01T00:00:00Z",
	}
	for {
		err := e.Admin.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		if err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy 'listing-writes'") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the admission policies were not enforced within 30s (last answer: %v)", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
