package queue

import (
	"bytes"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// at is a wall time in Asia/Shanghai, the default calendar's zone.
func at(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, shanghai) }

func app(ns, name, group string, phase qualv1.ApplicationPhase, deadline time.Time) qualv1.CategoryApplication {
	a := qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Generation: 1},
		Spec: qualv1.CategoryApplicationSpec{Merchant: qualv1.Merchant{ShopName: "Shop " + name}, Channel: qualv1.ChannelShop,
			Category: qualv1.CategoryRef{Group: group, Level2: "gold"}},
		Status: qualv1.CategoryApplicationStatus{Phase: phase},
	}
	if !deadline.IsZero() {
		a.Status.ReviewDeadline = &metav1.Time{Time: deadline}
	}
	return a
}

func names(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.App.Namespace+"/"+r.App.Name)
	}
	return out
}

func TestSelectOrdersUnderReviewBySoonestDeadline(t *testing.T) {
	g := NewWithT(t)
	now := at(9, 12) // Wednesday noon
	apps := []qualv1.CategoryApplication{
		app("b", "later", "jewelry", qualv1.PhaseUnderReview, at(12, 0)), // end of Friday 11th
		app("a", "nodeadline", "jewelry", qualv1.PhaseUnderReview, time.Time{}),
		app("a", "approved", "jewelry", qualv1.PhaseApproved, at(10, 0)),
		app("a", "overdue", "jewelry", qualv1.PhaseUnderReview, at(8, 0)), // end of Monday 7th
		app("a", "watch", "watches", qualv1.PhaseUnderReview, at(11, 0)),
	}
	rows := Select(apps, Filter{}, now, calendar.Default())
	g.Expect(names(rows)).To(Equal([]string{"a/overdue", "a/watch", "b/later", "a/nodeadline"}))
	g.Expect(FormatLeft(rows[0])).To(Equal("OVERDUE 1.5d"))
	g.Expect(FormatLeft(rows[1])).To(Equal("1.5d"))
	g.Expect(FormatLeft(rows[2])).To(Equal("2.5d"))
	g.Expect(FormatLeft(rows[3])).To(Equal("<none>"))

	g.Expect(names(Select(apps, Filter{Group: "watches"}, now, calendar.Default()))).To(Equal([]string{"a/watch"}))
	g.Expect(names(Select(apps, Filter{Overdue: true}, now, calendar.Default()))).To(Equal([]string{"a/overdue"}))
}

// Over a weekend after a Friday deadline no working time passes, so WorkingDaysLeft is 0: the
// application must still show as overdue.
func TestOverdueOverTheWeekend(t *testing.T) {
	g := NewWithT(t)
	rows := Select([]qualv1.CategoryApplication{app("a", "x", "jewelry", qualv1.PhaseUnderReview, at(12, 0))},
		Filter{Overdue: true}, at(13, 10), calendar.Default()) // Sunday
	g.Expect(rows).To(HaveLen(1))
	g.Expect(FormatLeft(rows[0])).To(Equal("OVERDUE 0.0d"))
}

func TestSelectNoncompliant(t *testing.T) {
	g := NewWithT(t)
	approved := func(name string, conds ...metav1.Condition) qualv1.CategoryApplication {
		a := app("a", name, "jewelry", qualv1.PhaseApproved, time.Time{})
		a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1}
		a.Status.Conditions = conds
		return a
	}
	cond := func(t string, s metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: t, Status: s, Message: t + " is " + string(s), LastTransitionTime: metav1.NewTime(at(1, 0))}
	}
	underReview := app("a", "review", "jewelry", qualv1.PhaseUnderReview, at(12, 0))
	underReview.Status.Conditions = []metav1.Condition{cond(qualv1.ConditionPolicyCompliant, metav1.ConditionFalse)}
	apps := []qualv1.CategoryApplication{
		approved("compliant", cond(qualv1.ConditionRequirementsMet, metav1.ConditionTrue)),
		approved("flagged", cond(qualv1.ConditionPolicyCompliant, metav1.ConditionFalse)),
		approved("requirements", cond(qualv1.ConditionRequirementsMet, metav1.ConditionFalse)),
		// PolicyCompliant, when the operator sets it, is the authority.
		approved("explicit-ok", cond(qualv1.ConditionPolicyCompliant, metav1.ConditionTrue), cond(qualv1.ConditionRequirementsMet, metav1.ConditionFalse)),
		underReview,
	}
	apps[2].Status.Findings = []qualv1.Finding{
		{Rule: "D24", Field: "spec.merchant.shopType", Message: "gold admits only OfficialFlagship shops"},
		{Rule: "D11", Field: "spec.materials[6].platform", Message: "JD does not count"},
	}
	rows := Select(apps, Filter{Noncompliant: true}, at(9, 12), calendar.Default())
	g.Expect(names(rows)).To(Equal([]string{"a/flagged", "a/requirements"}))
	g.Expect(rows[0].Why).To(Equal("PolicyCompliant is False"))
	g.Expect(rows[1].Why).To(Equal("(2 findings) [D24] spec.merchant.shopType: gold admits only OfficialFlagship shops"))

	var out bytes.Buffer
	g.Expect(printNoncompliant(&out, rows, false, shanghai)).To(Succeed())
	g.Expect(out.String()).To(HavePrefix("NAME"))
	g.Expect(out.String()).To(ContainSubstring("(2 findings) [D24] spec.merchant.shopType"))
}

func TestPrintQueueColumns(t *testing.T) {
	g := NewWithT(t)
	a := app("shop-acme", "acme-gold", "jewelry", qualv1.PhaseUnderReview, at(12, 0))
	rows := Select([]qualv1.CategoryApplication{a}, Filter{}, at(9, 12), calendar.Default())

	var out bytes.Buffer
	g.Expect(printQueue(&out, rows, true, shanghai)).To(Succeed())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	g.Expect(lines).To(HaveLen(2))
	g.Expect(strings.Fields(lines[0])).To(Equal([]string{"NAMESPACE", "NAME", "SHOP", "CATEGORY", "CHANNEL", "DEADLINE", "LEFT", "CLAIM"}))
	g.Expect(lines[1]).To(MatchRegexp(`^shop-acme +acme-gold +Shop acme-gold +jewelry/gold +Shop +2026-12-11 24:00 CST +2\.5d +<none>$`))

	out.Reset()
	g.Expect(printQueue(&out, rows, false, shanghai)).To(Succeed())
	g.Expect(out.String()).To(HavePrefix("NAME "))
	g.Expect(out.String()).NotTo(ContainSubstring("shop-acme"))
}
