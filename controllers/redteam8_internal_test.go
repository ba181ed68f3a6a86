package controllers

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Red team 8, finding (D31 x D32 "merchants never see who decided"): while a four-eyes round
// waits for its second approval, the UnderReview condition, which the merchant reads, says
// "1 of 2 approvals (alice) ...": it names the reviewer who approved, before the round is
// decided, so the merchant knows whom to lean on and that only one more is needed.
func TestRedteam8AwaitingMessageNamesNoReviewer(t *testing.T) {
	submitted := metav1.NewTime(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	app := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "gold", Namespace: "shop", Generation: 1},
		Status: qualv1.CategoryApplicationStatus{
			SubmittedGeneration: 1, SubmittedAt: &submitted, MaterialsDigest: "sha256:aaaa",
			Approvals: &qualv1.RoundApprovals{Required: 2},
			Decision:  &qualv1.Decision{Verdict: qualv1.VerdictApproved, Generation: 1, MaterialsDigest: "sha256:aaaa", Reviewer: "alice"},
		},
	}
	msg := awaitingMessage(app, "2026-12-14T09:00:00Z")
	if strings.Contains(msg, "alice") {
		t.Errorf("the merchant-readable UnderReview message names the approving reviewer: %q", msg)
	}
}
