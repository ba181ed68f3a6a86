package controllers

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestRejectionReasonText(t *testing.T) {
	g := NewWithT(t)
	policy := &qualv1.CategoryPolicy{ObjectMeta: metav1.ObjectMeta{Name: "jewelry"}, Spec: qualv1.CategoryPolicySpec{
		RejectionReasons: []qualv1.RejectionReason{{Code: "SubjectMismatch", Title: "Subject mismatch", Guidance: "Use the license's subject."}}}}
	free := &qualv1.CategoryPolicy{ObjectMeta: metav1.ObjectMeta{Name: "toys"}}
	rejected := func(code, title string) transition {
		return transition{event: qualv1.EventRejected, reason: code, title: title}
	}

	// The decision's own text first; the policy's for a rejection written without it.
	title, guidance := catalogueText(policy, rejected("SubjectMismatch", "as decided"))
	g.Expect([]string{title, guidance}).To(Equal([]string{"as decided", ""}))
	title, guidance = catalogueText(policy, rejected("SubjectMismatch", ""))
	g.Expect([]string{title, guidance}).To(Equal([]string{"Subject mismatch", "Use the license's subject."}))
	title, guidance = catalogueText(policy, rejected("Blurry", ""))
	g.Expect(title + guidance).To(BeEmpty())
	title, _ = catalogueText(nil, rejected("SubjectMismatch", ""))
	g.Expect(title).To(BeEmpty())

	// A rejection with a code outside the catalogue stands, flagged once; none without one.
	events := []transition{rejected("Blurry", ""), {event: qualv1.EventListingSuspended}}
	warnings := reasonWarnings(policy, events)
	g.Expect(warnings).To(HaveLen(1))
	g.Expect(warnings[0].event).To(Equal(EventRejectionReasonUnknown))
	g.Expect(warnings[0].warning).To(BeTrue())
	g.Expect(warnings[0].message).To(HavePrefix(`the rejection's reason "Blurry" is not a rejection reason of category group jewelry (D32): it stands`))
	g.Expect(notifiable[warnings[0].event]).To(BeFalse(), "a warning for the platform, not a notification")
	g.Expect(reasonWarnings(policy, []transition{rejected("SubjectMismatch", "")})).To(BeEmpty())
	g.Expect(reasonWarnings(free, events)).To(BeEmpty(), "free reasons")
	g.Expect(reasonWarnings(nil, events)).To(BeEmpty())
}
