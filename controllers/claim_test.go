package controllers_test

import (
	"testing"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// TestClaims is D30 with the status webhook and the admission policies (test/admission runs
// the same check with the policies alone).
func TestClaims(t *testing.T) {
	start := clock.Now()
	t.Cleanup(func() { clock.SetTime(start) })
	fixture.ClaimsCheck{Webhooks: true, Now: clock.Now, Short: 30 * time.Minute,
		Expire: func(t *testing.T, app *qualv1.CategoryApplication) {
			clock.SetTime(app.Status.Claim.ExpiresAt.Add(time.Second))
			touch(t, app) // the operator requeues at the expiry; the test clock needs a nudge
		},
	}.Run(t, shared(), "shop-claims")
}
