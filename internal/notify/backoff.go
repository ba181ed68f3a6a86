package notify

import "time"

// Bounds of Backoff.
const (
	BackoffBase = 5 * time.Second
	BackoffMax  = 10 * time.Minute
)

// Backoff is the delay before the next attempt after attempts failed ones: 0 before the first,
// then 5s, 10s, 20s, 40s, 80s, 160s, 320s, and 10m from the 8th on. It is deterministic, without
// jitter, so that status.notifications[].nextAttemptAt is reproducible and testable; retries of
// different events still spread out because their events happened at different times.
func Backoff(attempts int32) time.Duration {
	if attempts <= 0 {
		return 0
	}
	d := BackoffBase
	for i := int32(1); i < attempts; i++ {
		d *= 2
		if d >= BackoffMax {
			return BackoffMax
		}
	}
	return d
}
