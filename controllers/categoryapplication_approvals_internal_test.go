package controllers

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestAwaitingMessageNamesNoReviewer (D31, D32): while a four-eyes round waits for its next
// approval, the UnderReview condition, which the merchant reads, counts the approvals and names
// nobody: the merchant is not told whom to lean on (found by a red-team session).
func TestAwaitingMessageNamesNoReviewer(t *testing.T) {
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
	if !strings.HasPrefix(msg, "1 of 2 approvals on generation 1;") || strings.Contains(msg, "alice") {
		t.Errorf("the merchant-readable UnderReview message names the approving reviewer: %q", msg)
	}
}
