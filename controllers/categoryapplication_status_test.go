package controllers

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// testApp is an application at generation gen with the given conditions ({type, status,
// reason, message}), as the steps before summarize left it.
func testApp(gen int64, d *qualv1.Decision, conds ...[4]string) *qualv1.CategoryApplication {
	app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gold", Generation: gen}}
	app.Spec.Merchant.AppID = "wx0123456789abcdef"
	app.Spec.Category = qualv1.CategoryRef{Group: "jewelry", Level2: "gold"}
	app.Status.Decision = d
	app.Status.ObservedGeneration = gen
	for _, c := range conds {
		meta.SetStatusCondition(&app.Status.Conditions, metav1.Condition{Type: c[0], Status: metav1.ConditionStatus(c[1]),
			Reason: c[2], Message: c[3], ObservedGeneration: gen})
	}
	return app
}

// conds renders conditions as type -> "Status/Reason", absent ones omitted.
func conds(app *qualv1.CategoryApplication) map[string]string {
	out := map[string]string{}
	for _, c := range app.Status.Conditions {
		out[c.Type] = string(c.Status) + "/" + c.Reason
	}
	return out
}

func TestSummarize(t *testing.T) {
	approved := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, Reviewer: "rhea"}
	for _, c := range []struct {
		name      string
		app       *qualv1.CategoryApplication
		duplicate bool
		phase     qualv1.ApplicationPhase
		want      map[string]string // Ready, Stalled, Reconciling: "" means absent
		kstatus   string
		argo      string
	}{
		{"requirements not met", testApp(1, nil,
			[4]string{"RequirementsMet", "False", "RequirementsNotMet", "platform JD is not accepted (D11)"},
			[4]string{"UnderReview", "False", "RequirementsNotMet", "not under review"},
			[4]string{"Reconciling", "True", "ReconcileError", "retrying"}),
			false, qualv1.PhaseIncomplete,
			map[string]string{"Ready": "False/RequirementsNotMet", "Stalled": "True/RequirementsNotMet", "Reconciling": ""},
			"Failed", "Degraded"},
		{"under review, after being incomplete", testApp(1, nil,
			[4]string{"RequirementsMet", "True", "RequirementsMet", "ok"},
			[4]string{"UnderReview", "True", "AwaitingReview", "awaiting a reviewer"},
			[4]string{"ReviewOverdue", "False", "WithinDeadline", "not yet"},
			[4]string{"Ready", "False", "RequirementsNotMet", "x"},
			[4]string{"Stalled", "True", "RequirementsNotMet", "x"}),
			false, qualv1.PhaseUnderReview,
			map[string]string{"Ready": "", "Stalled": "", "Reconciling": ""},
			"Current", "Suspended"},
		{"under review, deadline passed", testApp(1, nil,
			[4]string{"RequirementsMet", "True", "RequirementsMet", "ok"},
			[4]string{"UnderReview", "True", "AwaitingReview", "awaiting a reviewer"},
			[4]string{"ReviewOverdue", "True", "DeadlinePassed", "late"}),
			false, qualv1.PhaseUnderReview,
			map[string]string{"Ready": "", "Stalled": ""},
			"Current", "Suspended"},
		{"approved and listed, after a rejection", testApp(2, approved,
			[4]string{"Approved", "True", "Approved", "Approved"},
			[4]string{"Rejected", "False", "Approved", "Approved"},
			[4]string{"Listed", "True", "ListingActive", "ShowcaseListing gold is Active"},
			[4]string{"Stalled", "True", "Rejected", "old"}),
			false, qualv1.PhaseApproved,
			map[string]string{"Ready": "True/Approved", "Stalled": ""},
			"Current", "Healthy"},
		{"approved, policy since tightened", testApp(2, approved,
			[4]string{"RequirementsMet", "False", "RequirementsNotMet", "D24"},
			[4]string{"Approved", "True", "Approved", "Approved"},
			[4]string{"PolicyCompliant", "False", "Noncompliant", "D24"},
			[4]string{"Listed", "True", "ListingActive", "ShowcaseListing gold is Active"}),
			false, qualv1.PhaseApproved,
			map[string]string{"Ready": "True/Approved", "Stalled": ""},
			"Current", "Healthy"},
		{"approved, listing expired", testApp(2, approved,
			[4]string{"Approved", "True", "Approved", "Approved"},
			[4]string{"Listed", "False", "ListingExpired", "ShowcaseListing gold is Expired"}),
			false, qualv1.PhaseApproved,
			map[string]string{"Ready": "False/ListingExpired", "Stalled": "True/ListingExpired"},
			"Failed", "Degraded"},
		{"approved, listing not ours", testApp(2, approved,
			[4]string{"Approved", "True", "Approved", "Approved"},
			[4]string{"Listed", "False", "ListingConflict", "a ShowcaseListing exists that this application does not own"}),
			false, qualv1.PhaseApproved,
			map[string]string{"Ready": "False/ListingConflict", "Stalled": "True/ListingConflict"},
			"Failed", "Degraded"},
		{"approved, listing not made yet", testApp(2, approved,
			[4]string{"Approved", "True", "Approved", "Approved"}),
			false, qualv1.PhaseApproved,
			map[string]string{"Ready": "False/ListingPending", "Stalled": ""},
			"InProgress", "Progressing"},
		{"rejected", testApp(2, &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 2, Reason: "SealIllegible"},
			[4]string{"Rejected", "True", "SealIllegible", "Rejected: SealIllegible: the seal is not legible"},
			[4]string{"Listed", "False", "ListingSuspended", "suspended"}),
			false, qualv1.PhaseRejected,
			map[string]string{"Ready": "False/Rejected", "Stalled": "True/Rejected"},
			"Failed", "Degraded"},
		{"withdrawn", testApp(2, &qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Generation: 2},
			[4]string{"Approved", "False", "Withdrawn", "Withdrawn by vera: StandardTightened"}),
			false, qualv1.PhaseWithdrawn,
			map[string]string{"Ready": "False/Withdrawn", "Stalled": "True/Withdrawn"},
			"Failed", "Degraded"},
		{"duplicate", func() *qualv1.CategoryApplication {
			a := testApp(1, nil, [4]string{"Reconciling", "True", "ReconcileError", "x"})
			markDuplicate(a, testApp(1, nil))
			return a
		}(), true, qualv1.PhaseDuplicate,
			map[string]string{"Ready": "False/Duplicate", "Stalled": "True/Duplicate", "Reconciling": ""},
			"Failed", "Degraded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			app := c.app
			app.Status.ObservedGeneration = app.Generation - 1
			summarize(app, c.duplicate)
			g.Expect(app.Status.Phase).To(Equal(c.phase))
			g.Expect(app.Status.ObservedGeneration).To(Equal(app.Generation))
			got := conds(app)
			for typ, want := range c.want {
				if want == "" {
					g.Expect(got).NotTo(HaveKey(typ))
				} else {
					g.Expect(got).To(HaveKeyWithValue(typ, want))
				}
			}
			g.Expect(KstatusProblems(app)).To(BeEmpty())
			ks, argo, err := Verdicts(app)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect([]string{ks, argo}).To(Equal([]string{c.kstatus, c.argo}))
		})
	}
}

func TestSummarizeMessagesSayWhatToDo(t *testing.T) {
	g := NewWithT(t)
	app := testApp(2, &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 2},
		[4]string{"Rejected", "True", "SealIllegible", "Rejected: the seal is not legible"})
	summarize(app, false)
	g.Expect(meta.FindStatusCondition(app.Status.Conditions, "Stalled").Message).To(
		Equal("Rejected: the seal is not legible; fix the application and apply it again to resubmit (D13)"))
	g.Expect(meta.FindStatusCondition(app.Status.Conditions, "Ready").Message).To(ContainSubstring("the seal is not legible"))
}

var (
	listedApp = func() *qualv1.CategoryApplication {
		a := testApp(2, &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2},
			[4]string{"Approved", "True", "Approved", "Approved"},
			[4]string{"Listed", "True", "ListingActive", "Active"})
		summarize(a, false)
		return a
	}
	incompleteApp = func() *qualv1.CategoryApplication {
		a := testApp(1, nil, [4]string{"RequirementsMet", "False", "RequirementsNotMet", "D19"})
		summarize(a, false)
		return a
	}
	forbidden = apierrors.NewForbidden(schema.GroupResource{Group: qualv1.GroupVersion.Group, Resource: "showcaselistings"}, "gold",
		errors.New("RBAC: not allowed"))
)

func TestOutcome(t *testing.T) {
	t.Run("success keeps the steps' status and events", func(t *testing.T) {
		g := NewWithT(t)
		s := &appState{app: listedApp(), before: incompleteApp(), events: []transition{{event: qualv1.EventApproved}}}
		res, err := outcome(s, time.Minute, nil)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.RequeueAfter).To(Equal(time.Minute))
		g.Expect(s.app.Status.Phase).To(Equal(qualv1.PhaseApproved))
		g.Expect(s.events).To(HaveLen(1))
	})
	t.Run("a transient error: Reconciling, Ready False, a warning once, the steps' changes dropped", func(t *testing.T) {
		g := NewWithT(t)
		before := listedApp()
		app := before.DeepCopy()
		meta.RemoveStatusCondition(&app.Status.Conditions, "Approved") // a step's partial change
		s := &appState{app: app, before: before}
		res, err := outcome(s, time.Minute, forbidden)
		g.Expect(err).To(MatchError(forbidden))
		g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(BeFalse(), "retried with backoff")
		g.Expect(res.RequeueAfter).To(BeZero())
		got := conds(s.app)
		g.Expect(got).To(HaveKeyWithValue("Reconciling", "True/ReconcileError"))
		g.Expect(got).To(HaveKeyWithValue("Ready", "False/ReconcileError"))
		g.Expect(got).To(HaveKeyWithValue("Approved", "True/Approved"), "partial changes are not stored")
		g.Expect(s.app.Status.Phase).To(Equal(qualv1.PhaseApproved))
		g.Expect(KstatusProblems(s.app)).To(BeEmpty())
		ks, argo, _ := Verdicts(s.app)
		g.Expect([]string{ks, argo}).To(Equal([]string{"InProgress", "Progressing"}))
		g.Expect(eventNames(s.events)).To(Equal([]string{qualv1.ReasonReconcileError}))
		g.Expect(s.events[0].warning).To(BeTrue())
		g.Expect(s.events[0].message).To(ContainSubstring("RBAC: not allowed"))

		// The same error on the next attempt: no second event.
		again := &appState{app: s.app.DeepCopy(), before: s.app.DeepCopy()}
		_, err = outcome(again, 0, forbidden)
		g.Expect(err).To(HaveOccurred())
		g.Expect(again.events).To(BeEmpty())
		// A different error is news.
		again = &appState{app: s.app.DeepCopy(), before: s.app.DeepCopy()}
		_, _ = outcome(again, 0, errors.New("etcdserver: request timed out"))
		g.Expect(again.events).To(HaveLen(1))
	})
	t.Run("a transient error on a stalled application is not stalled any more", func(t *testing.T) {
		g := NewWithT(t)
		s := &appState{app: incompleteApp(), before: incompleteApp()}
		_, err := outcome(s, 0, errors.New("connection refused"))
		g.Expect(err).To(HaveOccurred())
		g.Expect(conds(s.app)).NotTo(HaveKey("Stalled"))
		g.Expect(KstatusProblems(s.app)).To(BeEmpty())
	})
	for _, err := range []error{
		apierrors.NewAlreadyExists(schema.GroupResource{Resource: "showcaselistings"}, "gold"),
		apierrors.NewConflict(schema.GroupResource{Resource: "showcaselistings"}, "gold", errors.New("modified")),
	} {
		t.Run("a stale cache waits quietly: "+string(apierrors.ReasonForError(err)), func(t *testing.T) {
			g := NewWithT(t)
			before := testApp(2, nil, [4]string{"UnderReview", "True", "AwaitingReview", "x"})
			app := listedApp()
			s := &appState{app: app, before: before, events: []transition{{event: qualv1.EventApproved}}}
			res, rerr := outcome(s, time.Hour, err)
			g.Expect(rerr).NotTo(HaveOccurred())
			g.Expect(res.RequeueAfter).To(Equal(200 * time.Millisecond))
			g.Expect(s.app.Status).To(Equal(before.Status))
			g.Expect(s.events).To(BeEmpty(), "the transitions are found again by the retry")
		})
	}
	t.Run("a refused request stalls until the application changes", func(t *testing.T) {
		g := NewWithT(t)
		invalid := apierrors.NewInvalid(qualv1.GroupVersion.WithKind("ShowcaseListing").GroupKind(), "gold",
			field.ErrorList{field.Invalid(field.NewPath("spec", "validUntil"), "x", "bad date")})
		before := testApp(2, nil, [4]string{"UnderReview", "True", "AwaitingReview", "x"},
			[4]string{"Reconciling", "True", "ReconcileError", "old"}, [4]string{"Ready", "False", "ReconcileError", "old"})
		s := &appState{app: before.DeepCopy(), before: before}
		res, err := outcome(s, time.Hour, invalid)
		g.Expect(errors.Is(err, reconcile.TerminalError(nil))).To(BeTrue(), "not retried")
		g.Expect(res.RequeueAfter).To(BeZero())
		got := conds(s.app)
		g.Expect(got).To(HaveKeyWithValue("Stalled", "True/RequestRefused"))
		g.Expect(got).To(HaveKeyWithValue("Ready", "False/RequestRefused"))
		g.Expect(got).NotTo(HaveKey("Reconciling"))
		g.Expect(KstatusProblems(s.app)).To(BeEmpty())
		ks, argo, _ := Verdicts(s.app)
		g.Expect([]string{ks, argo}).To(Equal([]string{"Failed", "Degraded"}))
		g.Expect(eventNames(s.events)).To(Equal([]string{qualv1.ReasonRequestRefused}))
	})
}

func eventNames(trs []transition) []string {
	var out []string
	for _, t := range trs {
		out = append(out, string(t.event))
	}
	return out
}

func TestTransitions(t *testing.T) {
	underReview := testApp(1, nil, [4]string{"RequirementsMet", "True", "RequirementsMet", "ok"},
		[4]string{"UnderReview", "True", "AwaitingReview", "awaiting"}, [4]string{"ReviewOverdue", "False", "WithinDeadline", "ok"})
	underReview.Status.SubmittedGeneration, underReview.Status.SubmittedAt = 1, &metav1.Time{Time: time.Unix(0, 0)}
	with := func(a *qualv1.CategoryApplication, phase qualv1.ApplicationPhase, cs ...[4]string) *qualv1.CategoryApplication {
		a = a.DeepCopy()
		a.Status.Phase = phase
		for _, c := range cs {
			meta.SetStatusCondition(&a.Status.Conditions, metav1.Condition{Type: c[0], Status: metav1.ConditionStatus(c[1]), Reason: c[2], Message: c[3]})
		}
		return a
	}
	listed := with(underReview, qualv1.PhaseApproved, [4]string{"Approved", "True", "Approved", "ok"}, [4]string{"Listed", "True", "ListingActive", "Active"})
	round := func(a *qualv1.CategoryApplication, digest string) *qualv1.CategoryApplication {
		a = a.DeepCopy()
		a.Status.MaterialsDigest = digest
		return a
	}
	for _, c := range []struct {
		name          string
		before, after *qualv1.CategoryApplication
		want          []qualv1.NotificationEvent
	}{
		{"nothing changed: nothing to say", listed, listed, nil},
		{"submitted", testApp(1, nil), underReview, []qualv1.NotificationEvent{qualv1.EventSubmitted}},
		{"a new round of the same generation in the same second (D19)", round(underReview, "sha256:1"), round(underReview, "sha256:2"),
			[]qualv1.NotificationEvent{qualv1.EventSubmitted}},
		{"the round records its digest", underReview, round(underReview, "sha256:1"), nil},
		{"requirements broke under review", underReview, with(underReview, qualv1.PhaseIncomplete, [4]string{"RequirementsMet", "False", "RequirementsNotMet", "D19"}),
			[]qualv1.NotificationEvent{qualv1.EventRequirementsNotMet}},
		{"requirements broke once approved (D29)", listed, with(listed, qualv1.PhaseApproved, [4]string{"RequirementsMet", "False", "RequirementsNotMet", "D24"},
			[4]string{"PolicyCompliant", "False", "Noncompliant", "D24"}),
			[]qualv1.NotificationEvent{qualv1.EventPolicyNoncompliant}},
		{"an edit broke requirements while listed on an earlier approval", listed, with(listed, qualv1.PhaseIncomplete,
			[4]string{"RequirementsMet", "False", "RequirementsNotMet", "D19"}, [4]string{"PolicyCompliant", "False", "Noncompliant", "D19"}),
			[]qualv1.NotificationEvent{qualv1.EventRequirementsNotMet, qualv1.EventPolicyNoncompliant}},
		{"overdue", underReview, with(underReview, qualv1.PhaseUnderReview, [4]string{"ReviewOverdue", "True", "DeadlinePassed", "late"}),
			[]qualv1.NotificationEvent{qualv1.EventReviewOverdue}},
		{"approved and listed at once", underReview, listed, []qualv1.NotificationEvent{qualv1.EventApproved, qualv1.EventListed}},
		{"rejected", underReview, with(underReview, qualv1.PhaseRejected, [4]string{"Rejected", "True", "SealIllegible", "no"}),
			[]qualv1.NotificationEvent{qualv1.EventRejected}},
		{"withdrawn: listing suspended", listed, with(listed, qualv1.PhaseWithdrawn, [4]string{"Approved", "False", "Withdrawn", "w"},
			[4]string{"Listed", "False", "ListingSuspended", "Suspended"}),
			[]qualv1.NotificationEvent{qualv1.EventWithdrawn, qualv1.EventListingSuspended}},
		{"a listing never active is not suspended", underReview, with(underReview, qualv1.PhaseRejected, [4]string{"Listed", "False", "ListingSuspended", "Suspended"}), nil},
		{"expired", listed, with(listed, qualv1.PhaseApproved, [4]string{"Listed", "False", "ListingExpired", "Expired"}),
			[]qualv1.NotificationEvent{qualv1.EventListingExpired}},
		{"a listing that is not ours", underReview, with(underReview, qualv1.PhaseApproved, [4]string{"Approved", "True", "Approved", "ok"},
			[4]string{"Listed", "False", "ListingConflict", "not ours"}),
			[]qualv1.NotificationEvent{qualv1.EventApproved, qualv1.ReasonListingConflict}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			var got []qualv1.NotificationEvent
			for _, tr := range transitions(&c.before.Status, &c.after.Status, 1) {
				got = append(got, tr.event)
				g.Expect(tr.message).NotTo(BeEmpty())
			}
			g.Expect(got).To(Equal(c.want))
		})
	}
}
