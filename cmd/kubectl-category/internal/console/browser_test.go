package console

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// screenshotsEnv names the folder the browser test writes its screenshots to (make screenshots).
const screenshotsEnv = "CONSOLE_SCREENSHOTS"

// chromium finds Debian's Chromium (package chromium), or the browser $CHROMIUM names.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser drives the console in a real Chromium, as a reviewer would: sign in with the
// printed URL, open the queue and an application, see its pictures decoded and a recording
// loaded in the player, claim it, approve it with the keyboard and find it Approved in the API; reject
// another with a reason; and see an approval refused with the reload message when a Secret
// file was replaced after the page loaded.
func TestBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		t.Skip("SKIPPED the console's browser test: no Chromium found (Debian: apt-get install chromium; or set CHROMIUM)")
	}
	g := NewWithT(t)
	approveMe := newFixture(t, "browser-approve", true, "")
	rejectMe := newFixture(t, "browser-reject", true, "")
	staleMe := newFixture(t, "browser-stale", true, "")
	c := startConsole(t, "alice", approveMe)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800),
		chromedp.Flag("mute-audio", true), chromedp.Flag("hide-scrollbars", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first Do starts the browser, for the life of ctx; each step then gets its own limit.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		step, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(step, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
			t.Fatalf("%s: %v\nat %s:\n%s", what, err, loc, text)
		}
	}
	eval := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	shots := os.Getenv(screenshotsEnv)
	shoot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		writePNG(t, filepath.Join(shots, "console-"+name+".png"), buf)
	}
	appPath := func(f *fixture) string { return "/app/" + f.ns + "/" + f.name }

	// The queue, reached through the login URL: the token leaves the address bar.
	run("log in", chromedp.Navigate(c.url+c.srv.LoginPath()), chromedp.WaitVisible(chromedp.CSS(`#queue`)))
	location, err := chromedp.Run(ctx, chromedp.Location())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(location).To(Equal(c.url + "/"))
	row := fmt.Sprintf(`tr.row[data-href=%q]`, appPath(approveMe))
	run("queue", chromedp.WaitVisible(chromedp.CSS(row)))
	shoot("queue")

	// The application: every picture decoded, every recording ready to play.
	run("open", chromedp.Click(chromedp.CSS(row+" a")), chromedp.WaitVisible(chromedp.CSS(`#application`)))
	g.Eventually(func() int {
		return eval(`Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length`)
	}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(Equal(8), "pictures decoded")
	g.Eventually(func() int {
		return eval(`Array.from(document.querySelectorAll('video')).filter(v => v.readyState >= 1 && v.duration > 1).length`)
	}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(Equal(3), "recordings loaded in the player")
	shoot("application")

	// Claim it (D30), then approve with the keyboard: a moves to the Approve button, Enter presses it.
	run("claim", chromedp.Click(chromedp.CSS(`#claim`)), chromedp.WaitVisible(chromedp.CSS(`#claimed-by`)))
	g.Expect(getApp(t, approveMe.ns, approveMe.name).Status.Claim).To(HaveField("Reviewer", "alice"))
	run("a", chromedp.KeyEvent("a"))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(focused).To(Equal("approve"), "the a key moves to the Approve button")
	run("approve", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#done`)))
	g.Eventually(func() qualv1.ApplicationPhase { return getApp(t, approveMe.ns, approveMe.name).Status.Phase }).
		WithTimeout(30 * time.Second).Should(Equal(qualv1.PhaseApproved))
	g.Expect(getApp(t, approveMe.ns, approveMe.name).Status.Decision.Reviewer).To(Equal("alice"))
	shoot("decided")

	// Reject with one of the policy's reasons (D32), whose guidance the form shows, and a message.
	run("reject", chromedp.Navigate(c.url+appPath(rejectMe)), chromedp.WaitVisible(chromedp.CSS(`#reject-form`)),
		chromedp.SetValue(chromedp.CSS(`#reject-reason`), "FilingLetterUnreadable"))
	g.Expect(eval(`document.getElementById('reject-reason').dispatchEvent(new Event('change')) ? 1 : 0`)).To(Equal(1))
	guidance, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#reason-guidance`)))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(guidance).To(ContainSubstring("Upload a sharp photo of the whole letter in which the signature and the seal can be read (D6)."))
	run("reject", chromedp.SendKeys(chromedp.CSS(`#reject-message`), "the seal on the filing letter is not legible"),
		chromedp.Click(chromedp.CSS(`#reject`)), chromedp.WaitVisible(chromedp.CSS(`#done`)))
	d := getApp(t, rejectMe.ns, rejectMe.name).Status.Decision
	g.Expect(d).NotTo(BeNil())
	g.Expect(d.Verdict).To(Equal(qualv1.VerdictRejected))
	g.Expect(d.Reason).To(Equal("FilingLetterUnreadable"))
	g.Expect(d.Title).To(Equal("报备函照片无法辨认 / Filing letter unreadable"))

	// A Secret file replaced after the page loaded: the approval is refused, with a reload.
	run("stale page", chromedp.Navigate(c.url+appPath(staleMe)), chromedp.WaitVisible(chromedp.CSS(`#approve`)))
	staleMe.replaceSecretFile(t, "filing-letter.jpg", picture(t, color.RGBA{A: 255}, true))
	run("stale approve", chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`#result`)))
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#result`)))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(result).To(ContainSubstring("Not approved: the application changed after this page was loaded. Reload it"))
	g.Expect(eval(`document.querySelectorAll('#approve').length`)).To(BeZero(), "no approve button until reloaded")
	g.Expect(getApp(t, staleMe.ns, staleMe.name).Status.Decision).To(BeNil())
	shoot("stale")
}

// writePNG writes a screenshot with at most 256 colours and the best compression: the docs
// keep them small, and the console's flat colours survive the palette.
func writePNG(t *testing.T, path string, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	small := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.Draw(small, small.Bounds(), img, img.Bounds().Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, small); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
