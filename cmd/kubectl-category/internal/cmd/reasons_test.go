package cmd_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestRejectReasonCodes (D32): under the jewelry policy, reject --reason takes only a code of
// its rejection reasons: any other is refused before anything is written, with the valid
// codes (and the right case of a code typed wrong); shell completion offers the codes with
// their titles; a code's title and guidance go into the decision.
func TestRejectReasonCodes(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "reasons", "acme-gold")

	r := run(t, "alice", "reject", "acme-gold", "-n", "reasons", "--reason", "Blurry", "--message", "m")
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(HavePrefix(`error: "Blurry" is not a rejection reason of category group jewelry (D32); use one of: ` +
		"FilingLetterMissing, FilingLetterUnsealed, FilingLetterUnreadable, SubjectMismatch, DetailsMismatch, BrandInformationMissing, " +
		"DocumentExpired, RecordingMissing, ScreenshotsUnreadable, PlatformNotAccepted, StoreProofMissing, ShopTypeNotAdmitted, " +
		"BrandNotInLibrary, AuthorizationTooDeep\n"))
	r = run(t, "alice", "reject", "acme-gold", "-n", "reasons", "--reason", "SubjectMisMatch", "--message", "m")
	g.Expect(r.errOut).To(HaveSuffix("(did you mean SubjectMismatch? codes are case-sensitive)\n"))
	g.Expect(getApp(t, "reasons", "acme-gold").Status.Decision).To(BeNil(), "refused locally: nothing written")

	r = run(t, "alice", "__complete", "reject", "acme-gold", "-n", "reasons", "--reason", "Filing")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(strings.Split(strings.TrimSpace(r.out), "\n")).To(Equal([]string{
		"FilingLetterMissing\t缺少报备函 / Filing letter missing",
		"FilingLetterUnsealed\t报备函未加盖公章 / Filing letter not sealed",
		"FilingLetterUnreadable\t报备函照片无法辨认 / Filing letter unreadable",
		":4",
	}))

	r = run(t, "alice", "reject", "acme-gold", "-n", "reasons", "--reason", "SubjectMismatch", "--message", "the letter names Acme Trading, the license Acme Jewelry")
	g.Expect(r.err).NotTo(HaveOccurred())
	d := waitForPhase(t, "reasons", "acme-gold", qualv1.PhaseRejected).Status.Decision
	g.Expect(d.Reason).To(Equal("SubjectMismatch"))
	g.Expect(d.Title).To(Equal("报备函主体与营业执照不一致 / Subject does not match the business license"))
	g.Expect(d.Guidance).To(HavePrefix("报备函的主体须与营业执照主体一致。The legal entity on the filing letter must be the one on the business license"))
}
