// Package filekind is the one home of rule D33: a file of a material is what the material
// says it is, judged by its content, never by its name. The operator applies it to the Secret
// files it digests (on the bytes it already reads for the digest), and `kubectl category
// materials` to the files it downloads, so both say the same of the same bytes.
package filekind

import (
	"fmt"
	"mime"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Rule is the rule's number in docs/rules.md.
const Rule = "D33"

// SniffLen is how many leading bytes of a file Sniff looks at (mimetype's own default): a
// caller keeps only these of a file it streams, so judging a file costs bounded memory.
const SniffLen = 3072

// Sniff names the media type of a file from its first bytes (at most SniffLen are used),
// without parameters: "image/png", "text/plain", "application/octet-stream". A head that
// starts with a format's signature but is not laid out like the format is not of it.
func Sniff(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if t := malformed(head); t != "" {
		return t
	}
	t, _, err := mime.ParseMediaType(mimetype.Detect(head).String())
	if err != nil {
		return "application/octet-stream"
	}
	return t
}

// Accepts reports whether a file of media type t may stand as evidence: a recording must be a
// video; any other file (a document, photo, scan or screenshot) an image or a PDF. SVG is
// refused: it is text that a viewer runs, not a photo.
func Accepts(recording bool, t string) bool {
	if recording {
		return strings.HasPrefix(t, "video/")
	}
	return t == "application/pdf" || (strings.HasPrefix(t, "image/") && t != "image/svg+xml")
}

// Want says what a file must be, for messages.
func Want(recording bool) string {
	if recording {
		return "a video (a screen recording)"
	}
	return "an image or a PDF (a photo, scan or screenshot)"
}

// Problem is the D33 message about a file of media type t, "" when it may stand. what names
// the file, e.g. `Secret "acme" key "letter.jpg"`. The caller adds the rule's number.
func Problem(recording bool, t, what string) string {
	if Accepts(recording, t) {
		return ""
	}
	return fmt.Sprintf("%s holds %s by its content, not %s: upload the file itself, whatever its name says",
		what, describe(t), Want(recording))
}

func describe(t string) string {
	switch {
	case t == "text/plain":
		return "plain text"
	case t == "application/octet-stream":
		return "no known file type"
	}
	return t
}
