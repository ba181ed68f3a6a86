package materials

import (
	"bytes"
	"net/http"
	"path"
	"strings"
)

// sniffLen is what net/http.DetectContentType reads.
const sniffLen = 512

// extensions are the only file name extensions the command writes: types a reviewer opens in
// a viewer. Anything else (HTML, SVG, scripts, archives, executables) is saved as .bin, so a
// double-click never runs or renders a merchant's active content.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/bmp": ".bmp",
	"image/heic": ".heic", "image/avif": ".avif",
	"application/pdf": ".pdf",
	"video/mp4":       ".mp4", "video/quicktime": ".mov", "video/3gpp": ".3gp", "video/webm": ".webm", "video/avi": ".avi",
	"text/plain": ".txt",
}

// detect names the content type of a file from its first bytes, never from its name, and the
// extension to save it with.
func detect(head []byte) (contentType, ext string) {
	contentType = sniff(head)
	if ext, ok := extensions[contentType]; ok {
		return contentType, ext
	}
	return contentType, ".bin"
}

func sniff(head []byte) string {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	// ISO base media files (MP4, QuickTime, HEIC, AVIF) start with a box: 4-byte size, "ftyp",
	// and the major brand. DetectContentType knows only the "mp4" brands.
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch brand := string(head[8:12]); {
		case brand == "qt  ":
			return "video/quicktime"
		case brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "mif1" || brand == "msf1":
			return "image/heic"
		case brand == "avif" || brand == "avis":
			return "image/avif"
		case strings.HasPrefix(brand, "3g"):
			return "video/3gpp"
		default: // isom, iso2, mp41, mp42, M4V, avc1, dash, ...
			return "video/mp4"
		}
	}
	if bytes.HasPrefix(head, []byte("%PDF-")) {
		return "application/pdf"
	}
	ct := http.DetectContentType(head)
	if i := strings.IndexByte(ct, ';'); i >= 0 { // "text/plain; charset=utf-8"
		ct = ct[:i]
	}
	return ct
}

// nameSays reports the extension of a Secret key or URL path when it disagrees with the
// content, so a reviewer notices a "photo" that is something else: "" when they agree or the
// name has none.
func nameSays(name, ext string) string {
	got := strings.ToLower(path.Ext(name))
	if got == "" || got == ext || (got == ".jpeg" && ext == ".jpg") || (got == ".m4v" && ext == ".mp4") {
		return ""
	}
	return got
}
