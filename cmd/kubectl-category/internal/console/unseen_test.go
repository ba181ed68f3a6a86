package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestNoApprovalOfFilesNotShown: a careless reviewer and a hostile merchant. A file shown as
// Failed (its URL served other bytes than the spec pins, or none: the merchant's host decides
// what the reviewer's console gets) or "Not shown" was never seen, so the page offers no
// Approve ("Approves generation N with the files shown on this page") and says which file; an
// approval posted anyway is refused by the console, as is one for a round it never showed.
func TestNoApprovalOfFilesNotShown(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "rt8-unseen", true, "/office.jpg")
	c := startConsole(t, "alice", f)
	c.login(t)
	path := "/app/" + f.ns + "/" + f.name
	status, page := c.get(t, path)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(page).To(ContainSubstring("<b>Failed</b>"), "the office photo's URL serves other bytes than pinned")
	if strings.Contains(page, `id="approve-form"`) {
		status, loc, body := c.post(t, path+"/decide", form(t, page, "approve-form"))
		t.Errorf("the page offers Approve while a file failed verification and was never shown; posting it gave %d %s %.200s",
			status, loc, body)
		if status == http.StatusSeeOther && strings.HasPrefix(loc, "/done/") {
			app := getApp(t, f.ns, f.name)
			t.Errorf("and the approval was recorded: %+v", app.Status.Decision)
		}
		return
	}
	g.Expect(page).To(ContainSubstring("Approve needs every file shown and verified: 1 file failed or was not shown (material 8 file 2, https://"))
	g.Expect(page).To(ContainSubstring(`id="reject-form"`), "reject stays")

	// The form is not trusted: an approval forged from the reject form's fields is refused.
	forged := form(t, page, "reject-form")
	forged.Set("verdict", "approve")
	status, _, body := c.post(t, path+"/decide", forged)
	g.Expect(status).To(Equal(http.StatusForbidden))
	g.Expect(body).To(ContainSubstring("Not approved: Approve needs every file shown and verified"))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())

	// Nor is an approval of a round this session never rendered.
	other := url.Values{}
	for k, v := range forged {
		other[k] = v
	}
	other.Set("materialsDigest", "sha256:0000000000000000000000000000000000000000000000000000000000000000")
	status, _, body = c.post(t, path+"/decide", other)
	g.Expect(status).To(Equal(http.StatusConflict))
	g.Expect(body).To(ContainSubstring("Not approved: this console did not show you the files of this round. Reload"))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())
}
