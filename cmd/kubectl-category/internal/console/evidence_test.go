package console

import (
	"context"
	"fmt"
	"html"
	"image/color"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/materials"
	"github.com/channelshop/category-operator/internal/testenv"
)

// section is the part of page from the element with id to the next end tag given.
func section(t *testing.T, page, id, end string) string {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no %s on the page", id)
	}
	n := strings.Index(page[start:], end)
	if n < 0 {
		t.Fatalf("%s has no %s", id, end)
	}
	return html.UnescapeString(page[start : start+n])
}

// TestRejectReasons: the reject form offers the policy's rejection reasons (D32) with their
// guidance, a code outside them is refused with the valid codes, as `reject --reason` refuses
// it, and a catalogued code carries its title and guidance; a policy without a catalogue
// takes the reviewer's own CamelCase word.
func TestRejectReasons(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	f := newFixture(t, "console-reasons", true, "")
	c := startConsole(t, "alice", f)
	c.login(t)
	path := "/app/" + f.ns + "/" + f.name
	policy := &qualv1.CategoryPolicy{}
	g.Expect(admin.Get(ctx, client.ObjectKey{Name: "jewelry"}, policy)).To(Succeed())
	g.Expect(policy.Spec.RejectionReasons).NotTo(BeEmpty())
	entry := policy.Spec.RejectionReasons[1] // FilingLetterUnsealed

	_, page := c.get(t, path)
	rejectForm := section(t, page, "reject-form", "</form>")
	g.Expect(rejectForm).To(ContainSubstring(`<select id="reject-reason" name="reason" required>`))
	g.Expect(strings.Count(rejectForm, "data-guidance=")).To(Equal(len(policy.Spec.RejectionReasons)))
	g.Expect(rejectForm).To(ContainSubstring(fmt.Sprintf(`<option value="%s" title="%s" data-guidance="%s">%s — %s</option>`,
		entry.Code, entry.Guidance, entry.Guidance, entry.Code, entry.Title)))
	g.Expect(rejectForm).NotTo(ContainSubstring(`name="freeReason"`), "no free reason where the policy has a catalogue")

	// A code outside the catalogue: refused with the valid codes, nothing written.
	reject := form(t, page, "reject-form")
	reject.Set("reason", "SealIllegible")
	reject.Set("message", "the seal is not legible")
	status, _, body := c.post(t, path+"/decide", reject)
	g.Expect(status).To(Equal(http.StatusForbidden))
	g.Expect(html.UnescapeString(body)).To(ContainSubstring(`Not rejected: "SealIllegible" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterMissing, FilingLetterUnsealed, FilingLetterUnreadable,`))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())

	// A policy without a catalogue: the reviewer's own word (the page is read, not decided).
	bare := policy.DeepCopy()
	bare.Spec.RejectionReasons = nil
	g.Expect(admin.Update(ctx, bare)).To(Succeed())
	restore := func() {
		p := &qualv1.CategoryPolicy{}
		if err := admin.Get(ctx, client.ObjectKey{Name: "jewelry"}, p); err == nil && len(p.Spec.RejectionReasons) == 0 {
			p.Spec.RejectionReasons = policy.Spec.RejectionReasons
			g.Expect(admin.Update(ctx, p)).To(Succeed())
		}
	}
	t.Cleanup(restore)
	_, page = c.get(t, path)
	rejectForm = section(t, page, "reject-form", "</form>")
	g.Expect(rejectForm).To(ContainSubstring(`name="freeReason"`))
	g.Expect(rejectForm).NotTo(ContainSubstring(`<select`))
	restore()

	// A code of the catalogue: the decision carries its title and guidance.
	reject.Set("reason", entry.Code)
	status, _, _ = c.post(t, path+"/decide", reject)
	g.Expect(status).To(Equal(http.StatusSeeOther))
	d := getApp(t, f.ns, f.name).Status.Decision
	g.Expect(d.Verdict).To(Equal(qualv1.VerdictRejected))
	g.Expect(d.Reason).To(Equal(entry.Code))
	g.Expect(d.Title).To(Equal(entry.Title))
	g.Expect(d.Guidance).To(Equal(entry.Guidance))
}

// TestWrongKind: a Secret file that is not what its material needs (D33) is shown as failed
// with the rule's message and never served as what it poses as: text named like a photo, and
// a picture in place of a screen recording.
func TestWrongKind(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	f := newFixture(t, "console-wrong-kind", true, "")
	before := getApp(t, f.ns, f.name).Status.MaterialsDigest
	sec := f.secret.DeepCopy()
	g.Expect(admin.Get(ctx, client.ObjectKeyFromObject(sec), sec)).To(Succeed())
	sec.Data["filing-letter.jpg"] = []byte("this is the filing letter, I promise\n")
	sec.Data["selling-reputation.mp4"] = picture(t, color.RGBA{R: 90, G: 90, B: 90, A: 255}, false)
	g.Expect(admin.Update(ctx, sec)).To(Succeed())
	// The operator's own D33 findings take the application out of review; the console still
	// shows the application, and the files as the reviewer's machine finds them.
	g.Eventually(func(g Gomega) {
		app := getApp(t, f.ns, f.name)
		g.Expect(app.Status.MaterialsDigest).NotTo(Equal(before))
		g.Expect(app.Status.Findings).To(ContainElement(HaveField("Rule", "D33")))
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())

	c := startConsole(t, "alice", f)
	c.login(t)
	_, page := c.get(t, "/app/"+f.ns+"/"+f.name)
	app := getApp(t, f.ns, f.name)

	letter := section(t, page, "file-0", "</figure>")
	g.Expect(letter).To(HavePrefix(`id="file-0"`))
	g.Expect(page).To(ContainSubstring(`<figure class="file failed" id="file-0"`))
	g.Expect(letter).To(ContainSubstring("<b>Failed</b> — wrong kind: the file holds plain text by its content, not an image or a PDF " +
		"(a photo, scan or screenshot): upload the file itself, whatever its name says (D33)"))
	g.Expect(letter).NotTo(ContainSubstring("<img"))
	g.Expect(letter).To(ContainSubstring(`<span class="tag warn">not verified: nothing: no review round records this generation</span>`))
	status, body := c.get(t, filePath(app, 0))
	g.Expect(status).To(Equal(http.StatusUnsupportedMediaType))
	g.Expect(body).To(ContainSubstring("(D33)"))

	// The selling reputation's recording (material 5: its screenshot, then the recording).
	i := slices.IndexFunc(materials.Refs(app), func(r materials.Ref) bool {
		return r.Source() == "secret acme-gold-materials, key selling-reputation.mp4"
	})
	g.Expect(i).To(BeNumerically(">=", 0))
	rec := section(t, page, fmt.Sprintf("file-%d", i), "</figure>")
	g.Expect(rec).To(ContainSubstring("wrong kind: the file holds image/png by its content, not a video (a screen recording)"))
	g.Expect(rec).NotTo(ContainSubstring("<img"))
	g.Expect(rec).NotTo(ContainSubstring("<video"))
	resp, err := c.client.Get(c.url + filePath(app, i))
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusUnsupportedMediaType))
	g.Expect(resp.Header.Get("Content-Type")).NotTo(HavePrefix("image/"))
}

// TestEvidenceWarnings: a file other merchants' applications hold too is marked with their
// names from the FileReuseReport (D34); a reviewer who may not read reports is told so; a
// document within the policy's expiry window is warned of next to its material (D35).
func TestEvidenceWarnings(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	// Every fixture holds the sample's Secret files, so the twin holds the same filing letter
	// (only digests the operator computed count: URL files' are merely declared); its namespace
	// sorts first among the applications the report names.
	f := newFixture(t, "console-reused", true, "")
	twin := newFixture(t, "a-console-reused-twin", true, "")
	twinApp := getApp(t, twin.ns, twin.name)
	letterIndex := slices.IndexFunc(twinApp.Status.SecretFiles, func(s qualv1.SecretFileDigest) bool { return s.Key == "filing-letter.jpg" })
	g.Expect(letterIndex).To(BeNumerically(">=", 0))
	license := twinApp.Status.SecretFiles[letterIndex].SHA256
	g.Eventually(func(g Gomega) {
		report := &qualv1.FileReuseReport{}
		g.Expect(admin.Get(ctx, client.ObjectKey{Name: qualv1.FileReuseReportName(f.ns, f.name)}, report)).To(Succeed())
		i := slices.IndexFunc(report.Files, func(r qualv1.ReusedFile) bool { return r.SHA256 == license })
		g.Expect(i).To(BeNumerically(">=", 0))
		g.Expect(report.Files[i].Applications).To(ContainElement(HaveField("Name", twin.name)))
	}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())

	c := startConsole(t, "alice", f)
	// The business license is valid until 2031-06-30: ten days before, the policy's 30-day
	// window warns of it.
	c.srv.cfg.Now = func() time.Time { return time.Date(2031, 6, 20, 10, 0, 0, 0, time.UTC) }
	c.login(t)
	_, page := c.get(t, "/app/"+f.ns+"/"+f.name)
	letter := section(t, page, "file-0", "</figure>")
	g.Expect(letter).To(ContainSubstring(fmt.Sprintf(`<span class="tag warn reused">REUSED by other merchants (D34): %s/%s (AppID %s)`,
		twin.ns, twin.name, twinApp.Spec.Merchant.AppID)))
	g.Expect(page).NotTo(ContainSubstring(`id="reuse-problem"`))
	material2 := section(t, page, "material-2", "</article>")
	g.Expect(material2).To(ContainSubstring("WARNING: expires in 10 days (validUntil 2031-06-30), within the policy's 30-day warning window (D35)"))
	g.Expect(strings.Count(page, "WARNING: expires")).To(Equal(1))

	// A reviewer without FileReuseReports: no marks, a note saying what is missing.
	role, err := testenv.ReadClusterRole("reviewer_role.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	role.Name = "category-reviewer-without-reports"
	role.Rules = slices.DeleteFunc(role.Rules, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.Resources, "filereusereports") })
	g.Expect(env.Grant(ctx, role, "", testenv.Group("no-reports"))).To(Succeed())
	users["dana"], err = env.UserConfig("dana", "no-reports")
	g.Expect(err).NotTo(HaveOccurred())
	c = startConsole(t, "dana", f)
	c.login(t)
	_, page = c.get(t, "/app/"+f.ns+"/"+f.name)
	g.Expect(html.UnescapeString(page)).To(ContainSubstring(`<p class="note" id="reuse-problem">Reused files (D34): not checked: you may not read filereusereports (the shipped reviewer roles may).</p>`))
	g.Expect(page).NotTo(ContainSubstring("REUSED by other merchants"))
}
