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

// TestRenderApprovals (D31): describe shows a four-eyes round's progress, and nothing for a
// round that one approval decides.
func TestRenderApprovals(t *testing.T) {
	g := NewWithT(t)
	cst := time.FixedZone("CST", 8*3600)
	decided := metav1.NewTime(time.Date(2026, 12, 8, 2, 12, 0, 0, time.UTC))
	submitted := metav1.NewTime(time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC))
	app := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "rolex", Namespace: "shop-acme", Generation: 1},
		Spec:       qualv1.CategoryApplicationSpec{Category: qualv1.CategoryRef{Group: "watches", Level2: "swiss-watches"}},
		Status: qualv1.CategoryApplicationStatus{Phase: qualv1.PhaseUnderReview, SubmittedGeneration: 1, SubmittedAt: &submitted,
			MaterialsDigest: "sha256:aaaa", Approvals: &qualv1.RoundApprovals{Required: 2, Approvers: []string{"alice"}},
			Decision: &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, MaterialsDigest: "sha256:aaaa", Reviewer: "alice", DecidedAt: &decided}},
	}
	render := func(app *qualv1.CategoryApplication) string {
		var out bytes.Buffer
		g.Expect(Render(&out, View{App: app, Now: decided.Time, Calendar: calendar.New(cst, nil, nil), PolicyProblem: "policy not read"})).To(Succeed())
		return out.String()
	}
	s := render(app)
	g.Expect(s).To(ContainSubstring("Decision:"))
	g.Expect(s).To(MatchRegexp(`(?m)^Decision: +Approved \(generation 1\) by alice at 2026-12-08 10:12 CST$`))
	g.Expect(s).To(MatchRegexp(`(?m)^Approvals: +1 of 2 approvals \(alice\); an approval by another reviewer, who has not approved this round, is needed \(D31\)$`))

	single := app.DeepCopy()
	single.Status.Approvals = nil
	g.Expect(render(single)).NotTo(ContainSubstring("Approvals:"))
}
