package controllers

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/event"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// The controller reacts to a reviewer's decision, not to its own archiving of one: the
// merchant's edit of a rejected application is reconciled once, not twice.
func TestStatusDecisionChanged(t *testing.T) {
	rejected := &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 1, Reason: "MaterialsIncomplete", Reviewer: "ana"}
	approved := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "ana"}
	withDecision := func(d *qualv1.Decision) *qualv1.CategoryApplication {
		return &qualv1.CategoryApplication{Status: qualv1.CategoryApplicationStatus{Decision: d}}
	}
	for _, tc := range []struct {
		name     string
		old, new *qualv1.Decision
		want     bool
	}{
		{"reviewer decides", nil, approved, true},
		{"reviewer changes the reason", rejected, &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 1, Reason: "Other", Reviewer: "ana"}, true},
		{"operator archives the decision", rejected, nil, false},
		{"no decision either side", nil, nil, false},
		{"same decision", approved, approved.DeepCopy(), false},
	} {
		got := statusDecisionChanged{}.Update(event.UpdateEvent{ObjectOld: withDecision(tc.old), ObjectNew: withDecision(tc.new)})
		if got != tc.want {
			t.Errorf("%s: Update = %v, want %v", tc.name, got, tc.want)
		}
	}
}
