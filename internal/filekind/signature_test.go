package filekind

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// A signature in front of text is no photo or scan: D33 judges by content, and a merchant who
// knows the magic bytes would otherwise pass a few words as a license photo (the console then
// shows a broken image and `materials` saves it as .jpg).
func TestSignatureInFrontOfTextIsNoPhoto(t *testing.T) {
	for name, head := range map[string][]byte{
		"jpeg magic then text": []byte("\xff\xd8\xffplaceholder: photo of the filing letter, sealed"),
		"pdf magic then text":  []byte("%PDF-placeholder: scan of the business license"),
		"gif magic then text":  []byte("GIF89aplaceholder: screenshot of the store"),
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := Sniff(head)
			g.Expect(Accepts(false, got)).To(BeFalse(), "%q sniffed as %s", head, got)
			g.Expect(got).To(Equal("text/plain"))
		})
	}
}

func TestSignatureWithoutTheFormatsLayoutIsRefused(t *testing.T) {
	for name, c := range map[string]struct {
		head      []byte
		recording bool
	}{
		"jpeg: a restart marker after SOI":  {head: []byte("\xff\xd8\xff\xd0\x00\x10JFIF")},
		"jpeg: nothing after SOI":           {head: []byte("\xff\xd8\xff")},
		"png: no IHDR":                      {head: []byte("\x89PNG\r\n\x1a\nplaceholder: proof of qualification, page 1")},
		"gif: text after the screen":        {head: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00placeholder")},
		"gif: an empty screen":              {head: []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00;")},
		"webp: no VP8 chunk":                {head: []byte("RIFF\x20\x00\x00\x00WEBPplaceholder: the store")},
		"pdf: no version":                   {head: []byte("%PDF-\nplaceholder")},
		"pdf: version 3.1":                  {head: []byte("%PDF-3.1\n")},
		"pdf: version then text":            {head: []byte("%PDF-1.4: the scan")},
		"mp4: a text size of the ftyp box":  {head: []byte("\x00abcftypisom placeholder: the sales flow"), recording: true},
		"mp4: an ftyp box of 8 bytes":       {head: []byte("\x00\x00\x00\x08ftypisom\x00\x00\x00\x08moov"), recording: true},
		"mp4: a binary type after the ftyp": {head: []byte("\x00\x00\x00\x10ftypisom\x00\x00\x00\x00\x00\x00\x00\x08\x00\x01\x02\x03"), recording: true},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := Sniff(c.head)
			g.Expect(Accepts(c.recording, got)).To(BeFalse(), "%q sniffed as %s", c.head, got)
		})
	}
}

// Real files of each checked format still pass, as do the fixtures tests and samples use.
func TestRealFilesPassTheLayoutCheck(t *testing.T) {
	g := NewWithT(t)
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var jpg, gf bytes.Buffer
	g.Expect(jpeg.Encode(&jpg, img, nil)).To(Succeed())
	g.Expect(gif.Encode(&gf, img, nil)).To(Succeed())
	webp, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==") // 1x1 lossless
	g.Expect(err).NotTo(HaveOccurred())
	recording, err := os.ReadFile(filepath.Join("..", "..", "cmd", "kubectl-category", "internal", "console", "testdata", "recording.mp4"))
	g.Expect(err).NotTo(HaveOccurred())

	files := map[string]struct {
		head []byte
		want string
	}{
		"JPEG fixture":               {JPEG("a filing letter"), "image/jpeg"},
		"PNG fixture":                {PNG(), "image/png"},
		"PDF fixture":                {PDF(), "application/pdf"},
		"MP4 fixture":                {MP4(), "video/mp4"},
		"image/jpeg encoder":         {jpg.Bytes(), "image/jpeg"},
		"image/gif encoder":          {gf.Bytes(), "image/gif"},
		"webp":                       {webp, "image/webp"},
		"console's recording.mp4":    {recording, "video/mp4"},
		"pdf 1.7, CRLF":              {[]byte("%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj"), "application/pdf"},
		"pdf 2.0 after a BOM":        {[]byte("\xef\xbb\xbf%PDF-2.0\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		"jpeg with fill bytes, Exif": {[]byte("\xff\xd8\xff\xff\xe1\x00\x16Exif\x00\x00MM\x00*"), "image/jpeg"},
		"quicktime":                  {[]byte("\x00\x00\x00\x14ftypqt  \x20\x05\x03\x00qt  \x00\x00\x00\x08wide"), "video/quicktime"},
	}
	for key, head := range samples(t) {
		files["sample "+key] = struct {
			head []byte
			want string
		}{head, map[string]string{".jpg": "image/jpeg", ".png": "image/png", ".mp4": "video/mp4"}[filepath.Ext(key)]}
	}
	for name, f := range files {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := Sniff(f.head)
			g.Expect(got).To(Equal(f.want))
			g.Expect(Accepts(strings.HasPrefix(got, "video/"), got)).To(BeTrue(), "%s sniffed as %s", name, got)
		})
	}
}

// samples are the image and video files of config/samples/02-secrets.yaml, by key.
func samples(t *testing.T) map[string][]byte {
	f, err := os.Open(filepath.Join("..", "..", "config", "samples", "02-secrets.yaml"))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), ": ")
		if !ok || !strings.HasSuffix(key, ".jpg") && !strings.HasSuffix(key, ".png") && !strings.HasSuffix(key, ".mp4") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(value)
		NewWithT(t).Expect(err).NotTo(HaveOccurred(), key)
		out[key] = b
	}
	NewWithT(t).Expect(out).NotTo(BeEmpty())
	return out
}
