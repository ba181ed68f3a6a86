package v1alpha1

import "time"

// Claims (D30): how long one lasts when the reviewer does not say, and the longest the
// platform allows unless the manager's --max-claim-duration says otherwise.
const (
	DefaultClaimDuration    = 30 * time.Minute
	DefaultMaxClaimDuration = 2 * time.Hour
)

// ClaimedBy reports the reviewer holding a claim on the application, and whether one stands.
// A claim stands until the operator ends it, also past expiresAt while the operator is down:
// the admission policy has no clock, and the webhook agrees with it.
func (st *CategoryApplicationStatus) ClaimedBy() (string, bool) {
	if st.Claim == nil {
		return "", false
	}
	return st.Claim.Reviewer, true
}
