package describe

import (
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// Each file says how a reviewer can verify it: what `kubectl category materials` checks.
func TestPinsSayHowAFileIsVerified(t *testing.T) {
	g := NewWithT(t)
	sec := func(key string) qualv1.FileRef {
		return qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "m", Key: key}}
	}
	d := func(c byte) string { return "sha256:" + repeat(c) }
	st := &qualv1.CategoryApplicationStatus{
		MaterialsDigest: "sha256:" + repeat('f'),
		SecretFiles: []qualv1.SecretFileDigest{
			{Name: "m", Key: "same.jpg", SHA256: d('a')}, {Name: "m", Key: "changed.jpg", SHA256: d('b')},
			{Name: "m", Key: "new.jpg", SHA256: d('c')}, {Name: "m", Key: "gone.jpg", SHA256: "missing"},
		},
		DecidedSecretFiles: []qualv1.SecretFileDigest{{Name: "m", Key: "same.jpg", SHA256: d('a')}, {Name: "m", Key: "changed.jpg", SHA256: d('0')}},
	}
	p := newPins(st)
	g.Expect(p.of(sec("same.jpg"))).To(Equal(" sha256:aaaaaaaaaaaa… (pinned by the operator for this round)"))
	g.Expect(p.of(sec("changed.jpg"))).To(Equal(" sha256:bbbbbbbbbbbb… (pinned by the operator for this round; CHANGED since the last decision)"))
	g.Expect(p.of(sec("new.jpg"))).To(Equal(" sha256:cccccccccccc… (pinned by the operator for this round; new since the last decision)"))
	g.Expect(p.of(sec("gone.jpg"))).To(Equal(" (missing from the Secret when this round began)"))
	g.Expect(p.of(sec("other.jpg"))).To(Equal(" (not pinned in this round)"))
	g.Expect(p.of(qualv1.FileRef{URL: "https://e.example/a.pdf", SHA256: repeat('e')})).To(Equal(" (pinned by its sha256)"))

	noRound := newPins(&qualv1.CategoryApplicationStatus{})
	g.Expect(noRound.of(sec("same.jpg"))).To(Equal(" (not pinned: no review round records this generation)"))
}

func repeat(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}
