package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func rule(id, expr string) map[string]any {
	return map[string]any{"id": id, "expression": expr, "field": "spec.merchant", "message": "custom rule " + id + " is not met"}
}

// TestCustomRulesAtApply: a policy whose custom rule does not compile, does not return a bool
// or could cost more than Kubernetes' per-expression limit is refused at `kubectl apply`, with
// the rule's path and the compiler's words.
func TestCustomRulesAtApply(t *testing.T) {
	ctx := context.Background()
	cases := map[string]struct {
		expr string
		want []string
	}{
		"syntax":    {"object.spec.merchant.shopName.startsWith(", []string{"spec.rules[0].expression", "Syntax error"}},
		"no field":  {"object.spec.merchant.shopNme == 'x'", []string{"spec.rules[0].expression", "shopNme"}},
		"not bool":  {"object.spec.merchant.shopName", []string{"spec.rules[0].expression", "bool"}},
		"too dear":  {"object.spec.materials.all(a, object.spec.materials.all(b, object.spec.materials.all(c, a.subject + b.subject != c.subject)))", []string{"spec.rules[0].expression", "estimated rule cost (", "exceeds the limit 1000000"}},
		"bad regex": {"object.spec.merchant.shopName.matches('[')", []string{"spec.rules[0].expression", "invalid matches argument"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			err := admin.Create(ctx, jewelryCopy(t, "jewelry-refused", func(spec map[string]any) {
				spec["rules"] = []any{rule("r", c.expr)}
			}))
			g.Expect(err).To(HaveOccurred())
			for _, w := range c.want {
				g.Expect(err.Error()).To(ContainSubstring(w))
			}
		})
	}
}

// TestCustomRuleAtRuntime: a rule that compiles but cannot be evaluated on an application (a
// field the merchant left out, read without has()) is a finding naming the rule, on the
// application under review, and a refusal naming it at apply; nothing crashes, the other rules
// still run (official-name reports its own finding), and guarding the field with has() fixes it.
func TestCustomRuleAtRuntime(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-cel")
	sampleSecrets(t, ns)
	policy := createJewelryCopy(t, "jewelry-cel", func(spec map[string]any) {
		spec["rules"] = []any{rule("flagship-name", "object.spec.merchant.shopName.contains('Flagship')")}
	})

	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Notify = nil
	app.Spec.Category.Group = "jewelry-cel"
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)

	// The sample declares no registered capital: reading it without has() fails at runtime.
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
	unguarded := rule("capital-declared", "object.spec.merchant.registeredCapitalCNY >= 1000000")
	official := rule("official-name", "object.spec.merchant.shopName.contains('Official')")
	policy.Object["spec"].(map[string]any)["rules"] = []any{unguarded, official}
	g.Expect(admin.Update(ctx, policy)).To(Succeed())

	app = waitPhase(g, ns, "gold", qualv1.PhaseIncomplete)
	t.Log(app.Status.Findings) // the README quotes these
	g.Expect(app.Status.Findings).To(ConsistOf(
		And(HaveField("Rule", "capital-declared"), HaveField("Field", "spec.merchant"),
			HaveField("Message", ContainSubstring("custom rule capital-declared could not be evaluated")),
			HaveField("Message", ContainSubstring("no such key"))),
		And(HaveField("Rule", "official-name"), HaveField("Message", "custom rule official-name is not met"))))
	cond := condition(app, qualv1.ConditionRequirementsMet)
	g.Expect(cond.Status).To(Equal(metav1.ConditionFalse))
	g.Expect(cond.Message).To(ContainSubstring("capital-declared"))

	again := sampleApp(t, ns, "gold-2", nextAppID(), "gold")
	again.Spec.Category.Group = "jewelry-cel"
	g.Expect(admin.Create(ctx, again)).To(MatchError(And(
		ContainSubstring("spec.merchant"), ContainSubstring("custom rule capital-declared could not be evaluated"))))

	// The platform team guards the field: the application is back under review.
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), policy)).To(Succeed())
	policy.Object["spec"].(map[string]any)["rules"] = []any{
		rule("capital-declared", "!has(object.spec.merchant.registeredCapitalCNY) || object.spec.merchant.registeredCapitalCNY >= 1000000")}
	g.Expect(admin.Update(ctx, policy)).To(Succeed())
	app = waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	g.Expect(app.Status.Findings).To(BeEmpty())
	eventually(g, func(g Gomega) {
		p := &qualv1.CategoryPolicy{}
		g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(policy), p)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(p.Status.Conditions, qualv1.ConditionReady)).To(BeTrue())
		g.Expect(p.Status.ObservedGeneration).To(Equal(p.Generation))
	}).Should(Succeed())
}
