package materials

import (
	"os"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// A Secret file is kept only when its bytes are those the operator recorded for the round.
func TestSecretFileIsKeptOnlyWhenItMatchesTheRound(t *testing.T) {
	g := NewWithT(t)
	ref := qualv1.SecretKeyReference{Name: "m", Key: "letter.jpg"}
	photo := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01letter")
	sec := &corev1.Secret{Data: map[string][]byte{"letter.jpg": photo}}
	o := &Options{}
	try := func(recorded map[qualv1.SecretKeyReference]string, s *corev1.Secret) (*item, []os.DirEntry) {
		dir := t.TempDir()
		it := &item{Material: 1, Type: qualv1.MaterialFilingLetter, Field: "files[0]", Base: "01-FilingLetter-file-1",
			Ref: qualv1.FileRef{SecretKeyRef: &ref}}
		o.secretFile(dir, it, s, recorded)
		entries, err := os.ReadDir(dir)
		g.Expect(err).NotTo(HaveOccurred())
		return it, entries
	}

	it, files := try(map[qualv1.SecretKeyReference]string{ref: "sha256:" + sum(photo)}, sec)
	g.Expect(it.Problem).To(BeEmpty())
	g.Expect(it.Verified).To(Equal("its sha256 is the one the operator recorded for this round"))
	g.Expect(files).To(HaveLen(1))
	g.Expect(files[0].Name()).To(Equal("01-FilingLetter-file-1.jpg"))
	info, err := files[0].Info()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)), "never executable")

	// The merchant replaced the photo after the round began: not the bytes under review.
	it, files = try(map[qualv1.SecretKeyReference]string{ref: "sha256:" + sum([]byte("the photo of the round"))}, sec)
	g.Expect(it.Problem).To(HavePrefix("not kept: the Secret now holds sha256:" + sum(photo) + ", not the sha256:" + sum([]byte("the photo of the round")) + " recorded for this round"))
	g.Expect(files).To(BeEmpty())

	it, files = try(map[qualv1.SecretKeyReference]string{}, sec)
	g.Expect(it.Problem).To(ContainSubstring("the operator recorded no digest for this file"))
	g.Expect(files).To(BeEmpty())

	it, files = try(map[qualv1.SecretKeyReference]string{ref: "missing"}, &corev1.Secret{})
	g.Expect(it.Problem).To(Equal(`not fetched: Secret m has no key "letter.jpg"`))
	g.Expect(files).To(BeEmpty())

	// No round records this generation: kept as it is, and said to be unverified.
	it, files = try(nil, sec)
	g.Expect(it.Problem).To(BeEmpty())
	g.Expect(it.Verified).To(BeEmpty())
	g.Expect(it.result()).To(Equal("NOT VERIFIED: nothing: no review round records this generation"))
	g.Expect(files).To(HaveLen(1))
}
