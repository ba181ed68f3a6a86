// Package admission_test checks that the rules of D4, D14, D16, D17 and D29 hold with no
// admission webhook at all: the operator runs (controllers and webhook server), then both
// webhook configurations are deleted from the API server, leaving the admission policies of
// config/admission-policies alone between users and the API. It has its own control plane, so
// deleting the configurations disturbs no other suite.
package admission_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/channelshop/category-operator/internal/testenv"
	"github.com/channelshop/category-operator/test/fixture"
)

var (
	env *testenv.Env
	fx  *fixture.Fixture
)

func TestMain(m *testing.M) {
	fixture.Main(m, func(e *testenv.Env) { env, fx = e, &fixture.Fixture{Env: e} }, nil,
		func(ctx context.Context, _ *testenv.Env) error { return deleteWebhookConfigurations(ctx) })
}

// deleteWebhookConfigurations removes every webhook configuration, as someone who deleted them
// (or a broken install) would, and waits until the API server stops calling the webhooks: a
// CategoryPolicy whose custom rule does not compile, which only the policy webhook refuses,
// passes a dry run.
func deleteWebhookConfigurations(ctx context.Context) error {
	var vw admissionregistrationv1.ValidatingWebhookConfigurationList
	var mw admissionregistrationv1.MutatingWebhookConfigurationList
	if err := env.Admin.List(ctx, &vw); err != nil {
		return err
	}
	if err := env.Admin.List(ctx, &mw); err != nil {
		return err
	}
	if len(vw.Items) == 0 || len(mw.Items) == 0 {
		return errors.New("envtest installed no webhook configurations: nothing to delete")
	}
	for i := range vw.Items {
		if err := env.Admin.Delete(ctx, &vw.Items[i]); err != nil {
			return err
		}
	}
	for i := range mw.Items {
		if err := env.Admin.Delete(ctx, &mw.Items[i]); err != nil {
			return err
		}
	}
	probe := &unstructured.Unstructured{}
	probe.SetAPIVersion("qualification.channelshop.dev/v1alpha1")
	probe.SetKind("CategoryPolicy")
	probe.SetName("no-webhook-probe")
	probe.Object["spec"] = map[string]any{
		"displayName": "probe", "subcategories": []any{map[string]any{"id": "a", "displayName": "a"}},
		"rules": []any{map[string]any{"id": "broken", "expression": "object.spec.(", "message": "m"}},
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := env.Admin.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API server still calls the webhooks: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
