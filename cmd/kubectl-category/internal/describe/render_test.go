package describe

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

var policy = &qualv1.CategoryPolicy{Spec: qualv1.CategoryPolicySpec{DisplayName: "个人护理", Subcategories: []qualv1.Subcategory{
	{ID: "devices", DisplayName: "个护仪器", Subcategories: []qualv1.Level3Category{{ID: "toothbrush", DisplayName: "电动牙刷"}}},
}}}

func TestCategoryName(t *testing.T) {
	g := NewWithT(t)
	ref := qualv1.CategoryRef{Group: "personal-care", Level2: "devices"}
	g.Expect(CategoryName(ref, policy, "")).To(Equal("personal-care/devices (个人护理 / 个护仪器)"))
	ref.Level3 = "toothbrush"
	g.Expect(CategoryName(ref, policy, "")).To(Equal("personal-care/devices/toothbrush (个人护理 / 个护仪器 / 电动牙刷)"))
	g.Expect(CategoryName(qualv1.CategoryRef{Group: "personal-care", Level2: "x"}, policy, "")).To(ContainSubstring(`"x" is not a level-2 category`))
	g.Expect(CategoryName(ref, nil, "no CategoryPolicy personal-care")).To(Equal("personal-care/devices/toothbrush (no CategoryPolicy personal-care)"))
}

func TestRenderPriorPlatformSideBySide(t *testing.T) {
	g := NewWithT(t)
	q := resource.MustParse("4.8")
	deadline := time.Date(2026, 12, 12, 0, 0, 0, 0, time.UTC)
	app := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "ns", Generation: 3},
		Spec: qualv1.CategoryApplicationSpec{
			Category: qualv1.CategoryRef{Group: "personal-care", Level2: "devices", Level3: "toothbrush"},
			Materials: []qualv1.Material{{
				Type: qualv1.MaterialPriorPlatform, Platform: qualv1.PlatformDouyin, Account: "acc",
				MonthlySalesCNY: []int64{1280000, 990000}, ReputationScore: &q,
				Files:      []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: "douyin.png"}}},
				Recordings: []qualv1.FileRef{{URL: "https://e.example/r.mp4", SHA256: "ab"}},
			}, {
				Type:  qualv1.MaterialSalesFlow,
				Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: "flow.png"}}},
			}},
		},
		Status: qualv1.CategoryApplicationStatus{
			Phase: qualv1.PhaseUnderReview, ReviewDeadline: &metav1.Time{Time: deadline},
			Notifications: []qualv1.NotificationRecord{
				{Event: qualv1.EventSubmitted, Generation: 3, Sink: "secret/n", State: qualv1.DeliveryDelivered, Attempts: 1},
				{Event: qualv1.EventSubmitted, Generation: 3, Sink: "reviewers", State: qualv1.DeliveryFailed, Attempts: 3, LastError: "timeout"},
			},
		},
	}
	var out bytes.Buffer
	g.Expect(Render(&out, View{App: app, Policy: policy, Now: deadline.Add(-36 * time.Hour), Calendar: calendar.New(time.UTC, nil, nil)})).To(Succeed())
	s := out.String()
	g.Expect(s).To(ContainSubstring("Generation:    3 (decisions apply to this generation only: --generation 3)\n"))
	g.Expect(s).To(ContainSubstring("(个人护理 / 个护仪器 / 电动牙刷)"))
	g.Expect(s).To(MatchRegexp(`Deadline: +2026-12-11 24:00 UTC +\(1\.5 working days left\)`))
	g.Expect(s).To(ContainSubstring("1. PriorPlatform: Douyin, account acc\n"))
	g.Expect(s).To(MatchRegexp(`\n +DECLARED +EVIDENCE\n`))
	g.Expect(s).To(MatchRegexp(`sales, month -1 \(newest\): 1,280,000 CNY +file: secret m, key douyin\.png \(not pinned: no review round records this generation\)\n`))
	g.Expect(s).To(MatchRegexp(`sales, month -2: 990,000 CNY +recording: https://e\.example/r\.mp4 sha256:ab \(pinned by its sha256\)\n`))
	g.Expect(s).To(ContainSubstring("\n    reputation score: 4.8\n"))
	g.Expect(s).To(ContainSubstring("  2. SalesFlow\n    file: secret m, key flow.png (not pinned: no review round records this generation)\n    recording: <none>\n"), "a D12 material without a recording says so")
	g.Expect(s).To(ContainSubstring("Notifications: 1 delivered, 1 failed\n"))
	g.Expect(s).To(MatchRegexp(`Submitted +3 +reviewers +Failed +3 +timeout`))
}

func TestCNY(t *testing.T) {
	g := NewWithT(t)
	g.Expect(cny(0)).To(Equal("0 CNY"))
	g.Expect(cny(999)).To(Equal("999 CNY"))
	g.Expect(cny(1000)).To(Equal("1,000 CNY"))
	g.Expect(cny(1280000)).To(Equal("1,280,000 CNY"))
}

// TestRenderEscapesWhatOthersWrote: an application stored with control characters (before the
// CRD refused them, or in a field it does not cover) is shown with them escaped: nothing a
// merchant, a reviewer or a policy wrote can move the cursor, hide the rest of the screen or
// reorder a line (item 6 of issue 22).
func TestRenderEscapesWhatOthersWrote(t *testing.T) {
	g := NewWithT(t)
	const esc = "\x1b[8m"  // conceal everything after it
	const csi = "\u009b1A" // C1 CSI: cursor up one line
	const rlo = "\u202e"   // right-to-left override
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sum := "sha256:" + repeat('a')
	app := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "ns", Generation: 2,
			Annotations: map[string]string{qualv1.AnnotationCreatedBy: "mallory" + esc}},
		Spec: qualv1.CategoryApplicationSpec{
			Merchant: qualv1.Merchant{ShopName: "Acme" + esc + "hidden", LegalEntity: "Acme Ltd" + csi, AppID: "wx0000000000000001"},
			Category: qualv1.CategoryRef{Group: "personal-care", Level2: "devices"},
			Materials: []qualv1.Material{{
				Type: qualv1.MaterialFilingLetter, Subject: "Acme" + rlo + "dlo",
				Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m\x1b[2J", Key: "a.jpg"}}},
			}, {
				Type: qualv1.MaterialBrand, Brand: "B" + esc, Owner: "O" + csi, TrademarkNumber: "T\x07",
				Files: []qualv1.FileRef{{URL: "https://e.example/\u009b2J", SHA256: repeat('b')}},
			}, {
				Type: qualv1.MaterialPriorPlatform, Platform: qualv1.PlatformDouyin, Account: "acc\x1b]0;owned\x07",
				Files: []qualv1.FileRef{{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: "d.png"}}},
			}},
		},
		Status: qualv1.CategoryApplicationStatus{
			Phase: qualv1.PhaseUnderReview, ObservedGeneration: 2, MaterialsDigest: sum,
			Conditions: []metav1.Condition{{Type: qualv1.ConditionUnderReview, Status: metav1.ConditionTrue, ObservedGeneration: 2,
				Reason: "AwaitingReview", Message: "subject " + esc + "of the merchant"}},
			Findings: []qualv1.Finding{{Rule: "D7", Field: "spec.materials[0].subject", Message: "subject \"Acme" + esc + "\" differs"}},
			Decision: &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 1, Reviewer: "rita" + csi,
				Reason: "SealMissing", Title: "Seal" + esc, Message: "fix it" + esc + "\rCHANGED since the last decision"},
			History: []qualv1.ReviewRecord{{Generation: 1, Decision: &qualv1.Decision{Verdict: qualv1.VerdictRejected, Generation: 1,
				Reviewer: "rita", Message: "old" + rlo}}},
			Notifications: []qualv1.NotificationRecord{{Event: qualv1.EventSubmitted, Generation: 2, Sink: "secret/n" + esc,
				State: qualv1.DeliveryFailed, Attempts: 1, LastError: "HTTP 500" + csi}},
		},
	}
	p := policy.DeepCopy()
	p.Spec.DisplayName = "个人护理" + esc
	var out bytes.Buffer
	g.Expect(Render(&out, View{App: app, Policy: p, Now: now, Calendar: calendar.New(time.UTC, nil, nil), Flags: []string{"--context", "c\x1b"}})).To(Succeed())
	s := out.String()
	for _, r := range s {
		g.Expect(r == '\n' || strconv.IsGraphic(r)).To(BeTrue(), "%U reaches the terminal in\n%s", r, s)
	}
	for _, want := range []string{
		`Shop:                Acme\x1b[8mhidden` + "\n",
		`Legal entity:        Acme Ltd\u009b1A` + "\n",
		`Created:       <none> by mallory\x1b[8m` + "\n",
		`(个人护理\x1b[8m / 个护仪器)`,
		`subject "Acme\u202edlo"`,
		`file: secret m\x1b[2J, key a.jpg`,
		`brand B\x1b[8m`, `owner "O\u009b1A"`, `trademark No. T\a`,
		`https://e.example/\u009b2J sha256:`,
		`account acc\x1b]0;owned\a`,
		`[D7] spec.materials[0].subject: subject "Acme\x1b[8m" differs`,
		`subject \x1b[8mof the merchant`,
		`by rita\u009b1A`, `: SealMissing (Seal\x1b[8m): fix it\x1b[8m CHANGED since the last decision`, `old\u202e`,
		`secret/n\x1b[8m`, `HTTP 500\u009b1A`,
		`--context $'c\x1b'`,
	} {
		g.Expect(s).To(ContainSubstring(want))
	}
}
