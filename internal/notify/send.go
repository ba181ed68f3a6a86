package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of Options.
const (
	DefaultConnectTimeout   = 5 * time.Second
	DefaultTimeout          = 15 * time.Second
	DefaultMaxResponseBytes = 64 << 10

	// maxRedirects are followed, all to the first request's scheme and host.
	maxRedirects = 3
	// maxBodyInError and maxErrorBytes bound what an error, and so status.lastError, carries.
	maxBodyInError = 256
	maxErrorBytes  = 1024

	userAgent = "category-operator"
)

// Options configure a Sender. Zero values take the defaults.
type Options struct {
	// ConnectTimeout bounds the TCP connect and the TLS handshake. Default 5s.
	ConnectTimeout time.Duration
	// Timeout bounds a whole Send: connect, redirects, and reading the response. Default 15s.
	Timeout time.Duration
	// MaxResponseBytes is the most of a response body that is read. Default 64KiB.
	MaxResponseBytes int64
	// Transport replaces the HTTP transport, for tests; ConnectTimeout then does not apply.
	Transport http.RoundTripper
}

// Sender posts notifications. It is safe for concurrent use and reuses connections, so make
// one per process.
type Sender struct {
	client           *http.Client
	timeout          time.Duration
	maxResponseBytes int64
}

// NewSender returns a Sender with o's defaults filled in.
func NewSender(o Options) *Sender {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	rt := o.Transport
	if rt == nil {
		// A clone keeps the default's proxy-from-environment, HTTP/2 and idle-connection settings.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = o.ConnectTimeout
		rt = t
	}
	return &Sender{
		client:           &http.Client{Transport: rt, CheckRedirect: checkRedirect},
		timeout:          o.Timeout,
		maxResponseBytes: o.MaxResponseBytes,
	}
}

// checkRedirect follows at most maxRedirects redirects, each to the scheme and host of the
// first request, and only those that keep the method (307, 308): a 301/302/303 turns the POST
// into a bodiless GET, whose 2xx would be taken for a delivery that never happened.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	switch {
	case len(via) > maxRedirects:
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	case req.URL.Scheme != first.URL.Scheme || hostKey(req.URL) != hostKey(first.URL):
		return fmt.Errorf("redirect to another host (%s) not followed", redactedAddress(req.URL))
	case req.Method != first.Method:
		return fmt.Errorf("redirect that turns %s into %s not followed (only 307 and 308 keep the body)", first.Method, req.Method)
	}
	return nil
}

// hostKey is host:port with the scheme's default port made explicit, lower case.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// deliveryError is what Send returns: a message that is safe to store in status, and for
// timeouts and cancellations the context error, so that errors.Is(err, context.DeadlineExceeded)
// works. It wraps nothing else, so no unmasked text can be reached through errors.Unwrap.
type deliveryError struct {
	msg  string
	kind error
}

func (e *deliveryError) Error() string { return e.msg }
func (e *deliveryError) Unwrap() error { return e.kind }

// fail builds a deliveryError. detail comes from the network or the receiver and is masked;
// the prefix is built from redacted parts only.
func (s *Sender) fail(sink Sink, kind error, format string, a ...any) error {
	detail := Mask(fmt.Sprintf(format, a...), sink.secrets()...)
	msg := fmt.Sprintf("notify sink %q (POST %s): %s", sink.Name, redactedAddress(sink.Address), detail)
	return &deliveryError{msg: truncate(msg, maxErrorBytes), kind: kind}
}

// Send posts one notification to sink and returns nil only if the receiver accepted it: a 2xx,
// and for wecom a JSON body with errcode 0. key is the Idempotency-Key header; empty means
// IdempotencyKey(n.Application.UID, n.Generation, n.Event, sink.Name). Send sets n's APIVersion
// and Kind. Errors never contain the token, nor the address's query, userinfo or path; timeouts
// satisfy errors.Is(err, context.DeadlineExceeded).
func (s *Sender) Send(ctx context.Context, sink Sink, n Notification, key string) error {
	if sink.Address == nil {
		return s.fail(sink, nil, "no address")
	}
	n.APIVersion, n.Kind = APIVersion, Kind
	if key == "" {
		key = IdempotencyKey(n.Application.UID, n.Generation, n.Event, sink.Name)
	}
	var body []byte
	var err error
	switch sink.format() {
	case FormatGeneric:
		body, err = json.Marshal(n)
	case FormatWeCom:
		body, err = weComBody(n)
	default:
		return s.fail(sink, nil, "format %q is not one of %q, %q", truncate(string(sink.Format), 32), FormatGeneric, FormatWeCom)
	}
	if err != nil {
		return s.fail(sink, nil, "encoding the body: %v", err)
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	target := *sink.Address
	target.Fragment, target.RawFragment = "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return s.fail(sink, nil, "building the request failed") // its error quotes the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Idempotency-Key", key)
	if sink.format() == FormatGeneric && len(sink.Token) > 0 {
		mac := hmac.New(sha256.New, sink.Token)
		mac.Write(body)
		req.Header.Set("X-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}

	resp, err := s.client.Do(req)
	if err != nil {
		// *url.Error quotes the request URL with its query: keep only the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		switch kind := timeoutKind(ctx, err); kind {
		case context.DeadlineExceeded:
			return s.fail(sink, kind, "no answer within the time limit (%s): %v", s.timeout, err)
		case context.Canceled:
			return s.fail(sink, kind, "canceled: %v", err)
		}
		return s.fail(sink, nil, "%v", err)
	}
	// Read at most maxResponseBytes; Close then drops a connection with unread bytes rather than
	// draining an unbounded body.
	defer func() { _ = resp.Body.Close() }()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, s.maxResponseBytes))

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The status text is the standard one, not the receiver's reason phrase.
		return s.fail(sink, nil, "HTTP %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), snippet(sink, data))
	}
	if sink.format() != FormatWeCom {
		return nil // accepted; a failure to read the rest of the body does not undo that
	}
	if readErr != nil {
		return s.fail(sink, timeoutKind(ctx, readErr), "wecom: reading the response: %v", readErr)
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(data, &r); err != nil || r.ErrCode == nil {
		return s.fail(sink, nil, "wecom: HTTP %d but the body is not {\"errcode\":...}: %s", resp.StatusCode, snippet(sink, data))
	}
	if *r.ErrCode != 0 {
		return s.fail(sink, nil, "wecom errcode %d: %s", *r.ErrCode, snippet(sink, []byte(r.ErrMsg)))
	}
	return nil
}

// timeoutKind says whether err is a timeout or a cancellation, as the context error.
func timeoutKind(ctx context.Context, err error) error {
	var nerr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return context.DeadlineExceeded
	case errors.Is(err, context.Canceled), ctx.Err() != nil:
		return ctx.Err()
	}
	return nil
}

// snippet renders the start of a response body for an error: masked before it is cut (a cut
// must not leave half a secret behind), one line, valid UTF-8, bounded.
func snippet(sink Sink, b []byte) string {
	s := strings.ToValidUTF8(Mask(string(b), sink.secrets()...), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return truncate(strings.TrimSpace(s), maxBodyInError)
}
