package describe

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// writer indents like kubectl describe; tabs separate the columns the tabwriter aligns.
type writer struct {
	tw interface {
		io.Writer
		Flush() error
	}
}

// field prints "Key:  value" with keys padded per level, so fields line up across sections
// without tying their width to the tables in between.
func (w *writer) field(level int, key, format string, a ...any) {
	width := max([]int{15, 21, 21}[min(level, 2)], len(key)+2) // a long key still gets a space
	w.line(level, "%-*s%s", width, key+":", oneLine(fmt.Sprintf(format, a...)))
}

// section prints a heading; what follows at a deeper level belongs to it.
func (w *writer) section(key string) { w.line(0, "%s:", key) }

// line prints one row; tabs separate cells that the tabwriter aligns until the next flush.
func (w *writer) line(level int, format string, a ...any) {
	fmt.Fprintf(w.tw, strings.Repeat("  ", level)+format+"\n", a...)
}

// flush ends a table: the next one gets its own column widths.
func (w *writer) flush() { _ = w.tw.Flush() }

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// oneLine keeps user text from breaking the layout.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// cny groups thousands: 1280000 → "1,280,000 CNY".
func cny(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String() + " CNY"
	}
	return b.String() + " CNY"
}
