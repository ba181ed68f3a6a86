package describe

import (
	"bytes"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// TestRenderProvisionalDeadline: describe prints "provisional" next to a deadline the calendar
// does not fully cover, with the operator's reason (DeadlineProvisional, D5).
func TestRenderProvisionalDeadline(t *testing.T) {
	cal := calendar.Default()
	deadline := time.Date(2027, 1, 4, 16, 0, 0, 0, time.UTC) // end of Mon 2027-01-04 in Shanghai
	render := func(status metav1.ConditionStatus, reason, message string) string {
		app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Name: "acme-gold", Namespace: "shop-acme", Generation: 1},
			Status: qualv1.CategoryApplicationStatus{Phase: qualv1.PhaseUnderReview, ReviewDeadline: &metav1.Time{Time: deadline},
				Conditions: []metav1.Condition{{Type: qualv1.ConditionDeadlineProvisional, Status: status, Reason: reason, Message: message}}}}
		var out bytes.Buffer
		NewWithT(t).Expect(Render(&out, View{App: app, Now: time.Date(2026, 12, 28, 2, 0, 0, 0, time.UTC), Calendar: cal,
			PolicyProblem: "no policy"})).To(Succeed())
		return out.String()
	}
	g := NewWithT(t)
	g.Expect(render(metav1.ConditionTrue, qualv1.ReasonOutsideCalendarYears, "the count passes 2027-01-01, but the calendar lists\nholidays for years 2026 only")).To(
		MatchRegexp(`Deadline: +2027-01-04 24:00 CST \(5\.6 working days left\) provisional \(OutsideCalendarYears\): the count passes 2027-01-01, but the calendar lists holidays for years 2026 only\n`))
	g.Expect(render(metav1.ConditionFalse, qualv1.ReasonWithinCalendarYears, "every day counted is in the calendar's years 2026..2027")).To(
		MatchRegexp(`Deadline: +2027-01-04 24:00 CST \(5\.6 working days left\)\n`))
}
