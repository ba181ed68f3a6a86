package controllers_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// TestSamples applies config/samples to the real API server: the valid application is admitted
// and goes under review; every file in config/samples/invalid is refused with the messages its
// "# expect:" lines name (the field and the rule), exactly as `kubectl apply` shows them.
func TestSamples(t *testing.T) {
	g := NewWithT(t)
	ensurePolicies(t)
	for _, f := range []string{"01-namespace.yaml", "02-secrets.yaml", "03-categoryapplication.yaml"} {
		applyAll(t, repoPath("config", "samples", f))
	}
	eventually(g, func(g Gomega) {
		app := getApp(g, "shop-acme", "acme-gold")
		g.Expect(app.Status.Findings).To(BeEmpty())
		g.Expect(meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionRequirementsMet)).To(BeTrue())
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview))
	}).Should(Succeed())

	files, err := filepath.Glob(repoPath("config", "samples", "invalid", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(files).NotTo(BeEmpty())
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			g := NewWithT(t)
			want := expectations(t, f)
			g.Expect(want).NotTo(BeEmpty(), "every invalid sample says what the user should see in # expect: lines")
			for _, u := range readObjects(t, f) {
				if u.GetKind() != "CategoryApplication" {
					continue
				}
				err := admin.Create(context.Background(), u)
				g.Expect(err).To(HaveOccurred(), "the API server must refuse %s", f)
				for _, w := range want {
					g.Expect(err.Error()).To(ContainSubstring(w))
				}
				t.Log(strings.TrimSpace(err.Error()))
			}
		})
	}
}
