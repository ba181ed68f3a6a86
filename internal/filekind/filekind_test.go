package filekind

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestSniffJudgesFilesByContent(t *testing.T) {
	for _, c := range []struct {
		name      string
		head      []byte
		recording bool
		want      string
		ok        bool
	}{
		{"png", PNG(), false, "image/png", true},
		{"jpeg", JPEG("a filing letter"), false, "image/jpeg", true},
		{"pdf", PDF(), false, "application/pdf", true},
		{"mp4 recording", MP4(), true, "video/mp4", true},
		{"text posing as a photo", []byte("placeholder: photo of the letter"), false, "text/plain", false},
		{"a few bytes", []byte("hi"), false, "text/plain", false},
		{"svg is text a viewer runs", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>`), false, "image/svg+xml", false},
		{"a photo is no recording", PNG(), true, "image/png", false},
		{"a recording is no document", MP4(), false, "video/mp4", false},
		{"empty", nil, false, "text/plain", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			got := Sniff(c.head)
			g.Expect(got).To(Equal(c.want))
			g.Expect(Accepts(c.recording, got)).To(Equal(c.ok))
			p := Problem(c.recording, got, `Secret "s" key "k"`)
			if c.ok {
				g.Expect(p).To(BeEmpty())
			} else {
				g.Expect(p).To(ContainSubstring(`Secret "s" key "k"`))
				g.Expect(p).To(ContainSubstring(Want(c.recording)))
			}
		})
	}
}

func TestSniffLooksOnlyAtTheHead(t *testing.T) {
	g := NewWithT(t)
	long := append(PNG(), make([]byte, 10*SniffLen)...)
	g.Expect(Sniff(long)).To(Equal("image/png"))
}
