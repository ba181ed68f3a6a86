package materials

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestDetectNamesFilesByTheirBytes(t *testing.T) {
	g := NewWithT(t)
	ftyp := func(brand string) []byte {
		return append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p'}, brand+"\x00\x00\x02\x00isommp41"...)
	}
	for _, c := range []struct {
		name      string
		head      []byte
		mime, ext string
	}{
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg", ".jpg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png", ".png"},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n"), "application/pdf", ".pdf"},
		{"mp4", ftyp("isom"), "video/mp4", ".mp4"},
		{"mp4 (mp42)", ftyp("mp42"), "video/mp4", ".mp4"},
		{"QuickTime", ftyp("qt  "), "video/quicktime", ".mov"},
		{"HEIC photo", ftyp("heic"), "image/heic", ".heic"},
		{"text placeholder", []byte("placeholder: photo of the letter"), "text/plain", ".txt"},
		// Active or unknown content is never given an extension a viewer or browser would open.
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), "text/html", ".bin"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>`), "text/xml", ".bin"},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00"), "application/octet-stream", ".bin"},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), "application/zip", ".bin"},
	} {
		mime, ext := detect(c.head)
		g.Expect(mime).To(Equal(c.mime), c.name)
		g.Expect(ext).To(Equal(c.ext), c.name)
	}
}

func TestNameSaysWhenTheNameDisagrees(t *testing.T) {
	g := NewWithT(t)
	g.Expect(nameSays("filing-letter.jpg", ".txt")).To(Equal(".jpg"))
	g.Expect(nameSays("https://e.example/a/License.PDF", ".pdf")).To(BeEmpty())
	g.Expect(nameSays("photo.jpeg", ".jpg")).To(BeEmpty())
	g.Expect(nameSays("no-extension", ".png")).To(BeEmpty())
}

func TestCellKeepsTheTableAndTheTerminalSafe(t *testing.T) {
	g := NewWithT(t)
	g.Expect(cell("HTTP 500 \x1b[2J\x1b]0;owned\x07 über")).To(Equal(`HTTP 500 \x1b[2J\x1b]0;owned\a über`))
	g.Expect(cell("a|b\nc")).To(Equal(`a\|b\nc`))
}
