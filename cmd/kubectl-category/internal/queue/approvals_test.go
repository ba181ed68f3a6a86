package queue

import (
	"bytes"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestQueueShowsApprovals (D31): an APPROVALS column appears when a round needs more than one
// approval, with the round's progress; a queue of single-approval rounds keeps its columns.
func TestQueueShowsApprovals(t *testing.T) {
	g := NewWithT(t)
	cst := time.FixedZone("CST", 8*3600)
	submitted := metav1.NewTime(time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC))
	app := func(name, group string, required int32, approver string) *qualv1.CategoryApplication {
		a := &qualv1.CategoryApplication{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop-acme", Generation: 1},
			Spec: qualv1.CategoryApplicationSpec{Merchant: qualv1.Merchant{ShopName: "Acme Watch Shop"},
				Category: qualv1.CategoryRef{Group: group, Level2: "swiss-watches"}, Channel: qualv1.ChannelShop},
			Status: qualv1.CategoryApplicationStatus{SubmittedGeneration: 1, SubmittedAt: &submitted, MaterialsDigest: "sha256:aaaa"},
		}
		if required > 1 {
			a.Status.Approvals = &qualv1.RoundApprovals{Required: required}
		}
		if approver != "" {
			a.Status.Decision = &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, MaterialsDigest: "sha256:aaaa", Reviewer: approver}
		}
		return a
	}
	deadline := time.Date(2026, 12, 15, 15, 59, 0, 0, time.UTC)
	rows := []Row{
		{App: app("rolex", "watches", 2, "alice"), Deadline: deadline, Left: 4.5},
		{App: app("omega", "watches", 2, ""), Deadline: deadline, Left: 4.5},
		{App: app("gold", "jewelry", 0, ""), Deadline: deadline, Left: 4.5},
	}
	var out bytes.Buffer
	g.Expect(printQueue(&out, rows, false, cst)).To(Succeed())
	g.Expect(out.String()).To(Equal("" +
		"NAME    SHOP              CATEGORY                CHANNEL   DEADLINE               LEFT   APPROVALS                  CLAIM\n" +
		"rolex   Acme Watch Shop   watches/swiss-watches   Shop      2026-12-15 23:59 CST   4.5d   1 of 2 approvals (alice)   <none>\n" +
		"omega   Acme Watch Shop   watches/swiss-watches   Shop      2026-12-15 23:59 CST   4.5d   0 of 2 approvals           <none>\n" +
		"gold    Acme Watch Shop   jewelry/swiss-watches   Shop      2026-12-15 23:59 CST   4.5d   -                          <none>\n"))

	out.Reset()
	g.Expect(printQueue(&out, rows[2:], false, cst)).To(Succeed())
	g.Expect(out.String()).NotTo(ContainSubstring("APPROVALS"))
}
