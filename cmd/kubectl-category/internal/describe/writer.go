package describe

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/escape"
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
// The format is the plugin's; every string argument is escaped (escape.Text), so nothing a
// merchant, a reviewer or a policy wrote acts on the terminal or splits a cell.
func (w *writer) line(level int, format string, a ...any) {
	for i, x := range a {
		if v := reflect.ValueOf(x); v.Kind() == reflect.String {
			a[i] = escape.Text(v.String())
		}
	}
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

// oneLine keeps user text from breaking the layout: runs of spaces, tabs and line breaks
// become one space. Other spaces are the writer's (an ideographic space in a shop name).
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029'
	}), " ")
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
