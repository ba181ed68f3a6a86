package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestDeliveryApply: the delivery manager applies the key and delivery fields of every record
// it tried, never the content the status controller owns, never a record not tried yet, and
// never anything outside status.notifications; the live resourceVersion is its precondition.
func TestDeliveryApply(t *testing.T) {
	g := NewWithT(t)
	now := metav1.NewTime(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
	later := metav1.NewTime(now.Add(5 * time.Second))
	app := &qualv1.CategoryApplication{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gold", ResourceVersion: "42"}}
	app.Spec.Merchant.ShopName = "Acme"
	app.Status.Phase = qualv1.PhaseUnderReview
	recs := []qualv1.NotificationRecord{
		{Event: qualv1.EventSubmitted, Generation: 1, Sink: "secret/s", State: qualv1.DeliveryDelivered, Attempts: 1,
			Reason: "Submitted", Message: "under review", CreatedAt: &now, LastAttemptAt: &now, DeliveredAt: &now},
		{Event: qualv1.EventSubmitted, Generation: 1, Sink: ReviewerSink, MaterialsDigest: "sha256:ab", Seq: 3, State: qualv1.DeliveryPending, Attempts: 1,
			Reason: "Submitted", CreatedAt: &now, LastAttemptAt: &now, NextAttemptAt: &later, LastError: "timeout"},
		{Event: qualv1.EventApproved, Generation: 1, Sink: "secret/s", State: qualv1.DeliveryPending, Reason: "Approved", CreatedAt: &now},
	}

	u := deliveryApply(app, recs)
	g.Expect(u.GetAPIVersion()).To(Equal(qualv1.GroupVersion.String()))
	g.Expect(u.GetKind()).To(Equal("CategoryApplication"))
	g.Expect([]string{u.GetNamespace(), u.GetName(), u.GetResourceVersion()}).To(Equal([]string{"shop", "gold", "42"}))
	g.Expect(u.Object).To(HaveLen(4), "apiVersion, kind, metadata, status")
	status, _, _ := unstructured.NestedMap(u.Object, "status")
	g.Expect(status).To(HaveLen(1), "status.notifications only")

	items, _, _ := unstructured.NestedSlice(u.Object, "status", "notifications")
	g.Expect(items).To(Equal([]any{
		map[string]any{"event": "Submitted", "generation": int64(1), "sink": "secret/s", "materialsDigest": "", "seq": int64(0),
			"state": "Delivered", "attempts": int64(1), "lastAttemptAt": "2026-12-07T02:00:00Z", "deliveredAt": "2026-12-07T02:00:00Z"},
		map[string]any{"event": "Submitted", "generation": int64(1), "sink": "reviewers", "materialsDigest": "sha256:ab", "seq": int64(3),
			"state": "Pending", "attempts": int64(1), "lastAttemptAt": "2026-12-07T02:00:00Z", "nextAttemptAt": "2026-12-07T02:00:05Z",
			"lastError": "timeout"},
	}), "tried records only (not the Approved one), keys and delivery fields only")
	for _, it := range items {
		for k := range it.(map[string]any) {
			g.Expect(append(deliveryFields, "event", "generation", "sink", "materialsDigest", "seq")).To(ContainElement(k))
		}
	}

}
