package decision

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func underReview(gen int64) *qualv1.CategoryApplication {
	return &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "acme-gold", Generation: gen},
		Status: qualv1.CategoryApplicationStatus{
			ObservedGeneration: gen, Phase: qualv1.PhaseUnderReview,
			Conditions: []metav1.Condition{
				{Type: qualv1.ConditionRequirementsMet, Status: metav1.ConditionTrue, ObservedGeneration: gen},
				{Type: qualv1.ConditionUnderReview, Status: metav1.ConditionTrue, ObservedGeneration: gen},
			},
		},
	}
}

func decided(gen int64, v qualv1.Verdict) *qualv1.CategoryApplication {
	app := underReview(gen)
	app.Status.Phase = qualv1.PhaseApproved
	if v != qualv1.VerdictApproved {
		app.Status.Phase = qualv1.ApplicationPhase(v)
	}
	app.Status.Conditions[1].Status = metav1.ConditionFalse
	app.Status.Decision = &qualv1.Decision{Verdict: v, Generation: gen, Reviewer: "alice"}
	return app
}

func TestCheck(t *testing.T) {
	incomplete := underReview(2)
	incomplete.Status.Phase = qualv1.PhaseIncomplete
	incomplete.Status.Conditions[0].Status = metav1.ConditionFalse
	incomplete.Status.Conditions[1].Status = metav1.ConditionFalse
	incomplete.Status.Findings = []qualv1.Finding{{Rule: "D19"}}
	unprocessed := underReview(3)
	unprocessed.Status.ObservedGeneration = 2
	unprocessed.Status.Conditions[1].ObservedGeneration = 2

	for _, tc := range []struct {
		name    string
		app     *qualv1.CategoryApplication
		verdict qualv1.Verdict
		seen    int64
		want    string // "" = allowed
	}{
		{"approve under review", underReview(2), qualv1.VerdictApproved, 2, ""},
		{"reject under review", underReview(2), qualv1.VerdictRejected, 2, ""},
		{"changed since looked", underReview(3), qualv1.VerdictApproved, 2, "acme-gold changed since you looked: generation 2 → 3; describe it again"},
		{"approve twice", decided(2, qualv1.VerdictApproved), qualv1.VerdictApproved, 2, "generation 2 of acme-gold was already approved by alice; a decision is final for its generation (D17); to take an approval back use `kubectl category withdraw`"},
		{"reject an approval", decided(2, qualv1.VerdictApproved), qualv1.VerdictRejected, 2, "was already approved by alice"},
		{"approve a rejection", decided(2, qualv1.VerdictRejected), qualv1.VerdictApproved, 2, "was already rejected by alice"},
		{"requirements not met", incomplete, qualv1.VerdictApproved, 2, "acme-gold is not under review (phase Incomplete): its requirements are not met (1 finding(s))"},
		{"not processed yet", unprocessed, qualv1.VerdictApproved, 3, "the operator has not processed generation 3 yet"},
		{"withdraw approval", decided(2, qualv1.VerdictApproved), qualv1.VerdictWithdrawn, 2, ""},
		{"withdraw under review", underReview(2), qualv1.VerdictWithdrawn, 2, "acme-gold is not approved (phase UnderReview): only an approved application can be withdrawn (D29)"},
		{"withdraw rejection", decided(2, qualv1.VerdictRejected), qualv1.VerdictWithdrawn, 2, "only an approved application can be withdrawn"},
		{"withdraw twice", decided(2, qualv1.VerdictWithdrawn), qualv1.VerdictWithdrawn, 2, "generation 2 of acme-gold was already withdrawn by alice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			err := Check(tc.app, tc.verdict, tc.seen)
			if tc.want == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tc.want)))
		})
	}
}

// The patch must name status.decision and the resourceVersion and nothing else: the webhook
// refuses a reviewer's write to any other status field, and the lock makes a concurrent change
// a 409 instead of a decision about something the reviewer did not see.
func TestPatch(t *testing.T) {
	g := NewWithT(t)
	raw, err := Patch("42", qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2})
	g.Expect(err).NotTo(HaveOccurred())
	var got map[string]any
	g.Expect(json.Unmarshal(raw, &got)).To(Succeed())
	g.Expect(got).To(Equal(map[string]any{
		"metadata": map[string]any{"resourceVersion": "42"},
		"status": map[string]any{"decision": map[string]any{
			"verdict": "Approved", "generation": float64(2),
			"reason": nil, "message": nil, "reviewer": nil, "decidedAt": nil,
		}},
	}))
}
