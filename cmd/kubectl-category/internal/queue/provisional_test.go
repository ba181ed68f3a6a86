package queue

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// TestQueueMarksProvisionalDeadlines: a deadline counted past the calendar's years may move
// (DeadlineProvisional, D5), and the queue says so next to it.
func TestQueueMarksProvisionalDeadlines(t *testing.T) {
	g := NewWithT(t)
	provisional := app("shop-acme", "acme-gold", "jewelry", qualv1.PhaseUnderReview, at(12, 0))
	meta.SetStatusCondition(&provisional.Status.Conditions, metav1.Condition{Type: qualv1.ConditionDeadlineProvisional,
		Status: metav1.ConditionTrue, Reason: qualv1.ReasonOutsideCalendarYears, Message: "the count passes 2027-01-01"})
	within := app("shop-acme", "acme-jade", "jewelry", qualv1.PhaseUnderReview, at(12, 0))
	meta.SetStatusCondition(&within.Status.Conditions, metav1.Condition{Type: qualv1.ConditionDeadlineProvisional,
		Status: metav1.ConditionFalse, Reason: qualv1.ReasonWithinCalendarYears, Message: "every day counted is in the calendar's years 2026"})
	rows := Select([]qualv1.CategoryApplication{provisional, within}, Filter{}, at(9, 12), calendar.Default())
	g.Expect(rows).To(HaveLen(2))
	g.Expect(rows[0].Provisional).To(BeTrue())
	g.Expect(rows[1].Provisional).To(BeFalse())

	var out bytes.Buffer
	g.Expect(printQueue(&out, rows, false, shanghai)).To(Succeed())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	g.Expect(lines).To(HaveLen(3))
	g.Expect(lines[1]).To(MatchRegexp(`^acme-gold +Shop acme-gold +jewelry/gold +Shop +2026-12-11 24:00 CST \(provisional\) +2\.5d +<none>$`))
	g.Expect(lines[2]).To(MatchRegexp(`^acme-jade +Shop acme-jade +jewelry/gold +Shop +2026-12-11 24:00 CST +2\.5d +<none>$`))
}
