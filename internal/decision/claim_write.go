package decision

import (
	"context"
	"encoding/json"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// ClaimRequest is one reviewer's claim on, or release of, an application (D30).
type ClaimRequest struct {
	Key client.ObjectKey
	// Reviewer is the user's own name: the webhook records it from the request anyway, and
	// without the webhook the admission policy requires it.
	Reviewer string
	// For is how long the claim lasts from now; 0 releases the claim.
	For   time.Duration
	Clock func() time.Time
}

// WriteClaim reads the application, refuses locally what the server would refuse, and
// patches status.claim only, guarded by resourceVersion; on a conflict it reads again. It
// returns the application as stored on success, as last read otherwise.
func WriteClaim(ctx context.Context, c client.Client, r ClaimRequest) (*qualv1.CategoryApplication, error) {
	app := &qualv1.CategoryApplication{}
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		app = &qualv1.CategoryApplication{}
		if err := c.Get(ctx, r.Key, app); err != nil {
			return err
		}
		if refusal := ClaimHeld(app, r.Reviewer); refusal != nil {
			return refusal
		}
		var claim any // nil: release
		if r.For > 0 {
			cl := qualv1.Claim{Reviewer: r.Reviewer, Generation: app.Generation,
				ExpiresAt: metav1.NewTime(r.Clock().Add(r.For).Truncate(time.Second))}
			if refusal := MayClaim(app, cl); refusal != nil {
				return refusal
			}
			if refusal := Who(app, qualv1.VerdictApproved, r.Reviewer); refusal != nil {
				return refusal
			}
			claim = cl
		}
		patch, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"resourceVersion": app.ResourceVersion},
			"status":   map[string]any{"claim": claim},
		})
		if err != nil {
			return err
		}
		return c.Status().Patch(ctx, app, client.RawPatch(types.MergePatchType, patch))
	})
	return app, err
}
