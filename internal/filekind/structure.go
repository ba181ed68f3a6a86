package filekind

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"mime"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// A signature alone (FF D8 FF, "GIF89a", "%PDF-") is three to eight bytes anyone can type in
// front of text. So a head that starts with one must also be laid out like the format in the
// bytes that follow, as far as the head reaches: no second read, nothing decoded beyond headers.

// shape is the check of one format: sig is the length of its signature when head starts with
// it (0 when not), ok whether the bytes after it are laid out like the format.
type shape func(head []byte) (sig int, ok bool)

var shapes = []shape{jpegShape, pngShape, gifShape, webpShape, pdfShape, ftypShape}

// malformed returns the media type of head when it carries a signature its bytes do not
// follow, "" when it does not: what comes after the signature if that is text, else
// application/octet-stream.
func malformed(head []byte) string {
	for _, s := range shapes {
		sig, ok := s(head)
		if sig == 0 || ok {
			continue
		}
		if rest := head[min(sig, len(head)):]; len(rest) > 0 {
			if t, _, err := mime.ParseMediaType(mimetype.Detect(rest).String()); err == nil && strings.HasPrefix(t, "text/") {
				return t
			}
		}
		return "application/octet-stream"
	}
	return ""
}

// jpegShape: after SOI comes a marker segment (tables, APPn, COM, a frame header, ...) with a
// length of at least its own two bytes; fill bytes (FF) may precede the marker.
func jpegShape(h []byte) (int, bool) {
	if !bytes.HasPrefix(h, []byte{0xff, 0xd8, 0xff}) {
		return 0, false
	}
	i := 2
	for i < len(h) && h[i] == 0xff {
		i++
	}
	if i+2 >= len(h) {
		return 3, false
	}
	m := h[i]
	// RSTn, SOI, EOI and SOS cannot follow SOI; below C0 is no marker.
	if m < 0xc0 || (m >= 0xd0 && m <= 0xda) {
		return 3, false
	}
	return 3, binary.BigEndian.Uint16(h[i+1:]) >= 2
}

// pngShape: the IHDR chunk follows the signature (its CRC checked) with a non-empty size.
func pngShape(h []byte) (int, bool) {
	if !bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")) {
		return 0, false
	}
	c, err := png.DecodeConfig(bytes.NewReader(h))
	return 8, err == nil && c.Width > 0 && c.Height > 0
}

// gifShape: a non-empty logical screen, then (after the global colour table) an extension
// with a known label, an image descriptor or the trailer. Only the dimensions would not do:
// any two letters make a width.
func gifShape(h []byte) (int, bool) {
	if !bytes.HasPrefix(h, []byte("GIF87a")) && !bytes.HasPrefix(h, []byte("GIF89a")) {
		return 0, false
	}
	if len(h) < 14 || binary.LittleEndian.Uint16(h[6:]) == 0 || binary.LittleEndian.Uint16(h[8:]) == 0 {
		return 6, false
	}
	next := 13
	if flags := h[10]; flags&0x80 != 0 {
		next += 3 << (flags&7 + 1)
	}
	if next >= len(h) {
		return 6, false
	}
	switch h[next] {
	case 0x2c, 0x3b: // image descriptor, trailer
		return 6, true
	case 0x21: // extension: plain text, graphic control, comment, application
		return 6, next+1 < len(h) && bytes.IndexByte([]byte{0x01, 0xf9, 0xfe, 0xff}, h[next+1]) >= 0
	}
	return 6, false
}

// webpShape: the RIFF form's first chunk is a VP8, VP8L or VP8X chunk with a body.
func webpShape(h []byte) (int, bool) {
	if len(h) < 12 || !bytes.HasPrefix(h, []byte("RIFF")) || !bytes.Equal(h[8:12], []byte("WEBP")) {
		return 0, false
	}
	if len(h) < 20 {
		return 12, false
	}
	switch string(h[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
		return 12, binary.LittleEndian.Uint32(h[16:]) > 0
	}
	return 12, false
}

// pdfShape: "%PDF-" (mimetype also allows a newline or a BOM before it) is followed by a
// version 1.0 to 2.0 and the end of the line.
func pdfShape(h []byte) (int, bool) {
	i := bytes.Index(h[:min(len(h), 8)], []byte("%PDF-"))
	if i < 0 {
		return 0, false
	}
	v := h[i+5:]
	if len(v) < 4 || v[1] != '.' || !(v[0] == '1' && v[2] >= '0' && v[2] <= '9' || v[0] == '2' && v[2] == '0') {
		return i + 5, false
	}
	return i + 5, bytes.IndexByte([]byte("\r\n \t"), v[3]) >= 0
}

// ftypShape: an ISO base media file (MP4, QuickTime, HEIC, AVIF, ...) starts with an ftyp box
// of a sane size and a printable major brand; the next box, when in the head, has a sane size
// and a printable type.
func ftypShape(h []byte) (int, bool) {
	if len(h) < 8 || !bytes.Equal(h[4:8], []byte("ftyp")) {
		return 0, false
	}
	size := int(binary.BigEndian.Uint32(h))
	if size < 16 || size > 4096 || len(h) < 12 || !printable(h[8:12]) {
		return 8, false
	}
	if len(h) < size+8 {
		return 8, true
	}
	next := binary.BigEndian.Uint32(h[size:])
	return 8, (next == 0 || next == 1 || next >= 8) && printable(h[size+4:size+8])
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
