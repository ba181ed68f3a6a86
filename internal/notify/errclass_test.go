package notify

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// TestCoarse: whatever kept a post from reaching a receiver is one class for the merchant,
// so a sink aimed inside the platform's network says nothing of what is there; what a
// receiver answered, and what is wrong with the sink itself, is kept.
func TestCoarse(t *testing.T) {
	for c, want := range map[Class]Class{
		ClassDNS: ClassDeliveryFailed, ClassAddressNotAllowed: ClassDeliveryFailed, ClassConnectionRefused: ClassDeliveryFailed,
		ClassTimeout: ClassDeliveryFailed, ClassConnectionFailed: ClassDeliveryFailed, ClassTLS: ClassDeliveryFailed,
		httpClass(503): "HTTP 503", weComClass(93000): "wecom errcode 93000", ClassRedirect: ClassRedirect,
		ClassInvalidResponse: ClassInvalidResponse, ClassInvalidSink: ClassInvalidSink, ClassSecretNotFound: ClassSecretNotFound,
		ClassInsecureHTTP: ClassInsecureHTTP, ClassCanceled: ClassCanceled, ClassInternal: ClassInternal,
	} {
		NewWithT(t).Expect(c.Coarse()).To(Equal(want), string(c))
	}
}

// TestCoarseProbe sends to a name that does not resolve, to a name resolving to a private
// address, to a port where nothing listens and to a receiver that never answers: the precise
// classes differ (for the manager's log), the coarse ones do not.
func TestCoarseProbe(t *testing.T) {
	g := NewWithT(t)
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer silent.Close()
	defer close(hang)
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL
	closed.Close()

	dns := newFakeDNS(func(int) []netip.Addr { return nil }) // every name: NXDOMAIN
	private := newFakeDNS(func(int) []netip.Addr { return []netip.Addr{netip.MustParseAddr("10.96.0.1")} })
	send := func(resolver *net.Resolver, address string) error {
		s := NewSender(loopback(Options{Resolver: resolver, Timeout: 300 * time.Millisecond}))
		return s.Send(context.Background(), sinkAt(t, address, FormatGeneric, ""), Notification{}, "k")
	}
	precise := map[Class]bool{}
	for _, err := range []error{
		send(dns.resolver(), "http://nosuch.svc.cluster.local/"),
		send(private.resolver(), "http://kubernetes.default.svc/"),
		send(nil, refused),
		send(nil, silent.URL),
	} {
		g.Expect(err).To(HaveOccurred())
		precise[ErrorClass(err)] = true
		g.Expect(ErrorClass(err).Coarse()).To(Equal(ClassDeliveryFailed), err.Error())
	}
	g.Expect(precise).To(HaveLen(4), "the log tells them apart")
}
