package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/internal/testenv"
)

// picture is a real image a browser decodes: stripes of the given colour.
func picture(t *testing.T, c color.RGBA, asJPEG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 240; x++ {
			if (x/20+y/20)%2 == 0 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.RGBA{R: 245, G: 245, B: 240, A: 255})
			}
		}
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// recording is a two-second H.264 video (testdata/recording.mp4, made with ffmpeg's test pattern).
func recording(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/recording.mp4")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj " +
	"3 0 obj<</Type/Page/MediaBox[0 0 200 100]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// fixture is the sample application (config/samples) with real photos, screenshots and
// recordings: in its Secret, and at URLs served over TLS on loopback.
type fixture struct {
	ns, name string
	secret   *corev1.Secret
	urls     *httptest.Server
	caFile   string
}

var appIDs atomic.Int64

// newFixture creates the sample in namespace ns, its URL files on a local TLS server (the one
// at wrongURL pinned with a digest it does not match), lets alice and carol read its Secrets (the opt-in
// materials role) when materialsRole, and waits until it is under review.
func newFixture(t *testing.T, ns string, materialsRole bool, wrongURL string) *fixture {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	g.Expect(env.EnsureNamespace(ctx, ns)).To(Succeed())
	if materialsRole {
		g.Expect(env.BindRoleInNamespace(ctx, "reviewer_materials_role.yaml", ns, testenv.User("alice"), testenv.User("carol"))).To(Succeed())
	}
	video := recording(t)
	urlFiles := map[string][]byte{
		"/license.pdf": pdfBytes, "/proof.mp4": video,
		"/sales-flow.png": picture(t, color.RGBA{R: 40, G: 120, B: 200, A: 255}, false),
		"/office.jpg":     picture(t, color.RGBA{R: 120, G: 90, B: 60, A: 255}, true),
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := urlFiles[r.URL.Path]; ok {
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	g.Expect(os.WriteFile(ca, pemCert(srv), 0o600)).To(Succeed())

	secrets, err := decode[corev1.Secret]("config/samples/02-secrets.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	sec := secrets[0]
	sec.Namespace = ns
	// The sample's keys (its data holds tiny stand-ins of the right kind, D33), with real
	// pictures and a real recording in them.
	keys := slices.Sorted(maps.Keys(sec.Data))
	sec.Data = map[string][]byte{}
	colours := []color.RGBA{{200, 60, 50, 255}, {60, 160, 90, 255}, {230, 170, 30, 255}, {120, 80, 180, 255}, {30, 150, 160, 255}}
	for i, k := range keys {
		switch filepath.Ext(k) {
		case ".jpg":
			sec.Data[k] = picture(t, colours[i%len(colours)], true)
		case ".png":
			sec.Data[k] = picture(t, colours[i%len(colours)], false)
		case ".mp4":
			sec.Data[k] = video
		}
	}
	sec.StringData = nil
	g.Expect(admin.Create(ctx, sec)).To(Succeed())

	apps, err := decode[qualv1.CategoryApplication]("config/samples/03-categoryapplication.yaml")
	g.Expect(err).NotTo(HaveOccurred())
	app := apps[0]
	app.Namespace = ns
	app.Spec.Merchant.AppID = fmt.Sprintf("wx%016x", appIDs.Add(1)+0x5e0)
	app.Spec.Notify = nil
	m := app.Spec.Materials
	for _, f := range []struct {
		ref  *qualv1.FileRef
		path string
	}{{&m[1].Files[0], "/license.pdf"}, {&m[3].Recordings[0], "/proof.mp4"}, {&m[5].Files[0], "/sales-flow.png"}, {&m[7].Files[1], "/office.jpg"}} {
		f.ref.URL, f.ref.SHA256 = srv.URL+f.path, hexSum(urlFiles[f.path])
		if f.path == wrongURL {
			f.ref.SHA256 = hexSum([]byte("the file the merchant meant to upload"))
		}
	}
	g.Expect(admin.Create(ctx, app)).To(Succeed())
	waitUnderReview(t, ns, app.Name)
	return &fixture{ns: ns, name: app.Name, secret: sec, urls: srv, caFile: ca}
}

func pemCert(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

func getApp(t *testing.T, ns, name string) *qualv1.CategoryApplication {
	t.Helper()
	app := &qualv1.CategoryApplication{}
	NewWithT(t).Expect(admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app)).To(Succeed())
	return app
}

func waitUnderReview(t *testing.T, ns, name string) *qualv1.CategoryApplication {
	t.Helper()
	var app *qualv1.CategoryApplication
	NewWithT(t).Eventually(func(g Gomega) {
		app = &qualv1.CategoryApplication{}
		g.Expect(admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, app)).To(Succeed())
		g.Expect(app.Status.ObservedGeneration).To(Equal(app.Generation))
		g.Expect(app.Status.Phase).To(Equal(qualv1.PhaseUnderReview), "conditions: %v", app.Status.Conditions)
		g.Expect(meta.IsStatusConditionTrue(app.Status.Conditions, qualv1.ConditionUnderReview)).To(BeTrue())
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	return app
}

// replaceSecretFile puts other bytes under key and waits for the operator's new round.
func (f *fixture) replaceSecretFile(t *testing.T, key string, data []byte) {
	t.Helper()
	g := NewWithT(t)
	before := getApp(t, f.ns, f.name).Status.MaterialsDigest
	sec := &corev1.Secret{}
	g.Expect(admin.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: f.secret.Name}, sec)).To(Succeed())
	sec.Data[key] = data
	g.Expect(admin.Update(context.Background(), sec)).To(Succeed())
	g.Eventually(func() string { return getApp(t, f.ns, f.name).Status.MaterialsDigest }).
		WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).ShouldNot(Equal(before))
	waitUnderReview(t, f.ns, f.name)
}

// decode reads every document of a YAML file of the repository.
func decode[T any](path string) ([]*T, error) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), path))
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*T
	for {
		obj := new(T)
		if err := dec.Decode(obj); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
}

// kubeconfig writes a kubeconfig file for one of the users, as a reviewer would have.
func kubeconfig(t *testing.T, user string) string {
	t.Helper()
	path, err := testenv.WriteKubeconfig(t.TempDir(), users[user], user)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// console is a console served as `kubectl category console --kubeconfig <user's>` serves it.
type console struct {
	srv    *Server
	url    string
	client *http.Client
}

// startConsole serves the console for user, trusting the fixture's file server.
func startConsole(t *testing.T, user string, f *fixture) *console {
	t.Helper()
	fac := factory.New(io.Discard)
	kc := kubeconfig(t, user)
	fac.ConfigFlags.KubeConfig = &kc
	o := &Options{IOStreams: genericiooptions.IOStreams{Out: io.Discard, ErrOut: io.Discard}, Factory: fac,
		AllowLoopback: true, URLCAFile: f.caFile, MaxSizeFlag: "64Mi", Timeout: 30 * time.Second}
	s, err := o.Server()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	s.cfg.Hosts = []string{strings.TrimPrefix(hs.URL, "http://")}
	jar, _ := cookiejar.New(nil)
	return &console{srv: s, url: hs.URL, client: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get returns the status and body of a GET.
func (c *console) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := c.client.Get(c.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// login follows the printed URL: it must answer with a session cookie and a redirect.
func (c *console) login(t *testing.T) {
	t.Helper()
	resp, err := c.client.Get(c.url + c.srv.LoginPath())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	NewWithT(t).Expect(resp.StatusCode).To(Equal(http.StatusSeeOther))
}

// post sends a form with extra headers; it returns the status, the Location and the body.
func (c *console) post(t *testing.T, path string, form url.Values, header ...string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([A-Za-z]+)" value="([^"]*)">`)

// form returns the hidden fields of the form with id on page, with the values the page set.
func form(t *testing.T, page, id string) url.Values {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no form %s on the page", id)
	}
	end := strings.Index(page[start:], "</form>")
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page[start:start+end], -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}
