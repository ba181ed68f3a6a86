package index

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestDeclaredURLDigestIsNoEvidenceOfReuse (D34, found by a red-team session): a URL file's sha256 is whatever the merchant writes in its spec;
// nobody fetched it (the operator never downloads URL files). FileDigests indexes it exactly as
// a digest the operator computed from a Secret's content, so a hostile merchant who knows the
// digest of a competitor's document (a picture the competitor publishes, a URL file of theirs)
// declares it behind an address that does not resolve, and the competitor's application is
// reported to reviewers as "REUSED by other merchants" (describe, console), with the hostile
// application named. Reviewers reading it as a sign of a forged or borrowed document reject the
// competitor. The declared digest must not be evidence of reuse of someone else's file.
func TestDeclaredURLDigestIsNoEvidenceOfReuse(t *testing.T) {
	victimDigest := "sha256:" + strings.Repeat("3f", 32)
	victim := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop-victim", Name: "victim-gold"},
		Status:     qualv1.CategoryApplicationStatus{SecretFiles: []qualv1.SecretFileDigest{{Name: "m", Key: "license.jpg", SHA256: victimDigest}}},
	}
	hostile := &qualv1.CategoryApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop-hostile", Name: "hostile-gold"},
		Spec: qualv1.CategoryApplicationSpec{Materials: []qualv1.Material{{
			Type:  qualv1.MaterialType("BusinessLicense"),
			Files: []qualv1.FileRef{{URL: "https://does-not-resolve.invalid/license.jpg", SHA256: strings.TrimPrefix(victimDigest, "sha256:")}},
		}}},
	}
	if !slices.Contains(FileDigests(victim), victimDigest) {
		t.Fatalf("the victim's Secret file is indexed: %v", FileDigests(victim))
	}
	if slices.Contains(FileDigests(hostile), victimDigest) {
		t.Errorf("a digest the hostile merchant only declared (its URL was never fetched) is indexed as a file it holds, "+
			"so the victim's %s is reported as reused by shop-hostile/hostile-gold (D34)", victimDigest)
	}
}
