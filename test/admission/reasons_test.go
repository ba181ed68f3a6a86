package admission_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestRejectionReasonsWithoutWebhooks (D32) with the admission policies alone: a rejection
// under the jewelry policy names a code of its rejection reasons (the refusal lists them), a
// title or guidance sent with it is the policy's or refused; a client that leaves them out
// still gets them into the merchant's notification, from the policy, through the operator.
func TestRejectionReasonsWithoutWebhooks(t *testing.T) {
	g := NewWithT(t)
	fx.Policies(t)
	fx.ClusterRole(t, "reviewer_role.yaml", "rr-rita")
	rita := fx.Client(t, "rr-rita")
	app := underReview(t, g, "shop-rr", "rr-maria")
	ns := app.Namespace
	policy := &qualv1.CategoryPolicy{}
	g.Expect(env.Admin.Get(context.Background(), client.ObjectKey{Name: "jewelry"}, policy)).To(Succeed())
	var subject qualv1.RejectionReason
	for _, r := range policy.Spec.RejectionReasons {
		if r.Code == "SubjectMismatch" {
			subject = r
		}
	}
	reject := func(code, title, guidance string) error {
		return fx.Decide(rita, app, func(cur *qualv1.CategoryApplication) *qualv1.Decision {
			d := as("rr-rita", qualv1.VerdictRejected)(cur)
			d.Reason, d.Title, d.Guidance = code, title, guidance
			return d
		})
	}
	g.Expect(reject("Changed", "", "")).To(MatchError(ContainSubstring(
		`status.decision.reason: Invalid value: "Changed": "Changed" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterMissing, FilingLetterUnsealed, `)))
	g.Expect(reject("Subjectmismatch", "", "")).To(MatchError(ContainSubstring("(did you mean SubjectMismatch? codes are case-sensitive)")))
	g.Expect(reject("SubjectMismatch", subject.Title, "Pay us to pass")).To(MatchError(ContainSubstring(
		"title and guidance of reason SubjectMismatch are those of category group jewelry's rejection reasons, copied as they are (D32)")))
	g.Expect(fx.Get(g, ns, "gold").Status.Decision).To(BeNil())

	g.Expect(reject("SubjectMismatch", "", "")).To(Succeed())
	app = fx.WaitPhase(g, ns, "gold", qualv1.PhaseRejected)
	var rec *qualv1.NotificationRecord
	for i, r := range app.Status.Notifications {
		if r.Event == qualv1.EventRejected {
			rec = &app.Status.Notifications[i]
		}
	}
	g.Expect(rec).NotTo(BeNil(), "the sample's merchant sink is told: %+v", app.Status.Notifications)
	g.Expect([]string{rec.Reason, rec.Title, rec.Guidance}).To(Equal([]string{"SubjectMismatch", subject.Title, subject.Guidance}))
	g.Expect(rec.Message).NotTo(ContainSubstring("rr-rita"))
}
