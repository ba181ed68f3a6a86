package describe

import (
	"fmt"
	"strings"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// approvals renders the round's four-eyes progress (D31); "" for a round one approval decides.
func approvals(app *qualv1.CategoryApplication) string {
	count := ApprovalCount(app)
	switch {
	case count == "":
		return ""
	case decision.Pending(app):
		return count + "; an approval by another reviewer, who has not approved this round, is needed (D31)"
	case app.Status.Approvals == nil || len(app.Status.Approvals.Approvers) == 0:
		n := decision.Required(app)
		return fmt.Sprintf("%s: %d different reviewers approve this round before it is listed (D31)", count, n)
	}
	return count
}

// ApprovalCount is the round's four-eyes count alone (D31), as the console shows it: "1 of 2
// approvals (alice)", "2 of 2 approvals (alice, carol)" once approved, "0 of 2 approvals"
// before the first; "" for a round one approval decides.
func ApprovalCount(app *qualv1.CategoryApplication) string {
	n := decision.Required(app)
	if n < 2 {
		return ""
	}
	if p := decision.Progress(app); p != "" {
		return p
	}
	if a := app.Status.Approvals; a != nil && len(a.Approvers) > 0 {
		return fmt.Sprintf("%d of %d approvals (%s)", len(a.Approvers), n, strings.Join(a.Approvers, ", "))
	}
	return fmt.Sprintf("0 of %d approvals", n)
}
