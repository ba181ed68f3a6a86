package queue

import (
	"fmt"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// approvalsCell is a round's four-eyes progress (D31): "1 of 2 approvals (alice)", or
// "0 of 2 approvals" before the first; "-" for a round that one approval decides, or one
// that is decided.
func approvalsCell(app *qualv1.CategoryApplication) string {
	if p := decision.Progress(app); p != "" {
		return p
	}
	if n := decision.Required(app); n > 1 {
		return fmt.Sprintf("0 of %d approvals", n)
	}
	return "-"
}

// fourEyes reports whether any row needs more than one approval: only then does the queue
// show an APPROVALS column.
func fourEyes(rows []Row) bool {
	for _, r := range rows {
		if decision.Required(r.App) > 1 {
			return true
		}
	}
	return false
}
