package controllers

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// DeliveryFieldManager owns the delivery fields of status.notifications. The status controller
// (FieldManager) records each event with its content; the two share the map list, each writing
// only its own fields, as cert-manager's narrow controllers share a Certificate's status.
const DeliveryFieldManager = "category-operator-delivery"

// deliveryFields are the fields of a record the delivery controller applies; the key fields
// (event, generation, sink, materialsDigest, seq: every one, as server-side apply needs) name
// the record, everything else (reason, message, createdAt) is the status controller's.
var deliveryFields = []string{"state", "attempts", "lastAttemptAt", "nextAttemptAt", "deliveredAt", "lastError"}

// saveAttempts applies attempted records onto the live application's ledger (mergeAttempts) by
// server-side apply, retrying on conflicts: the only status the delivery path writes. The
// apply carries the live resourceVersion as a precondition, so a record the status controller
// trimmed meanwhile is never brought back holding delivery fields only, and a delivery that
// happened is never forgotten because someone else wrote the application meanwhile.
func saveAttempts(ctx context.Context, c client.Client, live client.Reader, key client.ObjectKey, attempted []qualv1.NotificationRecord) error {
	if len(attempted) == 0 {
		return nil
	}
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		app := &qualv1.CategoryApplication{}
		if err := live.Get(ctx, key, app); err != nil {
			return client.IgnoreNotFound(err)
		}
		recs, changed := mergeAttempts(app.Status.Notifications, attempted)
		if !changed {
			return nil
		}
		apply := deliveryApply(app, recs)
		return c.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(apply),
			client.FieldOwner(DeliveryFieldManager), client.ForceOwnership)
	})
}

// deliveryApply is pure: the apply configuration of the delivery manager for app's ledger
// recs. It holds every record tried so far, not only the latest: server-side apply removes
// what a manager applied before and leaves out now, so a field dropped here (nextAttemptAt
// once delivered, lastError after a success) is removed from the record. Records never tried
// are left out, so their state stays the status controller's Pending.
func deliveryApply(app *qualv1.CategoryApplication, recs []qualv1.NotificationRecord) *unstructured.Unstructured {
	items := []any{}
	for _, r := range recs {
		if r.Attempts == 0 {
			continue
		}
		item := map[string]any{
			"event": string(r.Event), "generation": r.Generation, "sink": r.Sink, "materialsDigest": r.MaterialsDigest, "seq": r.Seq,
			"state": string(r.State), "attempts": int64(r.Attempts),
		}
		putTime(item, "lastAttemptAt", r.LastAttemptAt)
		putTime(item, "nextAttemptAt", r.NextAttemptAt)
		putTime(item, "deliveredAt", r.DeliveredAt)
		if r.LastError != "" {
			item["lastError"] = r.LastError
		}
		items = append(items, item)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"status": map[string]any{"notifications": items},
	}}
	u.SetGroupVersionKind(qualv1.GroupVersion.WithKind("CategoryApplication"))
	u.SetNamespace(app.Namespace)
	u.SetName(app.Name)
	u.SetResourceVersion(app.ResourceVersion)
	return u
}

// putTime writes t as metav1.Time marshals it (RFC 3339, seconds), so an unchanged time
// applies as unchanged.
func putTime(m map[string]any, key string, t *metav1.Time) {
	if t != nil {
		m[key] = t.UTC().Format(time.RFC3339)
	}
}
