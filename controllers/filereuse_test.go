package controllers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
)

// reuseApp is the sample application in ns whose filing letter is letter, a file of its own
// Secret: the rest of the sample's files are shared by every test's applications.
func reuseApp(t *testing.T, ns, name, appID, level2 string, letter []byte) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	newNamespace(t, ns)
	sampleSecrets(t, ns)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "letter"}, Data: map[string][]byte{"letter.jpg": letter}}
	g.Expect(client.IgnoreAlreadyExists(admin.Create(ctx, sec))).To(Succeed())
	app := sampleApp(t, ns, name, appID, level2)
	app.Spec.Materials[0].Files[0] = qualv1.FileRef{SecretKeyRef: &qualv1.SecretKeyReference{Name: "letter", Key: "letter.jpg"}}
	g.Expect(admin.Create(ctx, app)).To(Succeed())
}

// reusedFile is the entry of the report about ns/name for digest; nil when there is none.
func reusedFile(g Gomega, ns, name, digest string) *qualv1.ReusedFile {
	report := &qualv1.FileReuseReport{}
	err := admin.Get(context.Background(), client.ObjectKey{Name: qualv1.FileReuseReportName(ns, name)}, report)
	if apierrors.IsNotFound(err) {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(report.Application.Namespace + "/" + report.Application.Name).To(Equal(ns + "/" + name))
	for i := range report.Files {
		if report.Files[i].SHA256 == digest {
			return &report.Files[i]
		}
	}
	return nil
}

// TestReusedFilesAreReportedToReviewersOnly: two merchants (AppIDs) whose applications hold
// the same filing letter each get a report naming the other (D34); the same merchant's other
// application holding it is not named. The reports are cluster-scoped and a merchant may not
// read them, not even the one about its own application; nothing about the other merchant is
// written to the application. When one merchant replaces the file, both reports drop it.
func TestReusedFilesAreReportedToReviewersOnly(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ensurePolicies(t)
	letter := filekind.JPEG("the same filing letter, uploaded by two shops")
	digest := secretDigest(letter)
	appA, appB := nextAppID(), nextAppID()
	reuseApp(t, "reuse-a", "gold", appA, "gold", letter)
	reuseApp(t, "reuse-b", "gold", appB, "gold", letter)
	reuseApp(t, "reuse-a2", "diamond", appA, "diamond", letter) // merchant A's other category

	for _, ns := range []string{"reuse-a", "reuse-b", "reuse-a2"} {
		eventually(g, func(g Gomega) {
			g.Expect(fixturePhase(g, ns)).To(Equal(qualv1.PhaseUnderReview))
		}).Should(Succeed())
	}
	eventually(g, func(g Gomega) {
		a := reusedFile(g, "reuse-a", "gold", digest)
		g.Expect(a).NotTo(BeNil())
		g.Expect(a.Applications).To(Equal([]qualv1.ApplicationReference{{Namespace: "reuse-b", Name: "gold", AppID: appB}}), "not merchant A's own other application")
		g.Expect(a.Total).To(Equal(int32(1)))
		b := reusedFile(g, "reuse-b", "gold", digest)
		g.Expect(b).NotTo(BeNil())
		g.Expect(b.Applications).To(Equal([]qualv1.ApplicationReference{
			{Namespace: "reuse-a", Name: "gold", AppID: appA}, {Namespace: "reuse-a2", Name: "diamond", AppID: appA}}))
		g.Expect(b.Total).To(Equal(int32(2)))
	}).Should(Succeed())

	// The merchant of B may read its application, and nothing in it names A.
	bindMerchant(t, "reuse-b", "merchant-b")
	merchant := userClient(t, "merchant-b")
	own := &qualv1.CategoryApplication{}
	g.Expect(merchant.Get(ctx, client.ObjectKey{Namespace: "reuse-b", Name: "gold"}, own)).To(Succeed())
	g.Expect(fmt.Sprint(own.Status)).NotTo(ContainSubstring("reuse-a"))
	g.Expect(fmt.Sprint(own.Status)).NotTo(ContainSubstring(appA))
	for _, name := range []string{qualv1.FileReuseReportName("reuse-b", "gold"), qualv1.FileReuseReportName("reuse-a", "gold")} {
		err := merchant.Get(ctx, client.ObjectKey{Name: name}, &qualv1.FileReuseReport{})
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a merchant reads no report: %v", err)
	}
	g.Expect(apierrors.IsForbidden(merchant.List(ctx, &qualv1.FileReuseReportList{}))).To(BeTrue())
	// A reviewer bound to the shipped role reads them.
	bindClusterRole(t, "reviewer_role.yaml", "reviewer-reuse")
	reviewer := userClient(t, "reviewer-reuse")
	eventually(g, func(g Gomega) {
		g.Expect(reviewer.Get(ctx, client.ObjectKey{Name: qualv1.FileReuseReportName("reuse-a", "gold")}, &qualv1.FileReuseReport{})).To(Succeed())
	}).Should(Succeed())

	// B uploads a letter of its own: the file is no longer shared across merchants.
	sec := &corev1.Secret{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Namespace: "reuse-b", Name: "letter"}, sec)).To(Succeed())
	sec.Data["letter.jpg"] = filekind.JPEG("shop B's own filing letter")
	g.Expect(admin.Update(ctx, sec)).To(Succeed())
	eventually(g, func(g Gomega) {
		g.Expect(reusedFile(g, "reuse-a", "gold", digest)).To(BeNil())
		g.Expect(reusedFile(g, "reuse-b", "gold", digest)).To(BeNil())
	}).Should(Succeed())
}

// secretDigest is the digest the operator records for a Secret value.
func secretDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fixturePhase is the phase of the application "gold" or "diamond" of ns.
func fixturePhase(g Gomega, ns string) qualv1.ApplicationPhase {
	var list qualv1.CategoryApplicationList
	g.Expect(admin.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	g.Expect(list.Items).To(HaveLen(1))
	return list.Items[0].Status.Phase
}
