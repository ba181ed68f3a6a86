package queue

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// Filter is what the flags select.
type Filter struct {
	Group        string
	Overdue      bool
	Noncompliant bool
	// Mine keeps the applications Me claimed, Unclaimed those nobody claimed (D30).
	Mine, Unclaimed bool
	Me              string
}

// Row is one application with its place in the queue.
type Row struct {
	App *qualv1.CategoryApplication
	// Deadline is zero when the operator has not set one.
	Deadline time.Time
	// Left is working days until the deadline; negative once overdue. It is 0 over a weekend
	// after the deadline, so Overdue, not the sign of Left, says "late".
	Left    float64
	Overdue bool
	// Provisional: the calendar does not cover every day the deadline counted, so it may move
	// (DeadlineProvisional, D5); describe says why.
	Provisional bool
	// Since is when an approved application stopped complying (noncompliant view).
	Since time.Time
	// Why says why it no longer complies (noncompliant view).
	Why string
}

// Select is pure: it keeps what the filter asks for and orders it, soonest deadline first
// (no deadline last), then by namespace and name so the order is stable.
func Select(apps []qualv1.CategoryApplication, f Filter, now time.Time, cal *calendar.Calendar) []Row {
	var rows []Row
	for i := range apps {
		app := &apps[i]
		if f.Group != "" && app.Spec.Category.Group != f.Group {
			continue
		}
		if f.Noncompliant {
			if c := noncompliance(app); c != nil {
				rows = append(rows, Row{App: app, Since: c.LastTransitionTime.Time, Why: why(app, c)})
			}
			continue
		}
		if app.Status.Phase != qualv1.PhaseUnderReview {
			continue
		}
		r := Row{App: app}
		if d := app.Status.ReviewDeadline; d != nil {
			r.Deadline = d.Time
			r.Left = cal.WorkingDaysLeft(now, d.Time)
			r.Overdue = now.After(d.Time)
			r.Provisional = meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionDeadlineProvisional)
		}
		if f.Overdue && !r.Overdue || !f.claim(app) {
			continue
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if a.Deadline.IsZero() != b.Deadline.IsZero() {
			if a.Deadline.IsZero() {
				return 1
			}
			return -1
		}
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.App.Namespace, b.App.Namespace), cmp.Compare(a.App.Name, b.App.Name))
	})
	return rows
}

// noncompliance returns the condition that says an approved application no longer meets its
// policy (D29), or nil. PolicyCompliant=False is the contract; on an approval the operator has
// not re-checked since it began setting that condition, RequirementsMet=False says the same.
func noncompliance(app *qualv1.CategoryApplication) *metav1.Condition {
	d := app.Status.Decision
	approvedNow := d != nil && d.Verdict == qualv1.VerdictApproved && d.Generation == app.Generation
	// Listed on an earlier approval while the current spec is incomplete or noncompliant
	// (an edit after approval): a reviewer can withdraw it whatever the round's state (D29).
	listedEarlier := !approvedNow && meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionListed)
	if !approvedNow && !listedEarlier {
		return nil
	}
	if c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionPolicyCompliant); c != nil {
		if c.Status == metav1.ConditionFalse {
			return c
		}
		return nil
	}
	if c := meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionRequirementsMet); c != nil && c.Status == metav1.ConditionFalse {
		return c
	}
	return nil
}

// why names the first broken rule: more telling in one table cell than the condition's
// message, which starts with a generic sentence.
func why(app *qualv1.CategoryApplication, c *metav1.Condition) string {
	fs := app.Status.Findings
	if len(fs) == 0 {
		return c.Message
	}
	s := fmt.Sprintf("[%s] %s: %s", fs[0].Rule, fs[0].Field, fs[0].Message)
	if len(fs) > 1 {
		s = fmt.Sprintf("(%d findings) %s", len(fs), s)
	}
	return s
}

// claim is the --mine and --unclaimed part of the filter (D30).
func (f Filter) claim(app *qualv1.CategoryApplication) bool {
	who, claimed := app.Status.ClaimedBy()
	switch {
	case f.Mine:
		return claimed && who == f.Me
	case f.Unclaimed:
		return !claimed
	}
	return true
}
