package v1alpha1

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{strings.Repeat("a", 100), 40, strings.Repeat("a", 19) + " ... (81 more bytes)"},
		{strings.Repeat("黄", 40), 40, "黄黄黄黄黄黄 ... (102 more bytes)"}, // never half a rune: 18 bytes kept
	} {
		got := Truncate(c.in, c.max)
		if got != c.want || len(got) > c.max || !utf8.ValidString(got) {
			t.Errorf("Truncate(%d bytes, %d) = %q (%d bytes), want %q", len(c.in), c.max, got, len(got), c.want)
		}
	}
}

func TestBoundFindings(t *testing.T) {
	var fs []Finding
	for i := range 60 {
		fs = append(fs, Finding{Rule: "D19", Field: fmt.Sprintf("spec.materials[%d]", i), Message: strings.Repeat("x", 10000)})
	}
	got := BoundFindings(fs)
	if len(got) != MaxFindings {
		t.Fatalf("kept %d findings, want %d", len(got), MaxFindings)
	}
	for _, f := range got {
		if len(f.Message) > MaxFindingMessage {
			t.Errorf("%s: message of %d bytes", f.Field, len(f.Message))
		}
	}
	if last := got[MaxFindings-1]; last.Message != "... and 11 more finding(s): fix the ones above first" {
		t.Errorf("last finding = %+v", last)
	}
	if got := BoundFindings(fs[:3]); len(got) != 3 || got[2].Field != "spec.materials[2]" {
		t.Errorf("a short list is kept whole: %+v", got)
	}
}
