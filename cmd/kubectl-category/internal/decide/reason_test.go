package decide

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestValidateReason(t *testing.T) {
	g := NewWithT(t)
	g.Expect(ValidateReason("FilingLetterUnreadable")).To(Succeed())
	g.Expect(ValidateReason("D7")).To(Succeed())
	g.Expect(ValidateReason("")).To(MatchError(ContainSubstring("--reason is required")))
	g.Expect(ValidateReason("filingLetterUnreadable")).To(MatchError(
		`--reason "filingLetterUnreadable" is not CamelCase: start with a capital letter and use only letters and digits, e.g. --reason FilingLetterUnreadable (put the explanation in --message)`))
	g.Expect(ValidateReason("filing letter unreadable")).To(MatchError(ContainSubstring("e.g. --reason FilingLetterUnreadable")))
	g.Expect(ValidateReason("Seal_Missing")).To(MatchError(ContainSubstring("e.g. --reason SealMissing")))
	g.Expect(ValidateReason("印章缺失")).To(MatchError(ContainSubstring("is not CamelCase")))
	g.Expect(ValidateReason(strings.Repeat("A", 65))).To(MatchError(ContainSubstring("at most 64")))
}

func TestValidateFlags(t *testing.T) {
	g := NewWithT(t)
	g.Expect((&Options{Verdict: qualv1.VerdictApproved}).Validate()).To(Succeed())
	g.Expect((&Options{Verdict: qualv1.VerdictRejected, Reason: "SealMissing"}).Validate()).To(MatchError(ContainSubstring("--message is required")))
	g.Expect((&Options{Verdict: qualv1.VerdictWithdrawn, Message: "m"}).Validate()).To(MatchError(ContainSubstring("--reason is required")))
	g.Expect((&Options{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardRevised", Message: "m"}).Validate()).To(Succeed())
}
