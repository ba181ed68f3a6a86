package requirements

import (
	"strings"
	"unicode"
)

// NormalizeSubject folds a legal entity name so that spellings of the same name compare
// equal (D7): full-width ASCII (U+FF01..U+FF5E, which includes the full-width parentheses
// （） and comma ，) becomes half-width, the ideographic space and every other space is
// removed, invisible format characters (zero-width space and the like) are removed, and
// ASCII letters are lower-cased. So "Acme Trading Co., Ltd.", "Acme Trading Co.,Ltd." and
// "ＡＣＭＥ　Ｔｒａｄｉｎｇ Ｃｏ．，Ｌｔｄ．" are equal, while 有限公司 and 有限责任公司 are not.
func NormalizeSubject(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFF01 - 0x21
		}
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
