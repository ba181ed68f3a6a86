// Package notify delivers notifications about CategoryApplications to merchant and reviewer
// sinks (webhooks). It is the delivery library the controller calls: the ledger of what was
// sent (status.notifications) and when to send it is the controller's.
//
// Guarantees: a sink's secrets (the token, and the address's query string and userinfo, which
// carry a WeCom robot's key or basic-auth credentials) never appear in an error returned here,
// nor in a Sink printed with fmt; this package does not log.
package notify

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Format is the body format a sink expects.
type Format string

const (
	// FormatGeneric posts the versioned Notification as JSON, signed when a token is set.
	FormatGeneric Format = "generic"
	// FormatWeCom posts a WeCom (企业微信) group-robot markdown message.
	FormatWeCom Format = "wecom"
	// FormatCloudEvents posts the Notification as a CloudEvent 1.0 in structured JSON mode.
	FormatCloudEvents Format = "cloudevents"
)

// Keys of a sink Secret.
const (
	SecretKeyAddress = "address"
	SecretKeyToken   = "token"
	SecretKeyFormat  = "format"
	// SecretKeySigningKey is a Standard Webhooks secret ("whsec_" + base64 of 24 to 64 bytes).
	SecretKeySigningKey = "signingKey"
	// SecretKeyPreviousSigningKey is the key being rotated out: while it is set, posts carry a
	// signature with each key, so receivers that still verify with the old one keep working.
	SecretKeyPreviousSigningKey = "previousSigningKey"
)

// Sink is one destination for notifications. Print it with %v or %s, never its fields: String
// hides the token and the address's query and userinfo.
type Sink struct {
	// Name identifies the sink in the ledger and the idempotency key: "secret/<name>" or "reviewers".
	Name string
	// Address is the webhook URL: https, or http where the Sender allows it.
	Address *url.URL
	// Token is the HMAC-SHA256 key for X-Signature (generic format only); may be empty.
	// Deprecated for receivers: SigningKeys (Standard Webhooks) replace it.
	Token []byte
	// SigningKeys are the Standard Webhooks keys (decoded): the current one first, then the
	// one being rotated out. Generic and CloudEvents posts carry a signature for each.
	SigningKeys [][]byte
	// Format of the body; empty means generic.
	Format Format
}

// String renders the sink without secrets, e.g. "secret/acme (wecom, https://qyapi.weixin.qq.com)".
func (s Sink) String() string {
	return fmt.Sprintf("%s (%s, %s)", s.Name, s.format(), redactedAddress(s.Address))
}

// GoString makes %#v as safe as %v.
func (s Sink) GoString() string { return "notify.Sink{" + s.String() + "}" }

func (s Sink) format() Format {
	if s.Format == "" {
		return FormatGeneric
	}
	return s.Format
}

// secrets lists the strings to mask in anything derived from the sink's traffic: the token, the
// raw query string and each query value, and the userinfo. Query values and user names shorter
// than 4 bytes are left alone: they are not credentials, and masking them would garble numbers
// and words in messages.
func (s Sink) secrets() []string {
	out := []string{string(s.Token)}
	for _, k := range s.SigningKeys {
		out = append(out, string(k), webhookSecretPrefix+base64.StdEncoding.EncodeToString(k), base64.StdEncoding.EncodeToString(k))
	}
	if u := s.Address; u != nil {
		out = append(out, u.RawQuery)
		if q, err := url.ParseQuery(u.RawQuery); err == nil {
			for _, vs := range q {
				for _, v := range vs {
					if len(v) >= 4 {
						out = append(out, v, url.QueryEscape(v))
					}
				}
			}
		}
		if u.User != nil {
			out = append(out, u.User.String())
			if name := u.User.Username(); len(name) >= 4 {
				out = append(out, name) // some services take a token as the user name
			}
			if p, ok := u.User.Password(); ok {
				// ...and the Basic Authorization header Go derives from it, should it be echoed.
				basic := base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + p))
				out = append(out, p, basic)
			}
		}
	}
	return out
}

// redactedAddress is scheme://host of u: no userinfo, query or path (a path may carry secrets
// too, e.g. Slack-style webhooks; it is left out rather than guessed at).
func redactedAddress(u *url.URL) string {
	if u == nil {
		return "<no address>"
	}
	return u.Scheme + "://" + u.Host
}

// Mask replaces every occurrence of every non-empty secret in msg with "***". Longer secrets are
// replaced first, so a secret that contains another is masked whole.
func Mask(msg string, secrets ...string) string {
	ss := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			ss = append(ss, s)
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return len(ss[i]) > len(ss[j]) })
	for _, s := range ss {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	return msg
}

// addressRule is quoted in errors so that a user knows what to fix. Where an address may
// connect to is checked when sending, on the resolved address (see egress.go).
const addressRule = "must be an https URL (plain http only where the manager allows it)"

// SinkFromSecret reads and validates a sink Secret: address (required), token (optional) and
// format (optional, default generic). name becomes Sink.Name. Values are taken from data, with
// stringData overriding it as the API server does (fake clients may leave stringData unmerged).
// Address and format are trimmed of surrounding whitespace; the token is used byte for byte.
// Errors name the Secret, the key and the rule, never the token nor the address's query or
// userinfo.
func SinkFromSecret(name string, s *corev1.Secret) (Sink, error) {
	if name == "" {
		return Sink{}, &deliveryError{class: ClassInvalidSink, msg: "notify sink: name is empty"}
	}
	if s == nil {
		return Sink{}, &deliveryError{class: ClassInvalidSink, msg: fmt.Sprintf("notify sink %q: no Secret", name)}
	}
	get := func(key string) ([]byte, bool) {
		if v, ok := s.StringData[key]; ok {
			return []byte(v), true
		}
		v, ok := s.Data[key]
		return v, ok
	}
	fail := func(format string, a ...any) (Sink, error) {
		msg := fmt.Sprintf("notify sink %q (Secret %s/%s): %s: %s", name, s.Namespace, s.Name, ClassInvalidSink, fmt.Sprintf(format, a...))
		return Sink{}, &deliveryError{class: ClassInvalidSink, msg: msg}
	}

	raw, _ := get(SecretKeyAddress)
	address := strings.TrimSpace(string(raw))
	if address == "" {
		return fail("key %q is missing or empty: it %s", SecretKeyAddress, addressRule)
	}
	// url.Parse errors quote the input, query and all: never wrap them.
	u, err := url.Parse(address)
	if err != nil || u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return fail("key %q is not an absolute URL with a host: it %s", SecretKeyAddress, addressRule)
	}
	switch u.Scheme {
	case "https", "http":
	default:
		return fail("key %q: scheme %q is not allowed: the address %s", SecretKeyAddress, truncate(u.Scheme, 16), addressRule)
	}
	u.Fragment, u.RawFragment = "", "" // never sent; keep it out of the request

	sink := Sink{Name: name, Address: u}
	if tok, ok := get(SecretKeyToken); ok && len(tok) > 0 {
		sink.Token = append([]byte(nil), tok...)
	}
	rawFormat, _ := get(SecretKeyFormat)
	switch f := Format(strings.TrimSpace(string(rawFormat))); f {
	case "", FormatGeneric:
		sink.Format = FormatGeneric
	case FormatWeCom, FormatCloudEvents:
		sink.Format = f
	default:
		return fail("key %q: %q is not a valid format: valid formats are %q, %q and %q (empty means %q)",
			SecretKeyFormat, truncate(string(f), 32), FormatGeneric, FormatCloudEvents, FormatWeCom, FormatGeneric)
	}
	for _, k := range []string{SecretKeySigningKey, SecretKeyPreviousSigningKey} {
		raw, ok := get(k)
		if !ok || len(raw) == 0 {
			continue
		}
		key, err := decodeSigningKey(string(raw))
		if err != nil {
			return fail("key %q: %v", k, err)
		}
		sink.SigningKeys = append(sink.SigningKeys, key)
	}
	if len(sink.SigningKeys) > 0 && sink.Format == FormatWeCom {
		// WeCom's robot checks nothing of ours; a key there is a mistake worth saying.
		return fail("key %q: format %q is not signed: Standard Webhooks signatures are for %q and %q sinks", SecretKeySigningKey, FormatWeCom, FormatGeneric, FormatCloudEvents)
	}
	return sink, nil
}
