package install

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestChartMatchesKustomize renders the chart and the kustomize install in both certificate
// modes and compares what they share, so neither can drift from the other: every kustomize
// object exists in the chart, CRDs and webhook rules are identical, RBAC grants the same rules
// to the same subjects, and the manager runs with the same arguments, ports, probes and volumes.
func TestChartMatchesKustomize(t *testing.T) {
	for _, mode := range []struct {
		name, kustomization string
		sets                []string
	}{
		{"built-in certificates", "default", nil},
		{"cert-manager", "certmanager-install", []string{"certManager.enabled=true"}},
		{"two shards", "shards", []string{"shards=2"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			compareInstalls(t, renderKustomize(t, mode.kustomization), renderChart(t, mode.sets...))
		})
	}
}

func compareInstalls(t *testing.T, kustomized, charted []*unstructured.Unstructured) {
	chart := byKey(charted)
	for _, k := range kustomized {
		if k.GetKind() == "Namespace" {
			continue // helm install --create-namespace makes it
		}
		c, ok := chart[key(k)]
		if !ok {
			t.Errorf("%s: in config/ but not in the chart", key(k))
			continue
		}
		for _, field := range fieldsToCompare(k.GetKind()) {
			want, _, _ := unstructured.NestedFieldNoCopy(k.Object, field...)
			got, _, _ := unstructured.NestedFieldNoCopy(c.Object, field...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %v differs (-config +chart):\n%s", key(k), field, diff)
			}
		}
		if k.GetKind() == "Deployment" {
			compareManager(t, k, c)
		}
	}
	if len(kustomized) < 15 {
		t.Fatalf("config/ rendered only %d objects", len(kustomized))
	}
}

// fieldsToCompare are the fields that must be identical; labels and helm's annotations differ.
func fieldsToCompare(kind string) [][]string {
	switch kind {
	case "CustomResourceDefinition":
		return [][]string{{"spec"}}
	case "ClusterRole", "Role":
		return [][]string{{"rules"}}
	case "ClusterRoleBinding", "RoleBinding":
		return [][]string{{"roleRef"}, {"subjects"}}
	case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
		return [][]string{{"webhooks"}, {"metadata", "annotations"}}
	case "Service":
		return [][]string{{"spec", "ports"}}
	case "ConfigMap", "Secret":
		return [][]string{{"data"}, {"type"}}
	case "Certificate", "Issuer", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding":
		return [][]string{{"spec"}}
	}
	return nil
}

// compareManager compares the manager's pod: arguments (as a set: flag order does not
// matter), ports, probes, env, volumes and where they are mounted.
func compareManager(t *testing.T, k, c *unstructured.Unstructured) {
	kc, cc := container(t, k), container(t, c)
	kArgs, cArgs := stringList(kc["args"]), stringList(cc["args"])
	slices.Sort(kArgs)
	slices.Sort(cArgs)
	if diff := cmp.Diff(kArgs, cArgs); diff != "" {
		t.Errorf("manager args differ (-config +chart):\n%s", diff)
	}
	for _, f := range []string{"ports", "livenessProbe", "readinessProbe", "env", "volumeMounts", "command", "securityContext"} {
		if diff := cmp.Diff(kc[f], cc[f]); diff != "" {
			t.Errorf("manager %s differs (-config +chart):\n%s", f, diff)
		}
	}
	for _, f := range [][]string{{"volumes"}, {"serviceAccountName"}, {"securityContext"}} {
		want, _, _ := unstructured.NestedFieldNoCopy(k.Object, append([]string{"spec", "template", "spec"}, f...)...)
		got, _, _ := unstructured.NestedFieldNoCopy(c.Object, append([]string{"spec", "template", "spec"}, f...)...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("manager pod %v differs (-config +chart):\n%s", f, diff)
		}
	}
}

func container(t *testing.T, d *unstructured.Unstructured) map[string]any {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(cs) != 1 {
		t.Fatalf("%s: want one container, found %d", key(d), len(cs))
	}
	return cs[0].(map[string]any)
}

func stringList(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
