package decide

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Limits mirror the CRD's schema of status.decision, so the error is ours and says what to do.
const (
	maxReason  = 64
	maxMessage = 2048
)

var camelCase = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// ValidateReason accepts a CamelCase reason like FilingLetterUnreadable: automation matches on
// reasons, so they are stable identifiers, not prose.
func ValidateReason(reason string) error {
	switch {
	case reason == "":
		return fmt.Errorf("--reason is required: a CamelCase reason automation can match on, e.g. FilingLetterUnreadable")
	case len(reason) > maxReason:
		return fmt.Errorf("--reason is %d characters long; at most %d", len(reason), maxReason)
	case !camelCase.MatchString(reason):
		msg := fmt.Sprintf("--reason %q is not CamelCase: start with a capital letter and use only letters and digits", reason)
		if s := suggestReason(reason); s != "" && camelCase.MatchString(s) && len(s) <= maxReason {
			msg += fmt.Sprintf(", e.g. --reason %s", s)
		}
		return fmt.Errorf("%s (put the explanation in --message)", msg)
	}
	return nil
}

// suggestReason turns "filing letter unreadable" or "filing-letter_unreadable" into
// FilingLetterUnreadable.
func suggestReason(s string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r := []rune(w)
		b.WriteString(strings.ToUpper(string(r[0])) + string(r[1:]))
	}
	return b.String()
}

func validateMessage(msg string, required bool) error {
	switch {
	case required && strings.TrimSpace(msg) == "":
		return fmt.Errorf("--message is required: tell the merchant what is wrong and what to fix (D13)")
	case len(msg) > maxMessage:
		return fmt.Errorf("--message is %d bytes long; at most %d", len(msg), maxMessage)
	case !qualv1.PrintableText(msg):
		// The CRD refuses it too; the merchant and other reviewers read it in their terminals.
		return fmt.Errorf("--message must be printable text: no control characters other than tab and newline, line or paragraph separators, or bidirectional controls")
	}
	return nil
}
