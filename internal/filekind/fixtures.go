package filekind

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
)

// Tiny valid files, for tests and samples: each is what a viewer opens as its kind.

// PNG is a 1x1 PNG image.
func PNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 200, G: 160, B: 40, A: 255})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// JPEG is the start of a JFIF image followed by note, so distinct files have distinct digests.
func JPEG(note string) []byte {
	return append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), note...)
}

// PDF is a one-page PDF.
func PDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
		"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n" +
		"trailer<</Root 1 0 R>>\n%%EOF\n")
}

// MP4 is an ISO base media file: an ftyp box (brand isom) and an empty moov box.
func MP4() []byte {
	box := func(kind string, body []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
		return append(append(out, kind...), body...)
	}
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))
	return append(ftyp, box("moov", nil)...)
}
