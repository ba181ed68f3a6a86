package v1alpha1

import (
	"fmt"
	"unicode/utf8"
)

// Bounds of status strings and lists. The CRD schema enforces them (markers on the fields);
// the operator cuts what it writes to them first, so a status patch never fails for size and
// no application is frozen by a 422 (the API server caps a condition message at 32768 bytes).
const (
	// MaxFindings is how many findings status.findings keeps; the last says how many more.
	MaxFindings = 50
	// MaxFindingMessage bounds one finding's message, in bytes.
	MaxFindingMessage = 2048
	// MaxConditionMessage bounds the condition messages the operator writes, in bytes.
	MaxConditionMessage = 4096
	// MaxNotificationMessage bounds a delivery record's frozen message, in bytes.
	MaxNotificationMessage = 4096
	// MaxNotificationError bounds a delivery record's lastError, in bytes.
	MaxNotificationError = 512
)

// Truncate cuts s to at most max bytes on a rune boundary, saying how much was left out.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	suffix := fmt.Sprintf(" ... (%d more bytes)", len(s))
	cut := max - len(suffix)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" ... (%d more bytes)", len(s)-cut)
}

// BoundFindings keeps at most MaxFindings findings, each message at most MaxFindingMessage
// bytes; when it drops some, the last finding says how many.
func BoundFindings(fs []Finding) []Finding {
	if len(fs) == 0 {
		return fs
	}
	n := min(len(fs), MaxFindings)
	out := make([]Finding, n)
	for i := range n {
		out[i] = fs[i]
		out[i].Message = Truncate(fs[i].Message, MaxFindingMessage)
	}
	if len(fs) > MaxFindings {
		out[n-1] = Finding{Rule: "Truncated", Field: "status.findings",
			Message: fmt.Sprintf("... and %d more finding(s): fix the ones above first", len(fs)-MaxFindings+1)}
	}
	return out
}
