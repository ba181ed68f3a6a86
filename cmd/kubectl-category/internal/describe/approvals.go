package describe

import (
	"fmt"
	"strings"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// approvals renders the round's four-eyes progress (D31); "" for a round one approval decides.
func approvals(app *qualv1.CategoryApplication) string {
	n := decision.Required(app)
	if n < 2 {
		return ""
	}
	if p := decision.Progress(app); p != "" {
		return p + "; an approval by another reviewer, who has not approved this round, is needed (D31)"
	}
	if a := app.Status.Approvals; a != nil && len(a.Approvers) > 0 {
		return fmt.Sprintf("%d of %d approvals (%s)", len(a.Approvers), n, strings.Join(a.Approvers, ", "))
	}
	return fmt.Sprintf("0 of %d approvals: %d different reviewers approve this round before it is listed (D31)", n, n)
}
