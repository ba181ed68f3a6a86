package queue

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"k8s.io/cli-runtime/pkg/printers"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/escape"

	"github.com/channelshop/category-operator/internal/calendar"
)

// DeadlineFormat shows the deadline in the calendar's zone, where "end of day" is meant.
const DeadlineFormat = "2006-01-02 15:04 MST"

// FormatLeft renders working days left: "2.5d", or "OVERDUE 1.0d" (working days late).
func FormatLeft(r Row) string {
	switch {
	case r.Deadline.IsZero():
		return "<none>"
	case r.Overdue:
		return fmt.Sprintf("OVERDUE %.1fd", math.Abs(r.Left))
	}
	return fmt.Sprintf("%.1fd", r.Left)
}

func formatDeadline(r Row, loc *time.Location) string {
	if r.Deadline.IsZero() {
		return "<none>"
	}
	if r.Provisional {
		return calendar.FormatDeadline(r.Deadline, loc) + " (provisional)"
	}
	return calendar.FormatDeadline(r.Deadline, loc)
}

func printQueue(w io.Writer, rows []Row, allNamespaces bool, loc *time.Location) error {
	tw := printers.GetNewTabWriter(w)
	cols := []string{"NAME", "SHOP", "CATEGORY", "CHANNEL", "DEADLINE", "LEFT"}
	fourEyes := fourEyes(rows)
	if fourEyes {
		cols = append(cols, "APPROVALS")
	}
	cols = append(cols, "CLAIM")
	header(tw, allNamespaces, cols...)
	for _, r := range rows {
		cells := []string{r.App.Name, r.App.Spec.Merchant.ShopName, r.App.Spec.Category.String(),
			string(r.App.Spec.Channel), formatDeadline(r, loc), FormatLeft(r)}
		if fourEyes {
			cells = append(cells, approvalsCell(r.App))
		}
		cells = append(cells, FormatClaim(r.App, loc))
		line(tw, allNamespaces, r, cells...)
	}
	return tw.Flush()
}

func printNoncompliant(w io.Writer, rows []Row, allNamespaces bool, loc *time.Location) error {
	tw := printers.GetNewTabWriter(w)
	header(tw, allNamespaces, "NAME", "SHOP", "CATEGORY", "CHANNEL", "SINCE", "WHY")
	for _, r := range rows {
		since := "<unknown>"
		if !r.Since.IsZero() {
			since = r.Since.In(loc).Format(DeadlineFormat)
		}
		line(tw, allNamespaces, r, r.App.Name, r.App.Spec.Merchant.ShopName, r.App.Spec.Category.String(),
			string(r.App.Spec.Channel), since, oneLine(r.Why, 100))
	}
	return tw.Flush()
}

func header(w io.Writer, allNamespaces bool, cols ...string) {
	if allNamespaces {
		cols = append([]string{"NAMESPACE"}, cols...)
	}
	fmt.Fprintln(w, strings.Join(cols, "\t"))
}

// line prints one row. Every cell is escaped (escape.Text): a tab or an escape sequence in a
// shop name would add a column or rewrite the table.
func line(w io.Writer, allNamespaces bool, r Row, cols ...string) {
	if allNamespaces {
		cols = append([]string{r.App.Namespace}, cols...)
	}
	for i, c := range cols {
		cols[i] = escape.Text(c)
	}
	fmt.Fprintln(w, strings.Join(cols, "\t"))
}

// oneLine keeps a table row on one line: tabs and newlines would break the columns.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// FormatClaim renders who holds the claim and until when, in the calendar's zone (D30):
// "rita until 2026-03-02 15:30 CST", or "<none>".
func FormatClaim(app *qualv1.CategoryApplication, loc *time.Location) string {
	c := app.Status.Claim
	if c == nil {
		return "<none>"
	}
	return c.Reviewer + " until " + c.ExpiresAt.In(loc).Format(DeadlineFormat)
}
