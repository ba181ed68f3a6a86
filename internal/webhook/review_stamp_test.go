package webhook

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestWithdrawalHistory(t *testing.T) {
	at := metav1.NewTime(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	approval := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Reviewer: "wanda", Generation: 2}
	withdraw := &qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardTightened", Generation: 2}
	app := func(d *qualv1.Decision, history int) *qualv1.CategoryApplication {
		a := &qualv1.CategoryApplication{}
		a.Generation = 2
		a.Status.Decision = d
		a.Status.SubmittedAt = &metav1.Time{Time: at.Add(-48 * time.Hour)}
		for i := range history {
			a.Status.History = append(a.Status.History, qualv1.ReviewRecord{Generation: int64(1 - i)})
		}
		return a
	}
	cases := map[string]struct {
		old  *qualv1.CategoryApplication
		d    *qualv1.Decision
		want bool
	}{
		"withdrawal of the approval":       {app(approval, 1), withdraw, true},
		"approval is not a withdrawal":     {app(nil, 0), approval, false},
		"nothing approved to withdraw":     {app(nil, 0), withdraw, false},
		"a rejection cannot be withdrawn":  {app(&qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 2}, 0), withdraw, false},
		"an older generation's approval":   {app(&qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1}, 0), withdraw, false},
		"history full: the oldest is lost": {app(approval, qualv1.MaxHistory), withdraw, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			h, ok := withdrawalHistory(c.old, c.d, at)
			g.Expect(ok).To(Equal(c.want))
			if !ok {
				g.Expect(h).To(BeNil())
				return
			}
			g.Expect(h).To(HaveLen(min(len(c.old.Status.History)+1, qualv1.MaxHistory)))
			g.Expect(h[0]).To(Equal(qualv1.ReviewRecord{Generation: 2, SubmittedAt: c.old.Status.SubmittedAt, Decision: approval, ArchivedAt: &at}))
			g.Expect(h[1]).To(Equal(c.old.Status.History[0]))
			g.Expect(c.old.Status.History[0].Generation).To(Equal(int64(1)), "the old object is not modified")
		})
	}
}
