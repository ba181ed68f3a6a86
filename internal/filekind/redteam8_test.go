package filekind

import (
	"testing"

	. "github.com/onsi/gomega"
)

// Red team 8, finding: D33 judges a file by its magic bytes only, so a text file with three
// bytes in front (FF D8 FF, the start of a JPEG) or "%PDF-" passes as a photo or a scan: the
// README's "text posing as a license photo is a finding" holds only for a merchant who does not
// know the rule. The console then shows a broken image and `materials` saves it as .jpg.
func TestRedteam8TextWithAMagicPrefixIsNoPhoto(t *testing.T) {
	for name, head := range map[string][]byte{
		"jpeg magic then text": []byte("\xff\xd8\xffplaceholder: photo of the filing letter, sealed"),
		"pdf magic then text":  []byte("%PDF-placeholder: scan of the business license"),
		"gif magic then text":  []byte("GIF89aplaceholder: screenshot of the store"),
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := Sniff(head)
			g.Expect(Accepts(false, got)).To(BeFalse(), "%q sniffed as %s", head, got)
		})
	}
}
