package decide

import (
	"io"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
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
	f := factory.New(io.Discard)
	ns, ctx, as := "shop-acme", "prod", "rita"
	f.ConfigFlags.Namespace, f.ConfigFlags.Context, f.ConfigFlags.Impersonate = &ns, &ctx, &as
	approve := func(gen int64, digest string) *Options {
		return &Options{Factory: f, Name: "acme-gold", Verdict: qualv1.VerdictApproved, Generation: gen, MaterialsDigest: digest}
	}
	g.Expect(approve(2, "sha256:aaaa").Validate()).To(Succeed())
	g.Expect(approve(0, "").Validate()).To(MatchError("approve needs --generation and --materials-digest: an approval names the generation and the materials digest of what you looked at (D17, D19); see them with\n" +
		"  kubectl category describe acme-gold -n shop-acme --context prod --as rita\nwhich ends with the command that approves what it shows"))
	g.Expect(approve(2, "").Validate()).To(MatchError(HavePrefix("approve needs --materials-digest: ")))
	g.Expect(approve(0, "sha256:aaaa").Validate()).To(MatchError("--materials-digest needs --generation: both come from what describe showed"))
	g.Expect((&Options{Verdict: qualv1.VerdictRejected, Reason: "SealMissing"}).Validate()).To(MatchError(ContainSubstring("--message is required")))
	g.Expect((&Options{Verdict: qualv1.VerdictRejected, Reason: "SealMissing", Message: "the seal\nis not legible"}).Validate()).To(Succeed())
	g.Expect((&Options{Verdict: qualv1.VerdictRejected, Reason: "SealMissing", Message: "fix\x1b[8m it"}).Validate()).To(MatchError(
		"--message must be printable text: no control characters other than tab and newline, line or paragraph separators, or bidirectional controls"))
	g.Expect((&Options{Verdict: qualv1.VerdictWithdrawn, Message: "m"}).Validate()).To(MatchError(ContainSubstring("--reason is required")))
	g.Expect((&Options{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardRevised", Message: "m"}).Validate()).To(Succeed())
}
