package cmd_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestDescribe(t *testing.T) {
	g := NewWithT(t)
	app := newApp(t, "describe", "acme-gold")

	r := run(t, "alice", "describe", "acme-gold", "-n", "describe")
	g.Expect(r.err).NotTo(HaveOccurred())
	for _, f := range [][2]string{
		{"Name", "acme-gold"},
		{"Generation", "1 (decisions apply to this generation only: --generation 1)"},
		{"Category", "jewelry/gold (珠宝首饰 / 黄金)"},
		{"Channel", "Shop"},
		{"Phase", "UnderReview"},
		{"  Shop", "Acme Jewelry Flagship"},
		{"  AppID", app.Spec.Merchant.AppID},
		{"  Legal entity", "Acme Trading Co., Ltd."},
		{"  Shop type", "Flagship"},
		{"  Entity type", "Enterprise"},
		{"Materials", "8"},
		{"Findings", "<none>"},
		{"Decision", "<none>"},
	} {
		g.Expect(r.out).To(MatchRegexp(`(?m)^`+regexp.QuoteMeta(f[0])+`: +`+regexp.QuoteMeta(f[1])+`$`), "field %s", f[0])
	}
	pin := ` sha256:[0-9a-f]{12}… \(pinned by the operator for this round\)` // the digest the round recorded for a Secret file (D19)
	for _, want := range []string{
		regexp.QuoteMeta(`  1. FilingLetter: subject "Acme Trading Co., Ltd.", sealed`+"\n    file: secret acme-gold-materials, key filing-letter.jpg") + pin + "\n",
		regexp.QuoteMeta("  2. BusinessLicense: subject \"Acme Trading Co., Ltd.\", valid until 2031-06-30\n" +
			"    file: https://files.acme.example/qualification/business-license.pdf sha256:f5aabdd65a4d612eb5636d02b3667f4c78285d5e0ab259aea916f39091118385 (pinned by its sha256)\n"),
		regexp.QuoteMeta("  5. SellingReputation\n    file: secret acme-gold-materials, key selling-reputation.png") + pin +
			regexp.QuoteMeta("\n    recording: secret acme-gold-materials, key selling-reputation.mp4") + pin + "\n",
		regexp.QuoteMeta("  7. PriorPlatform: Douyin, account acme_official\n"),
		regexp.QuoteMeta("  8. StoreProof: store: Office\n"),
	} {
		g.Expect(r.out).To(MatchRegexp(want))
	}
	digest := getApp(t, "describe", "acme-gold").Status.MaterialsDigest
	g.Expect(r.out).To(ContainSubstring("Materials digest:"))
	g.Expect(r.out).To(MatchRegexp(`(?m)^Verify files: +kubectl category materials acme-gold -n describe --kubeconfig ` + regexp.QuoteMeta(r.kubeconfig) + `$`))
	g.Expect(r.out).To(ContainSubstring("kubectl category approve acme-gold -n describe --kubeconfig " + r.kubeconfig + " --generation 1 --materials-digest " + digest))
	// Declared figures next to the evidence that must show them (D12, D27).
	g.Expect(r.out).To(MatchRegexp(`\n    DECLARED +EVIDENCE\n`))
	g.Expect(r.out).To(MatchRegexp(`\n    sales, month -1 \(newest\): 1,280,000 CNY +file: secret acme-gold-materials, key douyin-account\.png` + pin + `\n`))
	g.Expect(r.out).To(ContainSubstring("    sales, month -6: 910,000 CNY\n"))
	g.Expect(r.out).To(MatchRegexp(`\n    reputation score: 4\.8\n    quality score: 4\.9\n    service score: 4\.8\n`))
	// The suite runs the operator without its calendar ConfigMap: weekends only, and it says so (D5).
	g.Expect(r.out).To(MatchRegexp(`Deadline: +\d{4}-\d\d-\d\d 24:00 CST \(\d\.\d working days left\) provisional \(CalendarUnavailable\): ` +
		`counted with weekends as the only days off: calendar ConfigMap category-operator-system/category-operator-calendar: not found`))
	g.Expect(r.out).To(MatchRegexp(`(?m)^  UnderReview +True +AwaitingReview +1 +awaiting a reviewer's decision`))

	r = run(t, "alice", "describe", "acme-gold", "-n", "describe", "-o", "json")
	g.Expect(r.err).NotTo(HaveOccurred())
	var got qualv1.CategoryApplication
	g.Expect(json.Unmarshal([]byte(r.out), &got)).To(Succeed())
	g.Expect(got.Kind).To(Equal("CategoryApplication"))
	g.Expect(got.Spec.Materials).To(HaveLen(8))

	r = run(t, "alice", "describe", "nope", "-n", "describe")
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(Equal("Error from server (NotFound): categoryapplications.qualification.channelshop.dev \"nope\" not found\n"))
}

// An application whose Secret lacks a key is admitted (GitOps may apply Secrets later) but
// stays Incomplete: describe shows the operator's findings, and approve refuses locally.
func TestDescribeFindings(t *testing.T) {
	g := NewWithT(t)
	createApp(t, "describe-findings", "acme-gold", func(app *qualv1.CategoryApplication) {
		app.Spec.Materials[0].Files[0].SecretKeyRef.Key = "missing.jpg"
	})
	waitForPhase(t, "describe-findings", "acme-gold", qualv1.PhaseIncomplete)

	r := run(t, "alice", "describe", "acme-gold", "-n", "describe-findings")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(MatchRegexp(`(?m)^Phase: +Incomplete$`))
	g.Expect(r.out).To(MatchRegexp(`(?m)^Findings: +1 requirement\(s\) not met$`))
	g.Expect(r.out).To(MatchRegexp(`\n  \[D19\] spec\.materials\[0\]\.files\[0\]\.secretKeyRef: Secret "acme-gold-materials" in namespace "describe-findings" has no key "missing\.jpg"`))

	r = run(t, "alice", "approve", "acme-gold", "-n", "describe-findings", "--generation", "1", "--materials-digest", "sha256:"+strings.Repeat("0", 64))
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(Equal("error: acme-gold is not under review (phase Incomplete): its requirements are not met (1 finding(s)); see `kubectl category describe acme-gold` (D14)\n"))
	g.Expect(getApp(t, "describe-findings", "acme-gold").Status.Decision).To(BeNil())
}
