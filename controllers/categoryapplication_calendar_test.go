package controllers

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// endOf is the end of a day in Shanghai: a deadline instant.
func endOf(day string) time.Time {
	d, err := calendar.ParseDate(day)
	if err != nil {
		panic(err)
	}
	return d.AddDays(1).Start(calendar.Default().Location()).UTC()
}

// TestDeadlineProvisional: a shop round (5 working days) submitted Mon 2026-12-28 (D5).
func TestDeadlineProvisional(t *testing.T) {
	newYear, err := calendar.ParseDate("2027-01-01")
	if err != nil {
		t.Fatal(err)
	}
	only2026 := calendar.Default().WithYears(2026, 2026)
	with2027 := calendar.New(nil, []calendar.Date{newYear}, nil).WithYears(2026, 2027)
	submitted := time.Date(2026, 12, 28, 2, 0, 0, 0, time.UTC) // Mon 10:00 in Shanghai
	met := [4]string{"RequirementsMet", "True", "RequirementsMet", "ok"}
	for _, c := range []struct {
		name     string
		cal      *calendar.Calendar
		deadline time.Time
		cond     string
		message  []string
	}{
		{"2026 only: Fri 1 January counted as a weekday", only2026, endOf("2027-01-04"), "True/OutsideCalendarYears",
			// As the README quotes it.
			[]string{"the count passes 2027-01-01, but the calendar lists holidays and make-up working days for years 2026 only: " +
				"days of 2027 count with weekends as the only days off, so the deadline moves when 2027 is added to the calendar (D5)"}},
		{"2027 added with New Year's Day off: a day later", with2027, endOf("2027-01-05"), "False/WithinCalendarYears",
			[]string{"every day counted is in the calendar's years 2026..2027"}},
		{"no key years", calendar.Default(), endOf("2027-01-04"), "True/OutsideCalendarYears",
			[]string{"the count passes 2026-12-29", "the calendar's key years lists no year"}},
		{"no usable calendar", calendar.Unavailable(errors.New("calendar ConfigMap ns/cal: not found")), endOf("2027-01-04"),
			"True/CalendarUnavailable", []string{"weekends as the only days off: calendar ConfigMap ns/cal: not found"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			app := testApp(1, nil, met)
			reviewRound(app, submitted, c.cal, 5)
			g.Expect(app.Status.ReviewDeadline.Time).To(Equal(c.deadline))
			g.Expect(conds(app)).To(HaveKeyWithValue("DeadlineProvisional", c.cond))
			for _, m := range c.message {
				g.Expect(meta.FindStatusCondition(app.Status.Conditions, qualv1.ConditionDeadlineProvisional).Message).To(ContainSubstring(m))
			}
		})
	}
}

// TestDeadlineRecounted: an open round's deadline is counted from its submission with the
// calendar in force on every reconcile, ReviewOverdue follows it, and a moved deadline is an
// event; a decided round keeps its deadline.
func TestDeadlineRecounted(t *testing.T) {
	g := NewWithT(t)
	newYear, err := calendar.ParseDate("2027-01-01")
	g.Expect(err).NotTo(HaveOccurred())
	only2026 := calendar.Default().WithYears(2026, 2026)
	with2027 := calendar.New(nil, []calendar.Date{newYear}, nil).WithYears(2026, 2027)
	submitted := time.Date(2026, 12, 28, 2, 0, 0, 0, time.UTC)
	app := testApp(1, nil, [4]string{"RequirementsMet", "True", "RequirementsMet", "ok"})
	reviewRound(app, submitted, only2026, 5)

	// Tue 5 January, noon in Shanghai: past the first count's deadline.
	noon := time.Date(2027, 1, 5, 4, 0, 0, 0, time.UTC)
	before := app.DeepCopy()
	reviewRound(app, noon, only2026, 5)
	g.Expect(conds(app)).To(HaveKeyWithValue("ReviewOverdue", "True/DeadlinePassed"))
	g.Expect(deadlineMoved(&before.Status, &app.Status, only2026)).To(BeNil(), "the same count")

	before = app.DeepCopy()
	res := reviewRound(app, noon, with2027, 5)
	g.Expect(app.Status.SubmittedAt.Time).To(Equal(submitted), "the same round")
	g.Expect(app.Status.ReviewDeadline.Time).To(Equal(endOf("2027-01-05")))
	g.Expect(conds(app)).To(HaveKeyWithValue("ReviewOverdue", "False/WithinDeadline"))
	g.Expect(res.requeueAfter).To(Equal(12 * time.Hour))
	moved := deadlineMoved(&before.Status, &app.Status, with2027)
	g.Expect(moved).NotTo(BeNil())
	g.Expect(moved.event).To(Equal(EventDeadlineMoved))
	g.Expect(moved.warning).To(BeFalse())
	g.Expect(moved.message).To(ContainSubstring("from 2027-01-04 24:00 CST to 2027-01-05 24:00 CST"))
	g.Expect(moved.message).To(ContainSubstring("submission at 2026-12-28 10:00 CST"))

	// Decided: the round is over, its deadline stays what it was.
	app.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, Reviewer: "rhea"}
	before = app.DeepCopy()
	reviewRound(app, noon, only2026, 5)
	g.Expect(app.Status.ReviewDeadline.Time).To(Equal(endOf("2027-01-05")))
	g.Expect(conds(app)).NotTo(HaveKey("DeadlineProvisional"), "a round condition")
	g.Expect(deadlineMoved(&before.Status, &app.Status, only2026)).To(BeNil())

	// A new round is not a moved deadline.
	next := testApp(2, nil)
	next.Status = *before.Status.DeepCopy()
	next.Status.Decision = nil
	reviewRound(next, noon, only2026, 5)
	g.Expect(next.Status.SubmittedGeneration).To(Equal(int64(2)))
	g.Expect(deadlineMoved(&before.Status, &next.Status, only2026)).To(BeNil())
}

// TestProvisionalTransitions: the Warning event comes once per round that opens provisional or
// becomes so, not on every recount.
func TestProvisionalTransitions(t *testing.T) {
	round := func(gen int64, submitted int64, provisional string) *qualv1.CategoryApplication {
		app := testApp(gen, nil, [4]string{"RequirementsMet", "True", "RequirementsMet", "ok"},
			[4]string{"UnderReview", "True", "AwaitingReview", "awaiting"}, [4]string{"ReviewOverdue", "False", "WithinDeadline", "ok"})
		if provisional != "" {
			reason := qualv1.ReasonOutsideCalendarYears
			if provisional == "False" {
				reason = qualv1.ReasonWithinCalendarYears
			}
			setCondition(app, qualv1.ConditionDeadlineProvisional, provisional == "True", reason, "why")
		}
		app.Status.Phase = qualv1.PhaseUnderReview
		app.Status.SubmittedGeneration, app.Status.SubmittedAt = gen, &metav1.Time{Time: time.Unix(submitted, 0)}
		return app
	}
	for _, c := range []struct {
		name          string
		before, after *qualv1.CategoryApplication
		want          []qualv1.NotificationEvent
	}{
		{"opens provisional", testApp(1, nil), round(1, 0, "True"), []qualv1.NotificationEvent{qualv1.EventSubmitted, EventDeadlineProvisional}},
		{"opens within the calendar", testApp(1, nil), round(1, 0, "False"), []qualv1.NotificationEvent{qualv1.EventSubmitted}},
		{"still provisional: a recount", round(1, 0, "True"), round(1, 0, "True"), nil},
		{"becomes provisional (the calendar lost a year)", round(1, 0, "False"), round(1, 0, "True"), []qualv1.NotificationEvent{EventDeadlineProvisional}},
		{"no longer provisional", round(1, 0, "True"), round(1, 0, "False"), nil},
		{"a new round, provisional again (D13)", round(1, 0, "True"), round(2, 60, "True"),
			[]qualv1.NotificationEvent{qualv1.EventSubmitted, EventDeadlineProvisional}},
		{"a new round of the same generation (D19)", round(1, 0, "True"), round(1, 60, "True"),
			[]qualv1.NotificationEvent{qualv1.EventSubmitted, EventDeadlineProvisional}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			var got []qualv1.NotificationEvent
			for _, tr := range transitions(&c.before.Status, &c.after.Status, c.after.Generation) {
				got = append(got, tr.event)
				if tr.event == EventDeadlineProvisional {
					g.Expect(tr.warning).To(BeTrue())
					g.Expect(tr.reason).To(Equal(qualv1.ReasonOutsideCalendarYears))
				}
			}
			g.Expect(got).To(Equal(c.want))
		})
	}
}
