package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestMarkDuplicate(t *testing.T) {
	g := NewWithT(t)
	app := testApp(2, nil, [4]string{"RequirementsMet", "True", "RequirementsMet", "ok"},
		[4]string{"UnderReview", "True", "AwaitingReview", "x"}, [4]string{"ReviewOverdue", "True", "DeadlinePassed", "x"},
		[4]string{"Approved", "True", "Approved", "x"}, [4]string{"Rejected", "False", "Approved", "x"},
		[4]string{"PolicyCompliant", "True", "Compliant", "x"}, [4]string{"Listed", "True", "ListingActive", "x"},
		[4]string{"Ready", "True", "Approved", "x"})
	original := testApp(1, nil)
	original.Namespace, original.Name = app.Namespace, "first"
	other := app.DeepCopy()
	markDuplicate(app, original)
	g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseDuplicate))
	// Everything of the conditions table's round, decision and listing scopes is gone.
	g.Expect(conds(app)).To(Equal(map[string]string{"RequirementsMet": "True/RequirementsMet",
		"Stalled": "True/Duplicate", "Ready": "False/Duplicate"}))
	msg := meta.FindStatusCondition(app.Status.Conditions, "Stalled").Message
	g.Expect(msg).To(ContainSubstring("duplicate of " + app.Namespace + "/first"))
	g.Expect(msg).To(ContainSubstring("appID wx0123456789abcdef"))
	g.Expect(msg).To(ContainSubstring("(D1)"))
	for _, c := range app.Status.Conditions {
		g.Expect(c.ObservedGeneration).To(Equal(int64(2)))
	}

	// An original in another tenant's namespace is not named (D4).
	original.Namespace = "shop-other"
	markDuplicate(other, original)
	msg = meta.FindStatusCondition(other.Status.Conditions, "Stalled").Message
	g.Expect(msg).To(ContainSubstring("another namespace already holds an application"))
	g.Expect(msg).NotTo(ContainSubstring("shop-other"))
	g.Expect(msg).NotTo(ContainSubstring("first"))
}

// TestConditionsTable: every condition the code sets is in the table, once.
func TestConditionsTable(t *testing.T) {
	g := NewWithT(t)
	seen := map[string]bool{}
	for _, c := range qualv1.ApplicationConditions {
		g.Expect(seen).NotTo(HaveKey(c.Type))
		seen[c.Type] = true
	}
	g.Expect(seen).To(HaveLen(11))
	for _, t := range []string{qualv1.ConditionReconciling, qualv1.ConditionStalled, qualv1.ConditionRejected, qualv1.ConditionReviewOverdue} {
		p, ok := qualv1.ConditionPolarity(t)
		g.Expect(ok).To(BeTrue())
		g.Expect(p).To(Equal(qualv1.AbnormalTrue), t)
	}
	g.Expect(qualv1.ConditionsIn(qualv1.ScopeDecision)).To(Equal([]string{"Approved", "Rejected", "PolicyCompliant"}))
	_, ok := qualv1.ConditionPolarity("Progressing")
	g.Expect(ok).To(BeFalse())
}
