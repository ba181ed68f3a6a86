package controllers_test

import (
	"context"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
)

// TestFileKindIsCheckedByContent: a Secret file is judged by its bytes, the ones the operator
// digests (D33). Text posing as a filing letter photo and a PNG standing as a screen recording
// are findings naming the Secret and key; a real PNG, PDF and MP4 in the same places are not,
// whatever their keys are called.
func TestFileKindIsCheckedByContent(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	ns := newNamespace(t, "filekind")
	sampleSecrets(t, ns)
	files := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "uploads"}, Data: map[string][]byte{
		"license-photo.jpg": []byte("placeholder: photo of the filing letter"),
		"recording.mp4":     filekind.PNG(),
	}}
	g.Expect(admin.Create(ctx, files)).To(Succeed())
	app := sampleApp(t, ns, "gold", nextAppID(), "gold")
	app.Spec.Materials[0].Files[0] = qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "uploads", Key: "license-photo.jpg"}}
	rec := -1
	for i, m := range app.Spec.Materials {
		if len(m.Recordings) > 0 && m.Recordings[0].SecretKeyRef != nil {
			rec = i
			break
		}
	}
	g.Expect(rec).To(BeNumerically(">=", 0), "the sample has a recording kept in a Secret")
	app.Spec.Materials[rec].Recordings[0] = qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "uploads", Key: "recording.mp4"}}
	g.Expect(admin.Create(ctx, app)).To(Succeed())

	eventually(g, func(g Gomega) {
		got := getApp(g, ns, "gold")
		g.Expect(got.Status.Phase).To(Equal(qualv1.PhaseIncomplete))
		g.Expect(got.Status.Findings).To(ConsistOf(
			qualv1.Finding{Rule: "D33", Field: "spec.materials[0].files[0].secretKeyRef",
				Message: `Secret "uploads" key "license-photo.jpg" holds plain text by its content, not an image or a PDF (a photo, scan or screenshot): upload the file itself, whatever its name says (D33)`},
			qualv1.Finding{Rule: "D33", Field: fmt.Sprintf("spec.materials[%d].recordings[0].secretKeyRef", rec),
				Message: `Secret "uploads" key "recording.mp4" holds image/png by its content, not a video (a screen recording): upload the file itself, whatever its name says (D33)`},
		))
	}).Should(Succeed())

	// The merchant uploads the files themselves: a PDF for the letter, an MP4 for the recording.
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(files), files)).To(Succeed())
	files.Data["license-photo.jpg"], files.Data["recording.mp4"] = filekind.PDF(), filekind.MP4()
	g.Expect(admin.Update(ctx, files)).To(Succeed())
	eventually(g, func(g Gomega) {
		got := getApp(g, ns, "gold")
		g.Expect(got.Status.Findings).To(BeEmpty())
		g.Expect(got.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
	}).Should(Succeed())
}
