package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// request is what a test server saw.
type request struct {
	path   string
	header http.Header
	body   []byte
}

// recorder is a test server that records requests and answers with respond.
type recorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []request
}

func newRecorder(t *testing.T, respond http.HandlerFunc) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, request{path: r.URL.Path, header: r.Header.Clone(), body: body})
		rec.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) requests() []request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]request(nil), rec.seen...)
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func sinkAt(t *testing.T, address string, format Format, token string) Sink {
	t.Helper()
	u, err := url.Parse(address)
	if err != nil {
		t.Fatal(err)
	}
	s := Sink{Name: "secret/acme-notify", Address: u, Format: format}
	if token != "" {
		s.Token = []byte(token)
	}
	return s
}

// loopback lets o's Sender post to the tests' httptest servers: plain http on 127.0.0.1, which
// a Sender refuses by default.
func loopback(o Options) Options {
	o.AllowedCIDRs = append(o.AllowedCIDRs, netip.MustParsePrefix("127.0.0.0/8"))
	o.AllowInsecureHTTP = true
	return o
}

func TestSendGenericBody(t *testing.T) {
	g := NewWithT(t)
	rec := newRecorder(t, status(http.StatusNoContent, ""))
	sink := sinkAt(t, rec.srv.URL+"/hook", FormatGeneric, "")
	n := fullNotification()

	g.Expect(NewSender(loopback(Options{})).Send(context.Background(), sink, n, "")).To(Succeed())

	reqs := rec.requests()
	g.Expect(reqs).To(HaveLen(1))
	r := reqs[0]
	g.Expect(r.path).To(Equal("/hook"))
	g.Expect(r.header.Get("Content-Type")).To(Equal("application/json"))
	g.Expect(r.header.Get("User-Agent")).To(Equal("category-operator"))
	g.Expect(r.header.Get("Idempotency-Key")).To(Equal(IdempotencyKey(n.Application.UID, n.Generation, n.Event, sink.Name)))

	var got Notification
	g.Expect(json.Unmarshal(r.body, &got)).To(Succeed())
	got.OccurredAt = metav1.NewTime(got.OccurredAt.UTC())
	d := metav1.NewTime(got.Deadline.UTC())
	got.Deadline = &d
	want := n
	want.APIVersion, want.Kind = "qualification.channelshop.dev/v1alpha1", "Notification"
	g.Expect(got).To(Equal(want))

	// The wire names are lowerCamel and times RFC 3339.
	var raw map[string]any
	g.Expect(json.Unmarshal(r.body, &raw)).To(Succeed())
	g.Expect(raw).To(HaveKeyWithValue("apiVersion", "qualification.channelshop.dev/v1alpha1"))
	g.Expect(raw).To(HaveKeyWithValue("kind", "Notification"))
	g.Expect(raw).To(HaveKeyWithValue("event", "Approved"))
	g.Expect(raw).To(HaveKeyWithValue("application", map[string]any{"namespace": "shop-acme", "name": "jewelry-gold", "uid": "0b7c6a52-6d1e-4f1a-9c1e-2f0d3b9a1c11"}))
	g.Expect(raw).To(HaveKeyWithValue("generation", 3.0))
	g.Expect(raw).To(HaveKeyWithValue("phase", "Approved"))
	g.Expect(raw).To(HaveKeyWithValue("category", map[string]any{"group": "jewelry", "level2": "gold", "level3": "ring"}))
	g.Expect(raw).To(HaveKeyWithValue("shopName", "acme旗舰店"))
	g.Expect(raw).To(HaveKeyWithValue("appID", "wx0123456789abcdef"))
	g.Expect(raw).To(HaveKeyWithValue("reason", "Approved"))
	g.Expect(raw).To(HaveKeyWithValue("message", "资质齐全 / all materials in order"))
	g.Expect(raw).To(HaveKeyWithValue("deadline", "2026-03-09T10:00:00Z"))
	g.Expect(raw).To(HaveKeyWithValue("listing", map[string]any{"name": "jewelry-gold-wx0123456789abcdef"}))
	g.Expect(raw).To(HaveKeyWithValue("occurredAt", "2026-03-02T10:00:00Z"))
}

func TestSendGenericOmitsAbsentOptionalFields(t *testing.T) {
	g := NewWithT(t)
	rec := newRecorder(t, status(http.StatusOK, ""))
	n := fullNotification()
	n.Deadline, n.Listing = nil, nil
	g.Expect(NewSender(loopback(Options{})).Send(context.Background(), sinkAt(t, rec.srv.URL, FormatGeneric, ""), n, "")).To(Succeed())
	var raw map[string]any
	g.Expect(json.Unmarshal(rec.requests()[0].body, &raw)).To(Succeed())
	g.Expect(raw).NotTo(HaveKey("deadline"))
	g.Expect(raw).NotTo(HaveKey("listing"))
}

func TestSendSignsWithTheToken(t *testing.T) {
	g := NewWithT(t)
	rec := newRecorder(t, status(http.StatusOK, ""))
	sender := NewSender(loopback(Options{}))
	const token = "hmac-key-of-acme"

	g.Expect(sender.Send(context.Background(), sinkAt(t, rec.srv.URL, FormatGeneric, token), fullNotification(), "")).To(Succeed())
	g.Expect(sender.Send(context.Background(), sinkAt(t, rec.srv.URL, FormatGeneric, ""), fullNotification(), "")).To(Succeed())

	reqs := rec.requests()
	g.Expect(reqs).To(HaveLen(2))
	signed := reqs[0]
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(signed.body)
	g.Expect(signed.header.Get("X-Signature")).To(Equal("sha256=" + hex.EncodeToString(mac.Sum(nil))))
	other := hmac.New(sha256.New, []byte("another key"))
	other.Write(signed.body)
	g.Expect(signed.header.Get("X-Signature")).NotTo(Equal("sha256=" + hex.EncodeToString(other.Sum(nil))))

	g.Expect(reqs[1].header.Values("X-Signature")).To(BeEmpty())
}

func TestSendIdempotencyKeyIsStableAcrossRetries(t *testing.T) {
	g := NewWithT(t)
	var calls atomic.Int32
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	sender := NewSender(loopback(Options{}))
	sink := sinkAt(t, rec.srv.URL, FormatGeneric, "tok")
	n := fullNotification()
	for range 2 {
		g.Expect(sender.Send(context.Background(), sink, n, "")).To(HaveOccurred())
	}
	g.Expect(sender.Send(context.Background(), sink, n, "")).To(Succeed())
	other := n
	other.Generation = 4
	g.Expect(sender.Send(context.Background(), sink, other, "")).To(Succeed())
	g.Expect(sender.Send(context.Background(), sink, n, "caller-chosen-key")).To(Succeed())

	reqs := rec.requests()
	g.Expect(reqs).To(HaveLen(5))
	first := reqs[0].header.Get("Idempotency-Key")
	g.Expect(first).To(HavePrefix("catapp-notify-v1-"))
	g.Expect(reqs[1].header.Get("Idempotency-Key")).To(Equal(first))
	g.Expect(reqs[2].header.Get("Idempotency-Key")).To(Equal(first))
	g.Expect(reqs[3].header.Get("Idempotency-Key")).NotTo(Equal(first))
	g.Expect(reqs[4].header.Get("Idempotency-Key")).To(Equal("caller-chosen-key"))
}

func TestSendFailsOnNon2xx(t *testing.T) {
	g := NewWithT(t)
	rec := newRecorder(t, status(http.StatusInternalServerError, "database\nexploded"))
	err := NewSender(loopback(Options{})).Send(context.Background(), sinkAt(t, rec.srv.URL, FormatGeneric, ""), fullNotification(), "")
	g.Expect(ErrorClass(err)).To(Equal(Class("HTTP 500")))
	g.Expect(err).To(MatchError(ContainSubstring("HTTP 500: Internal Server Error: database exploded")), "the log gets the body")
	g.Expect(err.Error()).To(ContainSubstring(`"secret/acme-notify"`))
}

func TestSendTimesOut(t *testing.T) {
	g := NewWithT(t)
	release := make(chan struct{})
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	sink := sinkAt(t, rec.srv.URL, FormatGeneric, "")

	err := NewSender(loopback(Options{Timeout: 200 * time.Millisecond})).Send(context.Background(), sink, fullNotification(), "")
	g.Expect(err).To(MatchError(context.DeadlineExceeded))
	g.Expect(ErrorClass(err)).To(Equal(ClassTimeout))
	g.Expect(err.Error()).To(ContainSubstring("200ms"))

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err = NewSender(loopback(Options{})).Send(ctx, sink, fullNotification(), "")
	g.Expect(err).To(MatchError(context.Canceled))
	g.Expect(ErrorClass(err)).To(Equal(ClassCanceled))
}

// TestSendDoesNotFollowRedirects: a redirect's target would need the address checks again, and
// 301/302/303 turn the POST into a GET; every 3xx is a failure of its own class.
func TestSendDoesNotFollowRedirects(t *testing.T) {
	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			g := NewWithT(t)
			other := newRecorder(t, status(http.StatusOK, ""))
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/same-host":
					http.Redirect(w, r, "/new", code)
				case "/other-host":
					http.Redirect(w, r, other.srv.URL+"/elsewhere?key=abcd", code)
				default:
					w.WriteHeader(http.StatusNoContent)
				}
			})
			sender := NewSender(loopback(Options{}))
			for _, path := range []string{"/same-host", "/other-host"} {
				err := sender.Send(context.Background(), sinkAt(t, rec.srv.URL+path, FormatGeneric, ""), fullNotification(), "")
				g.Expect(ErrorClass(err)).To(Equal(ClassRedirect), path)
				g.Expect(err.Error()).To(ContainSubstring(fmt.Sprintf("HTTP %d", code)))
				g.Expect(err.Error()).NotTo(ContainSubstring("key=abcd"), "the log gets the target's scheme and host only")
			}
			g.Expect(rec.requests()).To(HaveLen(2), "one request per Send, no second hop")
			g.Expect(other.requests()).To(BeEmpty())
			g.Expect(sender.Send(context.Background(), sinkAt(t, rec.srv.URL+"/new", FormatGeneric, ""), fullNotification(), "")).To(Succeed())
		})
	}
}

// countingBody counts what the Sender reads of a response body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type countingTransport struct {
	base http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if resp != nil {
		resp.Body = countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

func TestSendReadsAtMostMaxResponseBytes(t *testing.T) {
	const huge = 10 << 20
	for _, code := range []int{http.StatusOK, http.StatusBadGateway} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			g := NewWithT(t)
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
				chunk := []byte(strings.Repeat("x", 64<<10))
				for written := 0; written < huge; written += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return // the client hung up
					}
				}
			})
			sender := NewSender(loopback(Options{MaxResponseBytes: 1024}))
			ct := &countingTransport{base: sender.client.Transport}
			sender.client.Transport = ct
			err := sender.Send(context.Background(), sinkAt(t, rec.srv.URL, FormatGeneric, ""), fullNotification(), "")
			if code == http.StatusOK {
				g.Expect(err).NotTo(HaveOccurred())
			} else {
				g.Expect(ErrorClass(err)).To(Equal(Class("HTTP 502")))
				g.Expect(len(err.Error())).To(BeNumerically("<=", maxErrorBytes))
			}
			g.Expect(ct.read.Load()).To(BeNumerically("<=", 1024))
		})
	}
}

func TestSendWeCom(t *testing.T) {
	cases := []struct {
		name      string
		respond   http.HandlerFunc
		wantClass Class
		wantErr   []string // in the message, for the log
	}{
		{"errcode 0", status(http.StatusOK, `{"errcode":0,"errmsg":"ok"}`), "", nil},
		{"errcode set", status(http.StatusOK, `{"errcode":93000,"errmsg":"invalid webhook url, hint: [1700000000_1_abc]"}`), "wecom errcode 93000", []string{"invalid webhook url"}},
		{"not JSON", status(http.StatusOK, `ok`), ClassInvalidResponse, []string{"not {"}},
		{"no errcode", status(http.StatusOK, `{"errmsg":"ok"}`), ClassInvalidResponse, []string{"not {"}},
		{"HTTP error", status(http.StatusTooManyRequests, `{"errcode":0}`), "HTTP 429", []string{"Too Many Requests"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			rec := newRecorder(t, c.respond)
			sink := sinkAt(t, rec.srv.URL+"/cgi-bin/webhook/send?key=abcd-1234", FormatWeCom, "unused-token")
			err := NewSender(loopback(Options{})).Send(context.Background(), sink, fullNotification(), "")
			g.Expect(ErrorClass(err)).To(Equal(c.wantClass))
			for _, w := range c.wantErr {
				g.Expect(err).To(MatchError(ContainSubstring(w)))
			}
			reqs := rec.requests()
			g.Expect(reqs).To(HaveLen(1))
			g.Expect(decodeWeCom(t, reqs[0].body)).To(ContainSubstring("acme旗舰店"))
			g.Expect(reqs[0].header.Values("X-Signature")).To(BeEmpty(), "WeCom robots take no signature")
			g.Expect(reqs[0].header.Get("Idempotency-Key")).To(HavePrefix("catapp-notify-v1-"))
		})
	}
}

// TestSendErrorsNeverCarrySecrets makes every kind of failure with a receiver that echoes all
// it got (URL, headers) and checks that no secret survives in the error.
func TestSendErrorsNeverCarrySecrets(t *testing.T) {
	const (
		token    = "TOPSECRETTOKEN"
		key      = "0f1e2d3c-SECRETKEY"
		password = "PASSWORDSECRET"
	)
	echo := func(w http.ResponseWriter, r *http.Request) string {
		return fmt.Sprintf("%s %s %s %v", r.Method, r.URL, r.RequestURI, r.Header)
	}
	elsewhere := newRecorder(t, status(http.StatusOK, ""))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	cases := []struct {
		name    string
		format  Format
		respond http.HandlerFunc // nil: a closed port
		opts    Options
		echoes  bool // the receiver echoes the path, which is not a secret
	}{
		{"500 echoing the request", FormatGeneric, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, echo(w, r)+" key="+key+" token="+token)
		}, Options{}, true},
		{"echo past the error length limit", FormatGeneric, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, strings.Repeat("x", maxBodyInError-10)+token+key)
		}, Options{}, false},
		{"wecom errmsg echoing the URL", FormatWeCom, func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(map[string]any{"errcode": 93000, "errmsg": "invalid webhook url " + r.URL.String()})
		}, Options{}, true},
		{"timeout", FormatGeneric, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, Options{Timeout: 200 * time.Millisecond}, false},
		{"redirect elsewhere with the key", FormatGeneric, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.srv.URL+"/?key="+key, http.StatusTemporaryRedirect)
		}, Options{}, false},
		{"connection refused", FormatGeneric, nil, Options{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			base := closedURL
			if c.respond != nil {
				base = newRecorder(t, c.respond).srv.URL
			}
			address := strings.Replace(base, "http://", "http://robot:"+password+"@", 1) + "/hook?key=" + key
			err := NewSender(loopback(c.opts)).Send(context.Background(), sinkAt(t, address, c.format, token), fullNotification(), "")
			g.Expect(err).To(HaveOccurred())
			msg := err.Error() + "|" + string(ErrorClass(err))
			g.Expect(msg).To(ContainSubstring("http://127.0.0.1:"), "the error still says where it went")
			if !c.echoes {
				g.Expect(msg).NotTo(ContainSubstring("/hook"), "errors name scheme and host only")
			}
			basic := base64.StdEncoding.EncodeToString([]byte("robot:" + password)) // the Authorization header
			for _, secret := range []string{token, "TOPSECR", key, "SECRETKEY", password, basic, "key="} {
				g.Expect(msg).NotTo(ContainSubstring(secret))
			}
		})
	}
	g := NewWithT(t)
	g.Expect(elsewhere.requests()).To(BeEmpty())
}

func TestNewSenderDefaults(t *testing.T) {
	g := NewWithT(t)
	s := NewSender(Options{})
	g.Expect(s.allowHTTP).To(BeFalse())
	g.Expect(s.policy.allowed).To(BeEmpty())
	g.Expect(s.timeout).To(Equal(15 * time.Second))
	g.Expect(s.maxResponseBytes).To(Equal(int64(64 << 10)))
	tr, ok := s.client.Transport.(*http.Transport)
	g.Expect(ok).To(BeTrue())
	g.Expect(tr.TLSHandshakeTimeout).To(Equal(5 * time.Second))
	g.Expect(tr.DialContext).NotTo(BeNil())
	g.Expect(tr.Proxy).To(BeNil(), "a proxy would take the connection past the address checks")
	g.Expect(s.client.CheckRedirect).NotTo(BeNil())

	s = NewSender(loopback(Options{ConnectTimeout: time.Second, Timeout: 2 * time.Second, MaxResponseBytes: 10}))
	g.Expect(s.timeout).To(Equal(2 * time.Second))
	g.Expect(s.maxResponseBytes).To(Equal(int64(10)))
	g.Expect(s.client.Transport.(*http.Transport).TLSHandshakeTimeout).To(Equal(time.Second))
}
