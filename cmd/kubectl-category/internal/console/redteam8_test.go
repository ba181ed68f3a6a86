package console

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// Red team 8, finding (careless reviewer, hostile merchant): the page offers Approve, "Approves
// generation N with the files shown on this page", while a file is shown as Failed (its URL
// served other bytes than the spec pins, or none: the merchant's host decides what the
// reviewer's console gets) or as "Not shown" (not an image, PDF or video; the operator never
// fetches URL files, so D33 does not stop one). Enter, a, Enter approves a round the reviewer
// never saw all of; the approval pins the declared sha256 of a file nobody has seen.
func TestRedteam8NoApprovalOfFilesNotShown(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "rt8-unseen", true, "/office.jpg")
	c := startConsole(t, "alice", f)
	c.login(t)
	status, page := c.get(t, "/app/"+f.ns+"/"+f.name)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(page).To(ContainSubstring("<b>Failed</b>"), "the office photo's URL serves other bytes than pinned")
	if !strings.Contains(page, `id="approve-form"`) {
		return
	}
	status, loc, body := c.post(t, "/app/"+f.ns+"/"+f.name+"/decide", form(t, page, "approve-form"))
	t.Errorf("the page offers Approve while a file failed verification and was never shown; posting it gave %d %s %.200s",
		status, loc, body)
	if status == http.StatusSeeOther && strings.HasPrefix(loc, "/done/") {
		app := getApp(t, f.ns, f.name)
		t.Errorf("and the approval was recorded: %+v", app.Status.Decision)
	}
}
