package webhook

import (
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// statusFieldsError is pure: a user other than the operator may write status.decision only,
// plus the one history entry the mutating webhook archives when a withdrawal replaces an
// approval. Empty means allowed.
func statusFieldsError(old, app *qualv1.CategoryApplication) string {
	rest, oldRest := app.Status.DeepCopy(), old.Status.DeepCopy()
	rest.Decision, oldRest.Decision = nil, nil
	if len(rest.History) > 0 && rest.History[0].ArchivedAt != nil {
		if h, ok := withdrawalHistory(old, app.Status.Decision, *rest.History[0].ArchivedAt); ok {
			oldRest.History = h
		}
	}
	if !apiequality.Semantic.DeepEqual(rest, oldRest) {
		return "only the operator writes status; a reviewer may set status.decision only (use `kubectl category approve|reject|withdraw`)"
	}
	return ""
}

// operatorDecisionError is pure: the operator archives decisions (sets nil) but never makes or
// changes one (D16). Empty means allowed.
func operatorDecisionError(oldD, newD *qualv1.Decision) string {
	if newD != nil && !sameDecision(oldD, newD) {
		return "the operator may archive a decision but never make or change one (D16)"
	}
	return ""
}

// sameDecision reports an unchanged decision, server-set fields included.
func sameDecision(a, b *qualv1.Decision) bool {
	if a == nil || b == nil {
		return a == b
	}
	return apiequality.Semantic.DeepEqual(a, b)
}
