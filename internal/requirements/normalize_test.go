package requirements

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestNormalizeSubject(t *testing.T) {
	cases := []struct {
		a, b  string
		equal bool
	}{
		{"Acme Trading Co., Ltd.", "Acme Trading Co.,Ltd.", true},
		{"Acme Trading Co., Ltd.", "Ａｃｍｅ Ｔｒａｄｉｎｇ Ｃｏ．，Ｌｔｄ．", true},
		{"Acme Trading Co., Ltd.", "Acme\u3000Trading\tCo.,\u00a0Ltd.", true},
		{"Acme Trading Co., Ltd.", "  ACME trading co., ltd.  ", true},
		{"Acme Trading Co., Ltd.", "Acme\u200bTrading Co., Ltd.", true},
		{"阿克米贸易（上海）有限公司", "阿克米贸易(上海)有限公司", true},
		{"Acme Trading Co., Ltd.", "Acme Trading Co., Ltd", false},
		{"阿克米贸易有限公司", "阿克米贸易有限责任公司", false},
		{"Ａ", "a", true},
		{"É", "é", false}, // only ASCII is case-folded
	}
	for _, tc := range cases {
		t.Run(tc.a+"|"+tc.b, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(NormalizeSubject(tc.a) == NormalizeSubject(tc.b)).To(Equal(tc.equal),
				"%q → %q, %q → %q", tc.a, NormalizeSubject(tc.a), tc.b, NormalizeSubject(tc.b))
		})
	}
	g := NewWithT(t)
	g.Expect(NormalizeSubject("Ａｃｍｅ　（Ｃｈｉｎａ）")).To(Equal("acme(china)"))
	g.Expect(NormalizeSubject(" \u3000 ")).To(BeEmpty())
}
