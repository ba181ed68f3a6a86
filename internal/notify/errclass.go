package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Class is a short, fixed description of why a delivery failed: it never carries the
// receiver's body, the address a name resolved to, nor anything else a merchant could use to
// map the platform's network through a sink. The details go to the manager's log. What
// merchants see of their own sinks' failures (status.notifications[].lastError and events) is
// coarser still: Class.Coarse.
type Class string

// Classes of failed deliveries. HTTP status codes and WeCom error codes are classes of their
// own ("HTTP 503", "wecom errcode 93000"): numbers, never the receiver's text.
const (
	// ClassTimeout: no connection, or no answer, within the time limit.
	ClassTimeout Class = "timeout"
	// ClassCanceled: the manager stopped the attempt (it is shutting down).
	ClassCanceled Class = "canceled"
	// ClassConnectionRefused: nothing listens at the address.
	ClassConnectionRefused Class = "connection refused"
	// ClassConnectionFailed: any other network failure (reset, unreachable, closed early).
	ClassConnectionFailed Class = "connection failed"
	// ClassTLS: the TLS handshake failed (certificate, protocol, an http server on an https URL).
	ClassTLS Class = "TLS error"
	// ClassDNS: the host name did not resolve.
	ClassDNS Class = "DNS lookup failed"
	// ClassAddressNotAllowed: the address (as resolved at connect time) is loopback, private,
	// link-local, CGNAT, multicast, reserved or unspecified, and not in --sink-allowed-cidrs.
	ClassAddressNotAllowed Class = "address not allowed"
	// ClassInsecureHTTP: a plain http address, and the manager runs without
	// --sink-allow-insecure-http.
	ClassInsecureHTTP Class = "plain http not allowed"
	// ClassRedirect: the receiver answered 3xx; redirects are not followed.
	ClassRedirect Class = "redirect not followed"
	// ClassInvalidResponse: a 2xx whose body does not say what the format requires (WeCom).
	ClassInvalidResponse Class = "invalid response"
	// ClassInvalidSink: the sink Secret is incomplete or invalid (address, format).
	ClassInvalidSink Class = "invalid sink"
	// ClassSecretNotFound: the sink Secret does not exist.
	ClassSecretNotFound Class = "sink Secret not found"
	// ClassInternal: anything else; the manager's log has the details.
	ClassInternal Class = "internal error"
	// ClassDeliveryFailed is Coarse's class of every failure before the sink answered.
	ClassDeliveryFailed Class = "delivery failed"
)

// Coarse is the class to show for a sink its owner chose. Failures before the sink answered
// (a name that did not resolve, an address sinks may not reach, a connection refused, failed or
// timed out, a failed TLS handshake) are one class, ClassDeliveryFailed: told apart, they would
// say which names exist inside the platform's network and which of their ports listen, to
// anyone who points a sink there. What a receiver answered (HTTP <code>, a redirect, a WeCom
// errcode, an invalid response) comes from an address sinks may reach, and what is wrong with
// the sink Secret or the manager is the owner's to fix: those stay as they are.
func (c Class) Coarse() Class {
	switch c {
	case ClassTimeout, ClassConnectionRefused, ClassConnectionFailed, ClassTLS, ClassDNS, ClassAddressNotAllowed:
		return ClassDeliveryFailed
	}
	return c
}

// httpClass is the class of a non-2xx answer.
func httpClass(code int) Class { return Class(fmt.Sprintf("HTTP %d", code)) }

// weComClass is the class of a WeCom robot's refusal: errcode is an integer of WeCom's
// documented protocol, which is what a merchant needs to fix the robot's key.
func weComClass(errcode int) Class { return Class(fmt.Sprintf("wecom errcode %d", errcode)) }

// ErrorClass maps an error from SinkFromSecret, Send, or reading the sink Secret to its Class.
// nil maps to "".
func ErrorClass(err error) Class {
	if err == nil {
		return ""
	}
	var de *deliveryError
	if errors.As(err, &de) {
		return de.class
	}
	if apierrors.IsNotFound(err) {
		return ClassSecretNotFound
	}
	if c := networkClass(err); c != "" {
		return c
	}
	return ClassInternal
}

// networkClass classifies what http.Client.Do returns (its *url.Error unwrapped or not), or ""
// if it is not a network failure. Order matters: a refused address and a failed DNS lookup are
// reported as such even when they come with a timeout flag.
func networkClass(err error) Class {
	var notAllowed *addressNotAllowedError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &notAllowed):
		return ClassAddressNotAllowed
	case errors.As(err, &dnsErr):
		return ClassDNS
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case isTimeout(err):
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassConnectionRefused
	case isTLS(err):
		return ClassTLS
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ClassConnectionFailed
	}
	return ""
}

func isTimeout(err error) bool {
	var nerr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &nerr) && nerr.Timeout()
}

// isTLS recognises handshake failures. Many of crypto/tls's errors are plain errors.New values
// ("tls: ..."), and net/http reports an http server behind an https URL as text only, so the
// text is checked after the types.
func isTLS(err error) bool {
	var (
		rec     tls.RecordHeaderError
		alert   tls.AlertError
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	if errors.As(err, &rec) || errors.As(err, &alert) || errors.As(err, &verify) ||
		errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "x509: ") || strings.Contains(msg, "HTTPS client")
}
