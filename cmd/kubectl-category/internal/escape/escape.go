// Package escape keeps text read from the API server from acting on a reviewer's terminal.
// Merchants write shop names, subjects and brands, reviewers write messages, and the operator
// quotes both in findings and conditions: the CRD refuses control characters in what it can
// (api/v1alpha1/text.go), but objects stored before that, fields it does not cover and other
// clients' writes still reach the plugin. Everything the plugin prints for humans that did
// not come from the plugin itself goes through Text or Lines.
package escape

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text returns s with every character that is not graphic replaced by its Go escape, so it is
// seen instead of acting: ESC becomes \x1b, a newline \n, a carriage return \r, U+009B \u009b,
// a right-to-left override \u202e, a zero-width space \u200b, a byte that is not UTF-8 \xff.
// Letters, marks, numbers, punctuation, symbols and spaces of any script are kept as they are,
// and so is a backslash. The result is one line.
func Text(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, notGraphic) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case strconv.IsGraphic(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\n', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// Lines is Text for text of several lines, such as an error message: newlines are kept.
func Lines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Text(l)
	}
	return strings.Join(lines, "\n")
}

func notGraphic(r rune) bool { return !strconv.IsGraphic(r) }
