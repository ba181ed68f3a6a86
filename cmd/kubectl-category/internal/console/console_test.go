package console

import (
	"bytes"
	"context"
	"image/color"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
)

// TestLogin: nothing is served without the printed login token; the token gives a session
// cookie; another Host (DNS rebinding) is refused even with the session.
func TestLogin(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-login", true, "")
	c := startConsole(t, "alice", f)
	app := "/app/" + f.ns + "/" + f.name

	for _, path := range []string{"/", app, "/login?token=wrong", "/login"} {
		status, body := c.get(t, path)
		g.Expect(status).To(Equal(http.StatusUnauthorized), path)
		g.Expect(body).To(ContainSubstring("kubectl category console printed"), path)
		g.Expect(body).NotTo(ContainSubstring("Acme Jewelry"), path)
	}
	g.Expect(c.client.Jar.Cookies(mustURL(c.url))).To(BeEmpty(), "a wrong token gives no cookie")

	c.login(t)
	status, body := c.get(t, "/")
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(body).To(ContainSubstring("Acme Jewelry Flagship"))
	g.Expect(body).To(ContainSubstring(app))

	req, _ := http.NewRequest(http.MethodGet, c.url+"/", nil)
	req.Host = "rebound.example:80"
	resp, err := c.client.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusMisdirectedRequest))
	g.Expect(resp.Header.Get("Content-Security-Policy")).To(ContainSubstring("default-src 'none'"))
}

// TestApplicationPage: one page with the merchant, the rules, and every file inline, each
// verified against its pin; a URL file whose bytes do not match is shown as failed, its bytes
// are never served, and the page offers no approval.
func TestApplicationPage(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-page", true, "/office.jpg")
	c := startConsole(t, "alice", f)
	c.login(t)
	status, page := c.get(t, "/app/"+f.ns+"/"+f.name)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(page).To(ContainSubstring("Acme Jewelry Flagship"))
	g.Expect(page).To(ContainSubstring("jewelry/gold"))
	g.Expect(page).To(ContainSubstring("Rules of the policy"))
	g.Expect(strings.Count(page, `<img src="/file/`)).To(Equal(7), "5 Secret pictures and the URL screenshot; the office photo failed")
	g.Expect(strings.Count(page, `<video src="/file/`)).To(Equal(3))
	g.Expect(strings.Count(page, `<iframe src="/file/`)).To(Equal(1))
	g.Expect(strings.Count(page, `class="tag ok">verified`)).To(Equal(11))
	g.Expect(page).To(ContainSubstring("<b>Failed</b> — sha256 mismatch: the server sent sha256:"))
	g.Expect(page).NotTo(ContainSubstring(`id="approve-form"`), "the office photo was not shown")
	g.Expect(page).To(ContainSubstring("Approve needs every file shown and verified: 1 file failed or was not shown (material 8 file 2, "))
	g.Expect(page).To(ContainSubstring(`id="reject-form"`))
	g.Expect(page).To(ContainSubstring("Nothing decided yet: this is the first review."))

	app := getApp(t, f.ns, f.name)
	served := filePath(app, 0)
	resp, err := c.client.Get(c.url + served)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	g.Expect(resp.Header.Get("Content-Type")).To(Equal("image/jpeg"))
	g.Expect(resp.Header.Get("Content-Security-Policy")).To(ContainSubstring("sandbox"))

	office := filePath(app, 11) // the last reference: the office photo at a URL
	status, body := c.get(t, office)
	g.Expect(status).To(Equal(http.StatusUnprocessableEntity))
	g.Expect(body).To(ContainSubstring("sha256 mismatch"))

	stale := strings.Replace(served, "g=1", "g=0", 1)
	status, _ = c.get(t, stale)
	g.Expect(status).To(Equal(http.StatusConflict), "a file of another generation than the page's")
}

// TestSecretsNeedTheMaterialsRole: without the opt-in role the page says which permission is
// missing and how it is granted, and still shows the URL files.
func TestSecretsNeedTheMaterialsRole(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-no-secrets", false, "")
	c := startConsole(t, "alice", f)
	c.login(t)
	_, page := c.get(t, "/app/"+f.ns+"/"+f.name)
	g.Expect(page).To(ContainSubstring("Files kept in Secrets cannot be shown: your account may not read them."))
	g.Expect(page).To(ContainSubstring("category-reviewer-materials"))
	g.Expect(strings.Count(page, `class="tag ok">verified`)).To(Equal(4), "the four URL files")
}

// TestDecideNeedsCSRF: a POST without the session's CSRF token, or from another origin, changes
// nothing; with both, the approval is written as the CLI writes it, and can be withdrawn.
func TestDecideNeedsCSRF(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-csrf", true, "")
	c := startConsole(t, "alice", f)
	c.login(t)
	path := "/app/" + f.ns + "/" + f.name
	_, page := c.get(t, path)
	approve := form(t, page, "approve-form")
	g.Expect(approve.Get("csrf")).NotTo(BeEmpty())

	noToken := url.Values{}
	for k, v := range approve {
		noToken[k] = v
	}
	noToken.Del("csrf")
	status, _, body := c.post(t, path+"/decide", noToken)
	g.Expect(status).To(Equal(http.StatusForbidden))
	g.Expect(body).To(ContainSubstring("security token is missing or wrong"))
	noToken.Set("csrf", "guessed")
	status, _, _ = c.post(t, path+"/decide", noToken)
	g.Expect(status).To(Equal(http.StatusForbidden))
	status, _, body = c.post(t, path+"/decide", approve, "Origin", "https://evil.example")
	g.Expect(status).To(Equal(http.StatusForbidden))
	g.Expect(body).To(ContainSubstring("sent from another site"))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())

	status, location, _ := c.post(t, path+"/decide", approve, "Origin", c.url)
	g.Expect(status).To(Equal(http.StatusSeeOther))
	g.Expect(location).To(HavePrefix("/done/" + f.ns + "/" + f.name))
	d := getApp(t, f.ns, f.name).Status.Decision
	g.Expect(d).NotTo(BeNil())
	g.Expect(d.Verdict).To(Equal(qualv1.VerdictApproved))
	g.Expect(d.Reviewer).To(Equal("alice"))
	status, body = c.get(t, location)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(body).To(ContainSubstring("approved (generation 1)"))

	// Approved, the page offers the withdrawal instead.
	_, page = c.get(t, path)
	g.Expect(page).NotTo(ContainSubstring(`id="approve-form"`))
	withdraw := form(t, page, "withdraw-form")
	withdraw.Set("freeReason", "StandardTightened")
	withdraw.Set("message", "gold now requires an official flagship shop")
	status, _, _ = c.post(t, path+"/decide", withdraw)
	g.Expect(status).To(Equal(http.StatusSeeOther))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision.Verdict).To(Equal(qualv1.VerdictWithdrawn))
}

// TestStaleApprove: a Secret file replaced after the page was loaded starts a new round; the
// page's approval names the old digest and is refused with a reload message.
func TestStaleApprove(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-stale", true, "")
	c := startConsole(t, "alice", f)
	c.login(t)
	path := "/app/" + f.ns + "/" + f.name
	_, page := c.get(t, path)
	approve := form(t, page, "approve-form")

	f.replaceSecretFile(t, "filing-letter.jpg", picture(t, color.RGBA{A: 255}, true))
	status, _, body := c.post(t, path+"/decide", approve)
	g.Expect(status).To(Equal(http.StatusConflict))
	g.Expect(body).To(ContainSubstring("Not approved: the application changed after this page was loaded. Reload it to see what changed"))
	g.Expect(body).To(ContainSubstring(`id="reload"`))
	g.Expect(body).NotTo(ContainSubstring(`id="approve-form"`), "nothing to decide until the reviewer reloads")
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())

	// Reloaded, the page binds the new round, and shows what changed is for the next round.
	_, page = c.get(t, path)
	again := form(t, page, "approve-form")
	g.Expect(again.Get("materialsDigest")).NotTo(Equal(approve.Get("materialsDigest")))
	status, _, _ = c.post(t, path+"/decide", again)
	g.Expect(status).To(Equal(http.StatusSeeOther))
}

// TestReject: a rejection needs a CamelCase reason and a message (the CLI's rules, in the
// form's words).
func TestReject(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-reject", true, "")
	c := startConsole(t, "alice", f)
	c.login(t)
	path := "/app/" + f.ns + "/" + f.name
	_, page := c.get(t, path)
	reject := form(t, page, "reject-form")
	reject.Set("freeReason", "filing letter unreadable")
	reject.Set("message", "the seal is not legible")
	status, _, body := c.post(t, path+"/decide", reject)
	g.Expect(status).To(Equal(http.StatusUnprocessableEntity))
	g.Expect(body).To(ContainSubstring("is not CamelCase"))
	reject.Set("freeReason", "FilingLetterUnreadable")
	status, _, _ = c.post(t, path+"/decide", reject)
	g.Expect(status).To(Equal(http.StatusSeeOther))
	d := getApp(t, f.ns, f.name).Status.Decision
	g.Expect(d.Verdict).To(Equal(qualv1.VerdictRejected))
	g.Expect(d.Reason).To(Equal("FilingLetterUnreadable"))
	g.Expect(d.Message).To(Equal("the seal is not legible"))

	// The merchant replaces the filing letter: the new round's page says which file changed
	// since the rejection, and the history shows the rejected round.
	f.replaceSecretFile(t, "filing-letter.jpg", picture(t, color.RGBA{R: 10, G: 10, B: 200, A: 255}, true))
	_, page = c.get(t, path)
	g.Expect(page).To(ContainSubstring("secret acme-gold-materials, key filing-letter.jpg: <b>changed since the last decision</b>"))
	g.Expect(strings.Count(page, "since the last decision</b>")).To(Equal(1))
	g.Expect(page).To(ContainSubstring("The spec is the one decided last (generation 1)."))
	g.Expect(page).To(MatchRegexp(`<td>1</td>.*Rejected \(generation 1\) by alice.*FilingLetterUnreadable`))
}

// TestReaderCannotDecide: bob may read but lacks approve on the group: the page offers no
// decision, and a decision he posts anyway is refused before anything is written.
func TestReaderCannotDecide(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-reader", false, "")
	c := startConsole(t, "bob", f)
	c.login(t)
	path := "/app/" + f.ns + "/" + f.name
	status, page := c.get(t, path)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(page).To(ContainSubstring("You may look, but not decide: deciding jewelry applications needs the approve permission"))
	for _, id := range []string{"approve-form", "reject-form", "withdraw-form", `id="approve"`, `id="reject"`} {
		g.Expect(page).NotTo(ContainSubstring(id))
	}
	csrf := csrfOf(t, c)
	app := getApp(t, f.ns, f.name)
	status, _, body := c.post(t, path+"/decide", url.Values{"csrf": {csrf}, "verdict": {"approve"},
		"generation": {"1"}, "materialsDigest": {app.Status.MaterialsDigest}})
	g.Expect(status).To(Equal(http.StatusForbidden))
	// Refused by the console itself, before the API server's webhook would.
	g.Expect(body).To(ContainSubstring("which your account does not have. Nothing was changed."))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())
}

// csrfOf is the session's CSRF token, as the server keeps it (bob's pages carry no form).
func csrfOf(t *testing.T, c *console) string {
	t.Helper()
	cookies := c.client.Jar.Cookies(mustURL(c.url))
	NewWithT(t).Expect(cookies).To(HaveLen(1))
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	return c.srv.sessions[cookies[0].Value]
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestCommand: the command serves what it prints, with the kubeconfig flags of the plugin, on
// loopback, answering to 127.0.0.1 and localhost only, and stops when asked.
func TestCommand(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-command", false, "")
	var out bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: io.Discard}
	root := &cobra.Command{Use: "kubectl-category"}
	fac := factory.New(io.Discard)
	fac.ConfigFlags.AddFlags(root.PersistentFlags())
	cmd, o := newCmd(streams, fac)
	root.AddCommand(cmd)
	login := make(chan string, 1)
	o.Ready = func(u string) { login <- u } // the one option no flag sets
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	root.SetArgs([]string{"console", "--kubeconfig", kubeconfig(t, "alice"), "--no-open", "--allow-loopback", "--url-ca-file", f.caFile})
	go func() { done <- root.ExecuteContext(ctx) }()
	var u string
	g.Eventually(login).WithTimeout(30 * time.Second).Should(Receive(&u))
	g.Expect(out.String()).To(ContainSubstring(u))
	g.Expect(u).To(MatchRegexp(`^http://127\.0\.0\.1:\d+/login\?token=[A-Za-z0-9_-]{43}$`))

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(u)
	g.Expect(err).NotTo(HaveOccurred())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	g.Expect(string(body)).To(ContainSubstring(f.ns + "/" + f.name))

	other, _ := http.NewRequest(http.MethodGet, strings.Replace(u, "127.0.0.1", "localhost", 1), nil)
	resp, err = hc.Do(other)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "localhost names the same loopback server")

	cancel()
	g.Eventually(done).WithTimeout(10 * time.Second).Should(Receive(BeNil()))
}

// TestQueue: soonest deadline first as `queue` orders it, counts per group, a group filter and
// a search by shop name or AppID.
func TestQueue(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-queue", false, "")
	c := startConsole(t, "alice", f)
	c.login(t)
	app := getApp(t, f.ns, f.name)
	row := `data-href="/app/` + f.ns + `/` + f.name + `"`

	_, page := c.get(t, "/?q="+url.QueryEscape(strings.ToUpper(app.Spec.Merchant.AppID)))
	g.Expect(strings.Count(page, `<tr class="row`)).To(Equal(1), "an AppID names one application")
	g.Expect(page).To(ContainSubstring(row))
	_, page = c.get(t, "/?q=acme+jewelry")
	g.Expect(page).To(ContainSubstring(row), "shop names match case-insensitively")
	_, page = c.get(t, "/?q=nobody")
	g.Expect(page).To(ContainSubstring("Nothing waits for a decision here."))
	_, page = c.get(t, "/?group=toys")
	g.Expect(page).NotTo(ContainSubstring(row))
	_, page = c.get(t, "/?group=jewelry")
	g.Expect(page).To(ContainSubstring(row))
	g.Expect(page).To(MatchRegexp(`class="selected">jewelry <span class="count">\d+</span>`))
	g.Expect(page).To(ContainSubstring("working days left"))
}
