package decision

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Four-eyes approval (D31): a round of a group whose policy requires n approvals is approved
// when n different reviewers approved it. Each approval after the first is written over the
// one before, which the status webhook archives to history (ArchiveDecision), so the round's
// approvals are status.decision and the approvals in history recorded with the round.

// Required is how many approvals the current round needs: status.approvals.required, copied
// from the policy when the round started; 1 when absent.
func Required(app *qualv1.CategoryApplication) int {
	if a := app.Status.Approvals; a != nil && a.Required > 1 {
		return int(a.Required)
	}
	return 1
}

// RoundApprovers are the reviewers who approved the current round, oldest first: approvals
// archived with this round (its generation, submission time and materials digest), then the
// current decision if it is an approval of the round's generation.
func RoundApprovers(app *qualv1.CategoryApplication) []string {
	st := &app.Status
	d := st.Decision
	if d == nil || d.Verdict != qualv1.VerdictApproved || d.Generation != st.SubmittedGeneration {
		return nil
	}
	var out []string
	for i := len(st.History) - 1; i >= 0; i-- {
		h := st.History[i]
		if h.Decision != nil && h.Decision.Verdict == qualv1.VerdictApproved && h.Generation == d.Generation &&
			h.MaterialsDigest == st.MaterialsDigest && sameTime(h.SubmittedAt, st.SubmittedAt) {
			out = append(out, h.Decision.Reviewer)
		}
	}
	return append(out, d.Reviewer)
}

// Pending reports that status.decision is an approval of the current round that does not yet
// complete it: the round stays under review, nothing is listed, and another reviewer may
// approve it (or anyone who may decide it reject it) over this approval.
func Pending(app *qualv1.CategoryApplication) bool {
	d := app.Status.Decision
	return d != nil && d.Generation == app.Generation && Short(app)
}

// Short reports that status.decision is an approval of the round status records (whatever the
// spec's generation now) with fewer approvers than the round requires: when that round
// closes, the approval goes to history without taking effect.
func Short(app *qualv1.CategoryApplication) bool {
	a := RoundApprovers(app)
	return a != nil && len(a) < Required(app)
}

// Progress renders a pending round's approvals: "1 of 2 approvals (alice)"; "" when no
// approval is pending.
func Progress(app *qualv1.CategoryApplication) string {
	if !Pending(app) {
		return ""
	}
	return fmt.Sprintf("%d of %d approvals (%s)", len(RoundApprovers(app)), Required(app), strings.Join(RoundApprovers(app), ", "))
}

// Approver refuses an approval by a reviewer who already approved the round: the approvals a
// round needs come from as many different reviewers (D31).
func Approver(app *qualv1.CategoryApplication, v qualv1.Verdict, user string) *Refusal {
	if v != qualv1.VerdictApproved || !Pending(app) || !slices.Contains(RoundApprovers(app), user) {
		return nil
	}
	return &Refusal{Forbidden: true, Message: fmt.Sprintf(
		"user %q already approved generation %d of %s in this round (%s): its %d approvals come from %d different reviewers (D31)",
		user, app.Generation, app.Name, Progress(app), Required(app), Required(app))}
}

// sameTime compares submission times as the API stores them, to the second; a round always
// has one.
func sameTime(a, b *metav1.Time) bool {
	return a != nil && b != nil && a.Unix() == b.Unix()
}
