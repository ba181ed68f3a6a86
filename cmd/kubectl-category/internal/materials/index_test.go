package materials

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestIndexEscapesWhatOthersWrote: references stored with control characters or bidirectional
// overrides (before the CRD refused them) are written to index.md and the terminal escaped,
// the same way describe shows them (item 6 of issue 22).
func TestIndexEscapesWhatOthersWrote(t *testing.T) {
	g := NewWithT(t)
	app := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Name: "acme-gold", Namespace: "shop-acme", Generation: 1},
		Spec: qualv1.CategoryApplicationSpec{Materials: []qualv1.Material{{
			Type: qualv1.MaterialFilingLetter,
			Files: []qualv1.FileRef{
				{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m\x1b[2J|x", Key: "a.jpg"}},
				{URL: "https://e.example/\u202egpj.exe", SHA256: strings.Repeat("a", 64)},
			},
		}}},
	}
	items := plan(app)
	items[0].Problem = "Secret \"m\x1b[2J|x\" not found\u009b1A"
	items[1].Recorded, items[1].Problem = "sha256:"+strings.Repeat("a", 64)+" pinned in the spec", "HTTP 500 \x1b]0;owned\x07"

	var index, out, errOut bytes.Buffer
	g.Expect(writeIndex(&index, app, items, time.Now(), "round", "")).To(Succeed())
	g.Expect(printSummary(&out, &errOut, items)).To(Succeed())
	for name, s := range map[string]string{"index.md": index.String(), "stdout": out.String(), "stderr": errOut.String()} {
		for _, r := range s {
			g.Expect(r == '\n' || strconv.IsGraphic(r)).To(BeTrue(), "%s: %U written in\n%s", name, r, s)
		}
	}
	g.Expect(index.String()).To(ContainSubstring(`| secret m\x1b[2J\|x, key a.jpg |`))
	g.Expect(index.String()).To(ContainSubstring(`| https://e.example/\u202egpj.exe |`))
	g.Expect(index.String()).To(ContainSubstring(`FAILED: HTTP 500 \x1b]0;owned\a |`))
	g.Expect(errOut.String()).To(ContainSubstring(`: Secret "m\x1b[2J|x" not found\u009b1A` + "\n"))
}
