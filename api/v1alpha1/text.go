package v1alpha1

import "regexp"

// Free text that merchants and reviewers write (shop name, legal entity, subject, account,
// brand, owner, references, a decision's message) reaches reviewers' terminals, merchants'
// notifications and Markdown indexes. The CRD refuses in it what would act instead of being
// read: an ESC sequence can hide the rest of `kubectl category describe` or rewrite a line
// above it, a carriage return overwrite a line, a bidirectional override reorder what is
// shown. The CEL rules on the fields spell these classes literally (markers cannot name a
// constant); TestFreeTextRules checks the generated CRDs against them.
const (
	// UnprintableOneLine is what one-line text may not hold, as an RE2 character class: the
	// control characters (Cc: C0 with tab and newline, DEL, C1), the line and paragraph
	// separators U+2028 and U+2029, and the bidirectional controls (Unicode's Bidi_Control:
	// U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C). It is written short
	// because the API server's CEL cost estimate grows with its length (a URL rule runs for
	// up to 960 file references of 2048 characters).
	UnprintableOneLine = `[\p{Cc}\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]`
	// UnprintableText is the same for text of several lines: tab and newline are allowed.
	UnprintableText = `[\x00-\x08\x0b-\x1f\x7f-\x9f\x{2028}-\x{202e}\x{2066}-\x{2069}\x{200e}\x{200f}\x{061c}]`
)

var (
	unprintableOneLine = regexp.MustCompile(UnprintableOneLine)
	unprintableText    = regexp.MustCompile(UnprintableText)
)

// PrintableOneLine reports whether s is one-line text the CRD admits in a free-text field.
func PrintableOneLine(s string) bool { return !unprintableOneLine.MatchString(s) }

// PrintableText reports whether s is text the CRD admits in a decision's message.
func PrintableText(s string) bool { return !unprintableText.MatchString(s) }
