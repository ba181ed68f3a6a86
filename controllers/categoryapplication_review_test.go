package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

func TestReviewRound(t *testing.T) {
	cal := calendar.Default()
	monday := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	met := [4]string{"RequirementsMet", "True", "RequirementsMet", "ok"}
	notMet := [4]string{"RequirementsMet", "False", "RequirementsNotMet", "D19"}
	decision := func(v qualv1.Verdict, gen int64) *qualv1.Decision {
		return &qualv1.Decision{Verdict: v, Generation: gen, Reviewer: "rhea", Reason: "SealIllegible", Message: "the seal is not legible"}
	}

	t.Run("requirements not met: no round, and nothing of an old one", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(1, nil, notMet, [4]string{"ReviewOverdue", "True", "DeadlinePassed", "late"},
			[4]string{"Approved", "False", "Withdrawn", "w"}, [4]string{"PolicyCompliant", "True", "Compliant", "ok"})
		res := reviewRound(app, monday, cal, 5)
		g.Expect(res).To(Equal(stepResult{}))
		g.Expect(conds(app)).To(Equal(map[string]string{"RequirementsMet": "False/RequirementsNotMet", "UnderReview": "False/RequirementsNotMet"}))
		g.Expect(app.Status.SubmittedGeneration).To(BeZero())
	})
	t.Run("requirements met: a round with a working-day deadline (D5)", func(t *testing.T) {
		g := NewWithT(t)
		for days, want := range map[int32]int{0: 5, 5: 5, 7: 7} {
			app := testApp(1, nil, met)
			res := reviewRound(app, monday, cal, days)
			deadline := cal.Deadline(monday, want).UTC()
			g.Expect(app.Status.SubmittedGeneration).To(Equal(int64(1)))
			g.Expect(app.Status.SubmittedAt.Time).To(Equal(monday))
			g.Expect(app.Status.ReviewDeadline.Time).To(Equal(deadline), "review days %d", days)
			g.Expect(res.requeueAfter).To(Equal(deadline.Sub(monday)), "back at the deadline")
			g.Expect(conds(app)).To(HaveKeyWithValue("UnderReview", "True/AwaitingReview"))
			g.Expect(conds(app)).To(HaveKeyWithValue("ReviewOverdue", "False/WithinDeadline"))
		}
	})
	t.Run("the deadline passes: overdue, once the round started", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(1, nil, met)
		reviewRound(app, monday, cal, 5)
		submitted := app.Status.SubmittedAt.DeepCopy()
		res := reviewRound(app, app.Status.ReviewDeadline.Time, cal, 5)
		g.Expect(res.requeueAfter).To(BeZero())
		g.Expect(conds(app)).To(HaveKeyWithValue("ReviewOverdue", "True/DeadlinePassed"))
		g.Expect(app.Status.SubmittedAt).To(Equal(submitted), "the same round")
	})
	t.Run("approved, policy since tightened: PolicyCompliant=False (D29)", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(2, decision(qualv1.VerdictApproved, 2), notMet, [4]string{"ReviewOverdue", "True", "DeadlinePassed", "late"})
		app.Status.SubmittedGeneration = 2
		reviewRound(app, monday, cal, 5)
		g.Expect(conds(app)).To(Equal(map[string]string{"RequirementsMet": "False/RequirementsNotMet",
			"Approved": "True/Approved", "Rejected": "False/Approved", "UnderReview": "False/Approved",
			"PolicyCompliant": "False/Noncompliant"}))
		g.Expect(app.Status.Decision).NotTo(BeNil())
	})
	t.Run("rejected: the reviewer's reason", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(2, decision(qualv1.VerdictRejected, 2), met, [4]string{"PolicyCompliant", "True", "Compliant", "ok"})
		app.Status.SubmittedGeneration = 2
		reviewRound(app, monday, cal, 5)
		g.Expect(conds(app)).To(Equal(map[string]string{"RequirementsMet": "True/RequirementsMet",
			"Rejected": "True/SealIllegible", "Approved": "False/Rejected", "UnderReview": "False/Rejected"}))
	})
	t.Run("withdrawn", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(2, decision(qualv1.VerdictWithdrawn, 2), notMet)
		app.Status.SubmittedGeneration = 2
		reviewRound(app, monday, cal, 5)
		g.Expect(conds(app)).To(HaveKeyWithValue("Approved", "False/Withdrawn"))
		g.Expect(conds(app)).NotTo(HaveKey("PolicyCompliant"))
	})
	t.Run("a spec change closes the decided round and opens a new one (D13, D17)", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(3, decision(qualv1.VerdictApproved, 2), met, [4]string{"Approved", "True", "Approved", "ok"},
			[4]string{"PolicyCompliant", "True", "Compliant", "ok"})
		app.Status.SubmittedGeneration, app.Status.SubmittedAt = 2, &metav1.Time{Time: monday.Add(-time.Hour)}
		closeRound(app, nil, monday)
		reviewRound(app, monday, cal, 5)
		g.Expect(app.Status.History).To(HaveLen(1))
		g.Expect(app.Status.History[0].Generation).To(Equal(int64(2)))
		g.Expect(app.Status.History[0].Decision.Verdict).To(Equal(qualv1.VerdictApproved))
		g.Expect(app.Status.History[0].ArchivedAt.Time).To(Equal(monday))
		g.Expect(app.Status.Decision).To(BeNil())
		g.Expect(app.Status.SubmittedGeneration).To(Equal(int64(3)))
		g.Expect(conds(app)).NotTo(HaveKey("Approved"))
		g.Expect(conds(app)).NotTo(HaveKey("PolicyCompliant"))
		g.Expect(conds(app)).To(HaveKeyWithValue("UnderReview", "True/AwaitingReview"))
	})
	t.Run("an undecided round about an older generation is archived too", func(t *testing.T) {
		g := NewWithT(t)
		app := testApp(2, nil, notMet)
		app.Status.SubmittedGeneration, app.Status.SubmittedAt = 1, &metav1.Time{Time: monday.Add(-time.Hour)}
		closeRound(app, nil, monday)
		reviewRound(app, monday, cal, 5)
		g.Expect(app.Status.History).To(HaveLen(1))
		g.Expect(app.Status.History[0].Decision).To(BeNil())
		g.Expect(app.Status.SubmittedGeneration).To(BeZero())
	})
}
