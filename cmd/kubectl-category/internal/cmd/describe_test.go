package cmd_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
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
	// The digest the round recorded for a Secret file (D19); the other tests' applications hold
	// the same sample files, which describe may mark as reused (D34).
	pin := ` sha256:[0-9a-f]{12}… \(pinned by the operator for this round\)(?: REUSED[^\n]*)?`
	for _, want := range []string{
		regexp.QuoteMeta(`  1. FilingLetter: subject "Acme Trading Co., Ltd.", sealed`+"\n    file: secret acme-gold-materials, key filing-letter.jpg") + pin + "\n",
		regexp.QuoteMeta("  2. BusinessLicense: subject \"Acme Trading Co., Ltd.\", valid until 2031-06-30\n"+
			"    file: https://files.acme.example/qualification/business-license.pdf sha256:f5aabdd65a4d612eb5636d02b3667f4c78285d5e0ab259aea916f39091118385 (pinned by its sha256)") + `(?: REUSED[^\n]*)?\n`,
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

// TestDescribeMarksReusedFilesAndExpiringDocuments: describe marks a file that an application
// of another merchant (AppID) holds too, naming it (D34), but not one the same merchant's
// other application holds; and warns of a document whose validUntil falls within the policy's
// window (default 30 days, D35), not of one outside it.
func TestDescribeMarksReusedFilesAndExpiringDocuments(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	letter := filekind.JPEG("a filing letter " + t.Name())
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	g.Expect(err).NotTo(HaveOccurred())
	today := time.Now().In(shanghai)
	in := func(days int) qualv1.Date { return qualv1.Date(today.AddDate(0, 0, days).Format(time.DateOnly)) }
	apply := func(ns, name, appID, level2 string, validUntil qualv1.Date) {
		g.Expect(env.EnsureNamespace(ctx, ns)).To(Succeed())
		g.Expect(admin.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "letter"},
			Data: map[string][]byte{"letter.jpg": letter}})).To(Succeed())
		createApp(t, ns, name, func(app *qualv1.CategoryApplication) {
			if appID != "" {
				app.Spec.Merchant.AppID = appID
			}
			app.Spec.Category.Level2 = level2
			app.Spec.Materials[0].Files[0] = qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "letter", Key: "letter.jpg"}}
			app.Spec.Materials[1].ValidUntil = &validUntil
		})
	}
	apply("describe-reuse-a", "acme-gold", "", "gold", in(10))
	a := waitForPhase(t, "describe-reuse-a", "acme-gold", qualv1.PhaseUnderReview)
	apply("describe-reuse-a2", "acme-diamond", a.Spec.Merchant.AppID, "diamond", in(60))
	apply("describe-reuse-b", "other-gold", "", "gold", in(60))
	waitForPhase(t, "describe-reuse-a2", "acme-diamond", qualv1.PhaseUnderReview)
	b := waitForPhase(t, "describe-reuse-b", "other-gold", qualv1.PhaseUnderReview)

	letterLine := regexp.QuoteMeta("    file: secret letter, key letter.jpg") + ` sha256:[0-9a-f]{12}… \(pinned by the operator for this round\)`
	g.Eventually(func(g Gomega) {
		r := run(t, "alice", "describe", "acme-gold", "-n", "describe-reuse-a")
		g.Expect(r.err).NotTo(HaveOccurred())
		g.Expect(r.out).To(MatchRegexp(letterLine + regexp.QuoteMeta(" REUSED by other merchants (D34): describe-reuse-b/other-gold (AppID "+b.Spec.Merchant.AppID+")\n")))
		g.Expect(r.out).NotTo(ContainSubstring("describe-reuse-a2"), "the same merchant's other application is no reuse")
		g.Expect(r.out).To(ContainSubstring("  2. BusinessLicense: subject \"Acme Trading Co., Ltd.\", valid until " + string(in(10)) + "\n" +
			"    WARNING: expires in 10 days (validUntil " + string(in(10)) + "), within the policy's 30-day warning window (D35)\n"))
	}).WithTimeout(20 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())

	r := run(t, "alice", "describe", "other-gold", "-n", "describe-reuse-b")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(MatchRegexp(letterLine + regexp.QuoteMeta(" REUSED by other merchants (D34): describe-reuse-a/acme-gold (AppID "+a.Spec.Merchant.AppID+
		"), describe-reuse-a2/acme-diamond (AppID "+a.Spec.Merchant.AppID+")\n")))
	g.Expect(r.out).NotTo(ContainSubstring("(D35)"), "60 days away is outside the 30-day window")
}
