package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
	"github.com/channelshop/category-operator/internal/testenv"
)

const calendarMetric = "category_calendar_last_covered_day_timestamp_seconds"

// installCalendar applies the shipped calendar; the suite runs without one, so the test's
// cleanup deletes it again.
func installCalendar(t *testing.T) *corev1.ConfigMap {
	t.Helper()
	cm, err := env.InstallCalendar(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := client.IgnoreNotFound(admin.Delete(context.Background(), cm)); err != nil {
			t.Error(err)
		}
	})
	return cm
}

func editCalendar(t *testing.T, cm *corev1.ConfigMap, edit func(data map[string]string)) {
	t.Helper()
	if err := admin.Get(context.Background(), client.ObjectKeyFromObject(cm), cm); err != nil {
		t.Fatal(err)
	}
	edit(cm.Data)
	if err := admin.Update(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
}

// shanghaiEnd is the end of a day in Shanghai (the deadline instant), in UTC as stored.
func shanghaiEnd(day string) time.Time {
	d, err := calendar.ParseDate(day)
	if err != nil {
		panic(err)
	}
	return d.AddDays(1).Start(calendar.Default().Location()).UTC()
}

// TestProvisionalDeadline is the case (D5): a shop round submitted Mon 2026-12-28 with
// a calendar of 2026 only counts Fri 2027-01-01 as a working day, and says the deadline is
// provisional; once 2027 is added with New Year's Day off, the open round's deadline is
// recomputed from its submission, one working day later and no longer provisional; and
// ReviewOverdue follows the deadline in force.
func TestProvisionalDeadline(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	start := clock.Now()
	t.Cleanup(func() { clock.SetTime(start) })
	clock.SetTime(time.Date(2026, 12, 28, 2, 0, 0, 0, time.UTC)) // Mon 10:00 in Shanghai

	cm := installCalendar(t) // the shipped calendar: years "2026"

	ns := newNamespace(t, "shop-calendar-years")
	sampleSecrets(t, ns)
	g.Expect(admin.Create(ctx, sampleApp(t, ns, "gold", nextAppID(), "gold"))).To(Succeed())
	app := waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	submitted := app.Status.SubmittedAt.Time
	// Tue 29, Wed 30, Thu 31, Fri 1 (unknown: a weekday), Mon 4.
	g.Expect(app.Status.ReviewDeadline.Time).To(BeTemporally("==", shanghaiEnd("2027-01-04")))
	c := condition(app, qualv1.ConditionDeadlineProvisional)
	g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(c.Reason).To(Equal(qualv1.ReasonOutsideCalendarYears))
	g.Expect(c.Message).To(And(ContainSubstring("2027-01-01"), ContainSubstring("years 2026")))
	g.Expect(condition(app, qualv1.ConditionReviewOverdue).Status).To(Equal(metav1.ConditionFalse))
	eventually(g, func(g Gomega) {
		g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("DeadlineProvisional", 1))
	}).Should(Succeed())
	// A resync changes nothing and raises nothing.
	touch(t, app)
	g.Consistently(func(g Gomega) {
		g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("DeadlineProvisional", 1))
	}).WithTimeout(time.Second).Should(Succeed())

	// The platform team adds 2027, with New Year's Day off. No one touches the application.
	editCalendar(t, cm, func(data map[string]string) {
		data[calendar.KeyYears] = "2026..2027"
		data[calendar.KeyHolidays] += "2027-01-01  # New Year's Day\n"
	})
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		// Tue 29, Wed 30, Thu 31, Mon 4, Tue 5.
		g.Expect(app.Status.ReviewDeadline.Time).To(BeTemporally("==", shanghaiEnd("2027-01-05")))
		g.Expect(condition(app, qualv1.ConditionDeadlineProvisional).Status).To(Equal(metav1.ConditionFalse))
	}).Should(Succeed())
	g.Expect(app.Status.SubmittedAt.Time).To(BeTemporally("==", submitted), "the same round")
	g.Expect(condition(app, qualv1.ConditionDeadlineProvisional).Reason).To(Equal(qualv1.ReasonWithinCalendarYears))
	g.Expect(condition(app, qualv1.ConditionUnderReview).Message).To(ContainSubstring("2027-01-06T00:00:00+08:00"))
	eventually(g, func(g Gomega) {
		evs := events(g, ns, "gold")
		g.Expect(evs).To(HaveKeyWithValue("DeadlineMoved", 1))
		g.Expect(evs).To(HaveKeyWithValue("DeadlineProvisional", 1))
		g.Expect(evs).To(HaveKeyWithValue("Submitted", 1), "a moved deadline is not a new round")
	}).Should(Succeed())
	g.Expect(eventNotes(g, ns, "gold", "DeadlineMoved")).To(ContainElement(
		ContainSubstring("from 2027-01-04 24:00 CST to 2027-01-05 24:00 CST")))

	// Tue 5 January, noon: within the new deadline, past the old one.
	clock.SetTime(time.Date(2027, 1, 5, 4, 0, 0, 0, time.UTC))
	touch(t, app)
	g.Consistently(func(g Gomega) {
		g.Expect(condition(getApp(g, ns, "gold"), qualv1.ConditionReviewOverdue).Status).To(Equal(metav1.ConditionFalse))
	}).WithTimeout(time.Second).Should(Succeed())
	// The holiday was a typo after all: the deadline moves back, and has passed.
	editCalendar(t, cm, func(data map[string]string) {
		data[calendar.KeyHolidays] = strings.Replace(data[calendar.KeyHolidays], "2027-01-01  # New Year's Day\n", "", 1)
	})
	eventually(g, func(g Gomega) {
		app = getApp(g, ns, "gold")
		g.Expect(app.Status.ReviewDeadline.Time).To(BeTemporally("==", shanghaiEnd("2027-01-04")))
		g.Expect(condition(app, qualv1.ConditionReviewOverdue).Status).To(Equal(metav1.ConditionTrue))
		g.Expect(condition(app, qualv1.ConditionDeadlineProvisional).Status).To(Equal(metav1.ConditionFalse))
		g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("DeadlineMoved", 2))
	}).Should(Succeed())
}

// TestCalendarUnavailable: without a calendar ConfigMap, or with an invalid one, deadlines
// count weekends only and say so (DeadlineProvisional, CalendarUnavailable); an invalid one
// raises a Warning event on the ConfigMap; the metric of the last covered day is 0 until a
// valid calendar is in force.
func TestCalendarUnavailable(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "shop-calendar-missing")
	sampleSecrets(t, ns)

	g.Expect(admin.Create(ctx, sampleApp(t, ns, "gold", nextAppID(), "gold"))).To(Succeed())
	app := waitPhase(g, ns, "gold", qualv1.PhaseUnderReview)
	c := condition(app, qualv1.ConditionDeadlineProvisional)
	g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(c.Reason).To(Equal(qualv1.ReasonCalendarUnavailable))
	g.Expect(c.Message).To(ContainSubstring(testenv.OperatorNamespace + "/category-operator-calendar: not found"))
	eventually(g, func(g Gomega) {
		g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("DeadlineProvisional", 1))
		g.Expect(gauge(metricsFamilies(g), calendarMetric, nil)).To(BeZero())
	}).Should(Succeed())

	// Installed with a year typo: invalid. The applications say why, and so does an event on
	// the ConfigMap, for whoever edits it.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: testenv.OperatorNamespace, Name: "category-operator-calendar"},
		Data: map[string]string{calendar.KeyYears: "2026", calendar.KeyHolidays: "2026-10-01..2026-10-07\n2062-10-01\n"}}
	g.Expect(admin.Create(ctx, cm)).To(Succeed())
	t.Cleanup(func() { g.Expect(client.IgnoreNotFound(admin.Delete(context.Background(), cm))).To(Succeed()) })
	eventually(g, func(g Gomega) {
		c := condition(getApp(g, ns, "gold"), qualv1.ConditionDeadlineProvisional)
		g.Expect(c.Reason).To(Equal(qualv1.ReasonCalendarUnavailable))
		g.Expect(c.Message).To(ContainSubstring("2062-10-01 is not in years (2026)"))
		g.Expect(eventNotes(g, testenv.OperatorNamespace, cm.Name, "CalendarInvalid")).To(ContainElement(
			ContainSubstring("2062-10-01 is not in years (2026)")))
	}).Should(Succeed())
	g.Expect(gauge(metricsFamilies(g), calendarMetric, nil)).To(BeZero())

	// Fixed: a deadline within 2026 is no longer provisional, and the metric says the calendar
	// runs to the start of 2026-12-31 in Shanghai.
	editCalendar(t, cm, func(data map[string]string) {
		data[calendar.KeyHolidays] = strings.Replace(data[calendar.KeyHolidays], "2062-10-01\n", "", 1)
	})
	eventually(g, func(g Gomega) {
		c := condition(getApp(g, ns, "gold"), qualv1.ConditionDeadlineProvisional)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(qualv1.ReasonWithinCalendarYears))
		g.Expect(gauge(metricsFamilies(g), calendarMetric, nil)).To(BeNumerically("==",
			time.Date(2026, 12, 31, 0, 0, 0, 0, calendar.Default().Location()).Unix()))
	}).Should(Succeed())
	g.Expect(events(g, ns, "gold")).To(HaveKeyWithValue("DeadlineProvisional", 1))
}

// eventNotes lists the messages of the events about an object with a reason.
func eventNotes(g Gomega, ns, name, reason string) []string {
	var list corev1.EventList
	g.Expect(admin.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name && e.Reason == reason {
			out = append(out, e.Message)
		}
	}
	return out
}
