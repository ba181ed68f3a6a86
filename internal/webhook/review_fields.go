package webhook

import (
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// statusFieldsError is pure: a user other than the operator may write status.decision and
// status.claim (D30) only,
// plus, when the decision replaces another, the history entry that archives it
// (CategoryApplicationStatus.ArchiveDecision, what Mutate writes); every older record stays as
// it was (D13). Empty means allowed.
func statusFieldsError(old, app *qualv1.CategoryApplication) string {
	rest := old.Status.DeepCopy()
	rest.Decision, rest.History, rest.Claim = app.Status.Decision, app.Status.History, app.Status.Claim
	if !apiequality.Semantic.DeepEqual(rest, &app.Status) {
		return onlyDecision
	}
	want := old.Status.DeepCopy()
	if want.Decision != nil && app.Status.Decision != nil && !sameDecision(want.Decision, app.Status.Decision) {
		h := app.Status.History
		if len(h) == 0 || h[0].ArchivedAt == nil {
			return historyAppendOnly
		}
		want.ArchiveDecision(*h[0].ArchivedAt) // a time neither layer can check
	}
	if !apiequality.Semantic.DeepEqual(want.History, app.Status.History) {
		return historyAppendOnly
	}
	return ""
}

// The admission policy application-status refuses in the same words.
const (
	onlyDecision      = "only the operator writes status; a reviewer may set status.decision only (use `kubectl category approve|reject|withdraw`), and status.claim (`kubectl category claim|release`)"
	historyAppendOnly = "status.history: Forbidden: history is append-only: a decision that replaces another goes to its front with its round, as the status webhook writes it, and no other record changes (D13)"
)

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
