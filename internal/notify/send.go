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
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Defaults of Options.
const (
	DefaultConnectTimeout   = 5 * time.Second
	DefaultTimeout          = 15 * time.Second
	DefaultMaxResponseBytes = 64 << 10

	// maxBodyInError and maxErrorBytes bound the details an error carries for the log.
	maxBodyInError = 256
	maxErrorBytes  = 1024

	userAgent = "category-operator"
)

// Options configure a Sender. Zero values take the defaults, which are the safe ones: https
// only, and no connection to loopback, private, link-local, CGNAT, multicast, reserved or
// unspecified addresses.
type Options struct {
	// ConnectTimeout bounds the TCP connect and the TLS handshake. Default 5s.
	ConnectTimeout time.Duration
	// Timeout bounds a whole Send: connect, and reading the response. Default 15s.
	Timeout time.Duration
	// MaxResponseBytes is the most of a response body that is read. Default 64KiB.
	MaxResponseBytes int64
	// AllowedCIDRs are otherwise refused addresses this Sender's sinks may connect to
	// (--sink-allowed-cidrs), e.g. 127.0.0.0/8 for tests, or an in-cluster receiver's IP. The
	// manager gives them to the Sender of the sinks the platform vouches for only.
	AllowedCIDRs []netip.Prefix
	// AllowInsecureHTTP lets sinks use plain http (--sink-allow-insecure-http): local runs and
	// tests. Default false: https only.
	AllowInsecureHTTP bool
	// Resolver resolves sink host names; nil: net.DefaultResolver. Tests inject one.
	Resolver *net.Resolver
	// Now is the clock of webhook-timestamp; nil: time.Now. Tests inject one.
	Now func() time.Time
}

// Sender posts notifications. It is safe for concurrent use and reuses connections, so make
// one per process.
type Sender struct {
	client           *http.Client
	timeout          time.Duration
	maxResponseBytes int64
	allowHTTP        bool
	policy           *addressPolicy
	now              func() time.Time
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
	if o.Now == nil {
		o.Now = time.Now
	}
	policy := &addressPolicy{allowed: append([]netip.Prefix(nil), o.AllowedCIDRs...)}
	dialer := &net.Dialer{
		Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second, Resolver: o.Resolver,
		// Through the pointer, so that tests can set policy.beforeConnect after NewSender.
		ControlContext: func(ctx context.Context, network, address string, c syscall.RawConn) error {
			return policy.control(ctx, network, address, c)
		},
	}
	// A clone keeps the default's HTTP/2 and idle-connection settings.
	t := http.DefaultTransport.(*http.Transport).Clone()
	// No proxy: through a proxy the dial check would see the proxy's address, not the sink's,
	// and HTTP(S)_PROXY from the environment would let any sink through. Every connection is a
	// direct one from this dialer, so the check applies to the connection that carries the post.
	t.Proxy = nil
	t.DialContext = dialer.DialContext
	t.TLSHandshakeTimeout = o.ConnectTimeout
	return &Sender{
		client:           &http.Client{Transport: t, CheckRedirect: noRedirects},
		timeout:          o.Timeout,
		maxResponseBytes: o.MaxResponseBytes,
		allowHTTP:        o.AllowInsecureHTTP,
		policy:           policy,
		now:              o.Now,
	}
}

// noRedirects hands every 3xx back to Send, which fails it as ClassRedirect: a redirect's target
// would need the address checks again, and a 301/302/303 turns the POST into a bodiless GET
// whose 2xx would be taken for a delivery. Receivers are webhooks: they answer where they are.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// deliveryError is what Send and SinkFromSecret return. Its class is what status shows
// (ErrorClass); its message is for the manager's log: masked of the sink's secrets, but with
// the details (receiver's body excerpt, resolved address). For timeouts and cancellations it
// wraps the context error, so that errors.Is(err, context.DeadlineExceeded) works; it wraps
// nothing else, so no unmasked text can be reached through errors.Unwrap.
type deliveryError struct {
	class Class
	msg   string
	kind  error
}

func (e *deliveryError) Error() string { return e.msg }
func (e *deliveryError) Unwrap() error { return e.kind }

// fail builds a deliveryError. detail comes from the network or the receiver and is masked;
// the prefix is built from redacted parts only.
func (s *Sender) fail(sink Sink, class Class, kind error, format string, a ...any) error {
	detail := Mask(fmt.Sprintf(format, a...), sink.secrets()...)
	msg := fmt.Sprintf("notify sink %q (POST %s): %s: %s", sink.Name, redactedAddress(sink.Address), class, detail)
	return &deliveryError{class: class, msg: truncate(msg, maxErrorBytes), kind: kind}
}

// Send posts one notification to sink and returns nil only if the receiver accepted it: a 2xx,
// and for wecom a JSON body with errcode 0. key is the Idempotency-Key header; empty means
// IdempotencyKey(n.Application.UID, n.Generation, n.Event, sink.Name). Send sets n's APIVersion
// and Kind. Failures map to a Class (ErrorClass); their messages never contain the token, nor
// the address's query, userinfo or path; timeouts satisfy
// errors.Is(err, context.DeadlineExceeded).
func (s *Sender) Send(ctx context.Context, sink Sink, n Notification, key string) error {
	if sink.Address == nil {
		return s.fail(sink, ClassInvalidSink, nil, "no address")
	}
	switch sink.Address.Scheme {
	case "https":
	case "http":
		if !s.allowHTTP {
			return s.fail(sink, ClassInsecureHTTP, nil, "plain http needs --sink-allow-insecure-http")
		}
	default:
		return s.fail(sink, ClassInvalidSink, nil, "scheme %q is not https", truncate(sink.Address.Scheme, 16))
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
	case FormatCloudEvents:
		body, err = cloudEventBody(n, key)
	default:
		return s.fail(sink, ClassInvalidSink, nil, "format %q is not one of %q, %q, %q", truncate(string(sink.Format), 32), FormatGeneric, FormatCloudEvents, FormatWeCom)
	}
	if err != nil {
		return s.fail(sink, ClassInternal, nil, "encoding the body: %v", err)
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	target := *sink.Address
	target.Fragment, target.RawFragment = "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return s.fail(sink, ClassInvalidSink, nil, "building the request failed") // its error quotes the URL
	}
	req.Header.Set("Content-Type", "application/json")
	if sink.format() == FormatCloudEvents {
		req.Header.Set("Content-Type", cloudEventContentType)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Idempotency-Key", key)
	if sink.format() != FormatWeCom && len(sink.SigningKeys) > 0 {
		// Signed at each attempt: a retry is a new post with a fresh timestamp and the same id.
		if err := signWebhook(req.Header, sink.SigningKeys, key, s.now(), body); err != nil {
			return s.fail(sink, ClassInternal, nil, "signing: %v", err)
		}
	}
	// X-Signature (HMAC of the body alone) is deprecated: kept for one release for existing
	// receivers, see the README's Notifications.
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
		class := networkClass(err)
		switch class {
		case ClassTimeout:
			return s.fail(sink, class, context.DeadlineExceeded, "no answer within the time limit (%s): %v", s.timeout, err)
		case ClassCanceled:
			return s.fail(sink, class, context.Canceled, "%v", err)
		case "":
			class = ClassConnectionFailed // it failed between dialing and the response
		}
		return s.fail(sink, class, nil, "%v", err)
	}
	// Read at most maxResponseBytes; Close then drops a connection with unread bytes rather than
	// draining an unbounded body.
	defer func() { _ = resp.Body.Close() }()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, s.maxResponseBytes))

	switch code := resp.StatusCode; {
	case code >= 300 && code <= 399:
		return s.fail(sink, ClassRedirect, nil, "HTTP %d %s to %s", code, http.StatusText(code), redirectTarget(req.URL, resp.Header.Get("Location")))
	case code < 200 || code > 299:
		// The status text is the standard one, not the receiver's reason phrase.
		return s.fail(sink, httpClass(code), nil, "%s: %s", http.StatusText(code), snippet(sink, data))
	}
	if sink.format() != FormatWeCom {
		return nil // accepted; a failure to read the rest of the body does not undo that
	}
	if readErr != nil {
		class := networkClass(readErr)
		if class == "" {
			class = ClassConnectionFailed
		}
		return s.fail(sink, class, timeoutKind(ctx, readErr), "wecom: reading the response: %v", readErr)
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(data, &r); err != nil || r.ErrCode == nil {
		return s.fail(sink, ClassInvalidResponse, nil, "wecom: HTTP %d but the body is not {\"errcode\":...}: %s", resp.StatusCode, snippet(sink, data))
	}
	if *r.ErrCode != 0 {
		return s.fail(sink, weComClass(*r.ErrCode), nil, "%s", snippet(sink, []byte(r.ErrMsg)))
	}
	return nil
}

// redirectTarget is scheme://host of a Location header, resolved against the request: for the
// log, without its path and query.
func redirectTarget(base *url.URL, location string) string {
	u, err := base.Parse(location)
	if err != nil || location == "" {
		return "an unparsable Location"
	}
	return redactedAddress(u)
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
