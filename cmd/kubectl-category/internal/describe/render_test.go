package describe

import (
	"bytes"
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
