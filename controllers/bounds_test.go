package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestStatusCanAlwaysBeWritten: a Secret with 40 keys of 253 characters, and 5 references to
// keys it does not have, used to produce a condition message of about 41 KB, over the API
// server's 32768-byte limit: every status patch then failed with 422 and the application was
// frozen. Status is bounded now: the application is Incomplete with its findings, and fixing
// it moves it on.
func TestStatusCanAlwaysBeWritten(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-huge")
	sampleSecrets(t, ns)
	huge := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "huge"}, Data: map[string][]byte{}}
	for i := range 40 {
		huge.Data[fmt.Sprintf("%03d-%s", i, strings.Repeat("k", 249))] = []byte("x")
	}
	g.Expect(admin.Create(ctx, huge)).To(Succeed())

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	fixed := app.DeepCopy()
	for i := range 5 {
		app.Spec.Materials[i].Files[0] = qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "huge", Key: fmt.Sprintf("missing-%d", i)}}
	}
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	g.Expect(app.Status.Findings).To(HaveLen(5))
	for _, f := range app.Status.Findings {
		g.Expect(len(f.Message)).To(BeNumerically("<=", qualv1.MaxFindingMessage))
		g.Expect(f.Message).To(ContainSubstring("has no key"))
	}
	for _, c := range app.Status.Conditions {
		g.Expect(len(c.Message)).To(BeNumerically("<=", qualv1.MaxConditionMessage), c.Type)
	}

	// Not frozen: the merchant's fix is processed.
	before := app.DeepCopy()
	app.Spec.Materials = fixed.Spec.Materials
	g.Expect(admin.Patch(ctx, app, client.MergeFrom(before))).To(Succeed())
	waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
}
