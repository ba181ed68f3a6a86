package requirements

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// maxListed bounds how many allowed values a message names (a brand library may hold 1024).
const maxListed = 30

// MaxKeysNamed bounds how many of a Secret's keys the message about a missing key names: a
// caller need not hold more of them (SecretKeys.Names).
const MaxKeysNamed = maxListed

// sentence renders a finding message and ends it with the rule id, e.g. "... (D11)".
func sentence(rule, format string, args ...any) string {
	return fmt.Sprintf(format, args...) + " (" + rule + ")"
}

// list renders values sorted and without repeats, e.g. "Douyin, Kuaishou, Taobao, Tmall",
// so a message does not change when a policy only reorders a list. Long lists are cut.
func list[T ~string](values []T) string {
	s := make([]string, 0, len(values))
	for _, v := range values {
		s = append(s, string(v))
	}
	slices.Sort(s)
	s = slices.Compact(s)
	if len(s) == 0 {
		return "(none)"
	}
	if len(s) > maxListed {
		return strings.Join(s[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(s)-maxListed)
	}
	return strings.Join(s, ", ")
}

// listInts renders numbers sorted and without repeats, e.g. "32, 33".
func listInts(values []int32) string {
	v := slices.Clone(values)
	slices.Sort(v)
	v = slices.Compact(v)
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(int(n))
	}
	return strings.Join(s, ", ")
}

// plural renders n and a noun, e.g. "1 month", "6 months".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// duration renders whole days as days ("30 days"), anything else as Go does ("36h0m0s").
func duration(d time.Duration) string {
	const day = 24 * time.Hour
	if d > 0 && d%day == 0 {
		return plural(int(d/day), "day")
	}
	return d.String()
}

// quantity renders a score as people write it ("4.7", not "4700m") without touching q:
// Quantity methods may cache a representation in the receiver, and q may be a cache object.
func quantity(q *resource.Quantity) string {
	c := q.DeepCopy()
	s := c.AsDec().String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// cmpQuantity compares a and b on copies, for the same reason as quantity.
func cmpQuantity(a, b *resource.Quantity) int {
	x, y := a.DeepCopy(), b.DeepCopy()
	return x.Cmp(y)
}
