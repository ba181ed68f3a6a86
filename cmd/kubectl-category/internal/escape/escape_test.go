package escape

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"Acme Jewelry Flagship": "Acme Jewelry Flagship",
		"阿克美珠宝　旗舰店 “gold” ½ 💍":  "阿克美珠宝　旗舰店 “gold” ½ 💍", // other scripts and spaces are kept
		`C:\path\x1b`:                           `C:\path\x1b`, // a backslash too: it cannot act
		"":                                      "",
		"Acme\x1b[8mhidden":                     `Acme\x1b[8mhidden`,  // ESC: conceal the rest
		"Acme\x1b]0;title\x07":                  `Acme\x1b]0;title\a`, // OSC: set the window title
		"Acme\u009b2J":                          `Acme\u009b2J`,       // C1 CSI: clear the screen
		"Acme\rCHANGED since the last decision": `Acme\rCHANGED since the last decision`,
		"two\nlines\ttab\v\f\b\x00\x7f":         `two\nlines\ttab\v\f\b\x00\x7f`,
		"Acme\u202eevil\u2066\u2069\u200f":      `Acme\u202eevil\u2066\u2069\u200f`, // bidirectional controls
		"zero\u200bwidth\ufeff\u2028":           `zero\u200bwidth\ufeff\u2028`,
		"tag\U000E0041":                         `tag\U000e0041`, // invisible tag characters
		"bad\xff\xfeutf8":                       `bad\xff\xfeutf8`,
		"\xe9\x80":                              `\xe9\x80`, // a rune cut short
	} {
		g := NewWithT(t)
		got := Text(in)
		g.Expect(got).To(Equal(want), "%q", in)
		g.Expect(Text(got)).To(Equal(got), "escaping twice changes nothing: %q", in)
	}
}

func TestLines(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Lines("error: refused\n  kubectl category describe x\x1b[2J -n ns\n")).To(Equal("error: refused\n  kubectl category describe x\\x1b[2J -n ns\n"))
}
