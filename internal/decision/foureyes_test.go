package decision

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// fourEyes is a round of generation 2 that needs required approvals, approved by approvers
// in order: the last is status.decision, the others archived with the round, as the status
// webhook writes them.
func fourEyes(required int32, approvers ...string) *qualv1.CategoryApplication {
	app := underReview(2)
	submitted := metav1.NewTime(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	app.Status.SubmittedGeneration, app.Status.SubmittedAt = 2, &submitted
	app.Status.Approvals = &qualv1.RoundApprovals{Required: required}
	for _, a := range approvers {
		if app.Status.Decision != nil {
			app.Status.ArchiveDecision(metav1.Now())
		}
		app.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 2, MaterialsDigest: "sha256:aaaa", Reviewer: a}
	}
	return app
}

func TestRoundApprovers(t *testing.T) {
	g := NewWithT(t)
	g.Expect(RoundApprovers(fourEyes(2))).To(BeNil())
	g.Expect(RoundApprovers(fourEyes(3, "alice", "bob", "carol"))).To(Equal([]string{"alice", "bob", "carol"}))

	// An approval of an earlier round of the same generation (another submission time, or
	// other materials) does not count.
	earlier := fourEyes(2, "alice", "bob")
	earlier.Status.History[0].SubmittedAt = &metav1.Time{Time: earlier.Status.SubmittedAt.Add(-time.Hour)}
	g.Expect(RoundApprovers(earlier)).To(Equal([]string{"bob"}))
	otherFiles := fourEyes(2, "alice", "bob")
	otherFiles.Status.History[0].MaterialsDigest = "sha256:bbbb"
	g.Expect(RoundApprovers(otherFiles)).To(Equal([]string{"bob"}))

	rejected := fourEyes(2, "alice")
	rejected.Status.ArchiveDecision(metav1.Now())
	rejected.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 2, Reviewer: "bob"}
	g.Expect(RoundApprovers(rejected)).To(BeNil())
}

func TestPending(t *testing.T) {
	for _, tc := range []struct {
		name     string
		app      *qualv1.CategoryApplication
		pending  bool
		progress string
	}{
		{"no decision", fourEyes(2), false, ""},
		{"one of two", fourEyes(2, "alice"), true, "1 of 2 approvals (alice)"},
		{"two of two", fourEyes(2, "alice", "bob"), false, ""},
		{"two of three", fourEyes(3, "alice", "bob"), true, "2 of 3 approvals (alice, bob)"},
		{"one approval decides without a record", func() *qualv1.CategoryApplication {
			app := fourEyes(2, "alice")
			app.Status.Approvals = nil
			return app
		}(), false, ""},
		{"the spec moved on", func() *qualv1.CategoryApplication {
			app := fourEyes(2, "alice")
			app.Generation = 3
			return app
		}(), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(Pending(tc.app)).To(Equal(tc.pending))
			g.Expect(Progress(tc.app)).To(Equal(tc.progress))
		})
	}
	moved := fourEyes(2, "alice")
	moved.Generation = 3
	NewWithT(t).Expect(Short(moved)).To(BeTrue(), "the closing round's approval is short: it must not take effect")
}

// A pending approval decides nothing: another reviewer approves or anyone rejects over it; a
// withdrawal needs an approval in effect or an Active listing (D29, D31).
func TestAllowedFourEyes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		app     *qualv1.CategoryApplication
		verdict qualv1.Verdict
		want    string
	}{
		{"second approval", fourEyes(2, "alice"), qualv1.VerdictApproved, ""},
		{"rejection after one approval", fourEyes(2, "alice"), qualv1.VerdictRejected, ""},
		{"third approval of a complete round", fourEyes(2, "alice", "bob"), qualv1.VerdictApproved, "was already approved by bob"},
		{"withdraw a pending approval", fourEyes(2, "alice"), qualv1.VerdictWithdrawn, "is not approved (phase UnderReview) and has no Active listing"},
		{"withdraw a complete approval", fourEyes(2, "alice", "bob"), qualv1.VerdictWithdrawn, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := Allowed(tc.app, qualv1.Decision{Verdict: tc.verdict, Generation: 2, MaterialsDigest: "sha256:aaaa"})
			if tc.want == "" {
				g.Expect(r).To(BeNil())
				return
			}
			g.Expect(r).NotTo(BeNil())
			g.Expect(r.Message).To(ContainSubstring(tc.want))
		})
	}
	listed := fourEyes(2, "alice")
	listed.Status.Conditions = append(listed.Status.Conditions, metav1.Condition{Type: qualv1.ConditionListed, Status: metav1.ConditionTrue, ObservedGeneration: 2})
	NewWithT(t).Expect(Allowed(listed, qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Generation: 2})).To(BeNil(),
		"the listing of an earlier approval can always be withdrawn")
}

func TestApprover(t *testing.T) {
	g := NewWithT(t)
	app := fourEyes(3, "alice", "bob")
	for _, u := range []string{"alice", "bob"} {
		r := Approver(app, qualv1.VerdictApproved, u)
		g.Expect(r).NotTo(BeNil(), u)
		g.Expect(r.Forbidden).To(BeTrue())
		g.Expect(r.Message).To(Equal(`user "` + u + `" already approved generation 2 of acme-gold in this round (2 of 3 approvals (alice, bob)): ` +
			`its 3 approvals come from 3 different reviewers (D31)`))
		g.Expect(Approver(app, qualv1.VerdictRejected, u)).To(BeNil(), "an approver may still reject")
	}
	g.Expect(Approver(app, qualv1.VerdictApproved, "carol")).To(BeNil())
	g.Expect(Approver(fourEyes(2, "alice", "bob"), qualv1.VerdictApproved, "alice")).To(BeNil(), "a complete round: Allowed refuses, D17")
}
