package webhook

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/scheme"
	"github.com/channelshop/category-operator/internal/testenv"
)

// TestArchiveReplacedDecision (D13, D29): a decision that replaces another archives it at the
// front of history; the fields check accepts exactly what Mutate writes, and no other change
// of history, with any number of records on file.
func TestArchiveReplacedDecision(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	approval := &qualv1.Decision{Verdict: qualv1.VerdictApproved, Reviewer: "wanda", Generation: 2, MaterialsDigest: "sha256:aaaa"}
	withdraw := &qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardTightened", Message: "m", Generation: 2, Reviewer: "vera"}
	stored := func(d *qualv1.Decision, history int) *qualv1.CategoryApplication {
		a := appUnderReview()
		a.Status.Decision = d
		a.Status.SubmittedAt = &metav1.Time{Time: at.Add(-48 * time.Hour)}
		for i := range history {
			// Older decided rounds with their own digests: nothing may touch them.
			a.Status.History = append(a.Status.History, qualv1.ReviewRecord{Generation: 1, MaterialsDigest: "sha256:old",
				Decision: &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, Reviewer: "x"}, ArchivedAt: &metav1.Time{Time: at.Add(-time.Duration(i+1) * time.Hour)}})
		}
		return a
	}
	w := &Review{Decoder: admission.NewDecoder(scheme.Scheme), Clock: clocktesting.NewFakePassiveClock(at), Operator: "op"}

	for name, old := range map[string]*qualv1.CategoryApplication{
		"after one earlier round": stored(approval, 1),
		"with history full":       stored(approval, qualv1.MaxHistory),
		"with no history":         stored(approval, 0),
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			app := old.DeepCopy()
			app.Status.Decision = withdraw.DeepCopy()
			app.Status.Decision.Reviewer = ""
			resp := w.Mutate(context.Background(), reviewRequest(t, "vera", old, app))
			g.Expect(resp.Allowed).To(BeTrue())
			g.Expect(resp.Patches).To(ContainElement(HaveField("Path", HavePrefix("/status/history"))), "Mutate writes history")
			mutated := old.DeepCopy() // what Mutate writes
			mutated.Status.ArchiveDecision(metav1.NewTime(at))
			mutated.Status.Decision = withdraw

			h := mutated.Status.History
			g.Expect(h).To(HaveLen(min(len(old.Status.History)+1, qualv1.MaxHistory)))
			g.Expect(h[0]).To(Equal(qualv1.ReviewRecord{Generation: 2, SubmittedAt: old.Status.SubmittedAt, MaterialsDigest: "sha256:aaaa",
				Decision: approval, ArchivedAt: &metav1.Time{Time: at}}))
			g.Expect(append([]qualv1.ReviewRecord{}, h[1:]...)).To(Equal(append([]qualv1.ReviewRecord{}, old.Status.History[:len(h)-1]...)),
				"older records unchanged; only the oldest beyond MaxHistory goes")
			g.Expect(mutated.Status.Decision.Reviewer).To(Equal("vera"))
			g.Expect(statusFieldsError(old, mutated)).To(BeEmpty(), "the fields check accepts what Mutate writes")

			for what, forge := range map[string]func(*qualv1.CategoryApplication){
				"the approval lost":       func(a *qualv1.CategoryApplication) { a.Status.History = old.Status.History },
				"the approval's round":    func(a *qualv1.CategoryApplication) { a.Status.History[0].MaterialsDigest = "sha256:bbbb" },
				"no time of archiving":    func(a *qualv1.CategoryApplication) { a.Status.History[0].ArchivedAt = nil },
				"one more record dropped": func(a *qualv1.CategoryApplication) { a.Status.History = a.Status.History[:len(a.Status.History)-1] },
				"an older record rewritten": func(a *qualv1.CategoryApplication) {
					a.Status.History[len(a.Status.History)-1].MaterialsDigest = "sha256:cccc"
				},
				"a record added": func(a *qualv1.CategoryApplication) {
					a.Status.History = append(a.Status.History, qualv1.ReviewRecord{})
				},
			} {
				forged := mutated.DeepCopy()
				forge(forged)
				g.Expect(statusFieldsError(old, forged)).To(Equal(historyAppendOnly), what)
			}
		})
	}

	t.Run("the stored decision sent again within the second archives nothing", func(t *testing.T) {
		g := NewWithT(t)
		decided := approval.DeepCopy()
		decided.DecidedAt = &metav1.Time{Time: at}
		old := stored(decided, 1)
		app := old.DeepCopy()
		app.Status.Decision = approval.DeepCopy()
		app.Status.Decision.Reviewer = ""
		resp := w.Mutate(context.Background(), reviewRequest(t, "wanda", old, app))
		g.Expect(resp.Allowed).To(BeTrue())
		g.Expect(resp.Patches).NotTo(ContainElement(HaveField("Path", HavePrefix("/status/history"))),
			"the admission policy sees no change of decision, so it would refuse a change of history")
	})

	t.Run("a first decision archives nothing, and history stays as it was", func(t *testing.T) {
		g := NewWithT(t)
		old := stored(nil, 2)
		app := old.DeepCopy()
		app.Status.Decision = approval.DeepCopy()
		resp := w.Mutate(context.Background(), reviewRequest(t, "wanda", old, app))
		g.Expect(resp.Patches).NotTo(ContainElement(HaveField("Path", HavePrefix("/status/history"))))
		mutated := app.DeepCopy()
		g.Expect(statusFieldsError(old, mutated)).To(BeEmpty())
		mutated.Status.History = mutated.Status.History[1:]
		g.Expect(statusFieldsError(old, mutated)).To(Equal(historyAppendOnly))
	})
}

// TestStatusPolicyRefusesHistoryInTheSameWords: the admission policy and the webhook give the
// same message.
func TestStatusPolicyRefusesHistoryInTheSameWords(t *testing.T) {
	g := NewWithT(t)
	p, err := os.ReadFile(testenv.RepoPath("config", "admission-policies", "application-status.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(p)).To(ContainSubstring(`message: "` + historyAppendOnly + `"`))
	g.Expect(string(p)).To(ContainSubstring(`message: "` + onlyDecision + `"`))
}
