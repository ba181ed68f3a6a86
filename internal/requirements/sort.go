package requirements

import (
	"slices"
	"strings"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// Sort orders findings by field, then rule, then message, so that findings from several
// sources (this engine, custom CEL rules) can be concatenated and compared with DeepEqual.
// Numbers inside fields and rules compare by value: spec.materials[2] comes before
// spec.materials[10], and D9 before D10.
func Sort(findings []v1alpha1.Finding) {
	slices.SortStableFunc(findings, compareFindings)
}

func compareFindings(a, b v1alpha1.Finding) int {
	if c := naturalCompare(a.Field, b.Field); c != 0 {
		return c
	}
	if c := naturalCompare(a.Rule, b.Rule); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

// naturalCompare compares runs of ASCII digits by numeric value and everything else
// byte-wise. Strings that tie ("07" and "7") fall back to byte order, so it is a total order.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			ei, ej := digitsEnd(a, i), digitsEnd(b, j)
			x := strings.TrimLeft(a[i:ei], "0")
			y := strings.TrimLeft(b[j:ej], "0")
			if len(x) != len(y) {
				if len(x) < len(y) {
					return -1
				}
				return 1
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
			i, j = ei, ej
			continue
		}
		if a[i] != b[j] {
			if a[i] < b[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	switch {
	case len(a)-i < len(b)-j:
		return -1
	case len(a)-i > len(b)-j:
		return 1
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}
