package admission_test

import (
	"testing"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/test/fixture"
)

// TestClaimsWithoutWebhooks is controllers' TestClaims with the admission policies alone: the
// same refusals in the same words, and the operator still ends claims (D30).
func TestClaimsWithoutWebhooks(t *testing.T) {
	fixture.ClaimsCheck{Webhooks: false, Now: time.Now, Short: 2 * time.Second,
		Expire: func(*testing.T, *qualv1.CategoryApplication) {}, // the real clock passes it
	}.Run(t, fx, "shop-claims")
}
