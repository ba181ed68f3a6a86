package notify

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	. "github.com/onsi/gomega"
	"golang.org/x/net/dns/dnsmessage"
)

// fakeDNS is an in-process DNS server behind a net.Resolver: every lookup of any name asks
// answer for the addresses to return, so a test controls what a sink's host resolves to, and
// when (DNS rebinding). Only the Resolver's Dial reaches it: no socket, no real DNS.
type fakeDNS struct {
	mu      sync.Mutex
	answer  func(n int) []netip.Addr // n counts the A/AAAA lookups of one name so far, from 0
	lookups int
}

func (f *fakeDNS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups
}

func newFakeDNS(answer func(n int) []netip.Addr) *fakeDNS { return &fakeDNS{answer: answer} }

// resolver is a net.Resolver whose every query goes to f over an in-memory stream connection
// (length-prefixed DNS, as over TCP).
func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go f.serve(server)
		return client, nil
	}}
}

func (f *fakeDNS) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	for {
		var size [2]byte
		if _, err := io.ReadFull(conn, size[:]); err != nil {
			return
		}
		query := make([]byte, binary.BigEndian.Uint16(size[:]))
		if _, err := io.ReadFull(conn, query); err != nil {
			return
		}
		resp, err := f.respond(query)
		if err != nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := conn.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

func (f *fakeDNS) respond(query []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if q.Type == dnsmessage.TypeA { // the A and the AAAA query of one lookup share an answer
		f.mu.Lock()
		addrs = f.answer(f.lookups)
		f.lookups++
		f.mu.Unlock()
	} else {
		f.mu.Lock()
		addrs = f.answer(max(f.lookups-1, 0))
		f.mu.Unlock()
	}
	rcode := dnsmessage.RCodeSuccess
	if addrs == nil {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionAvailable: true, RCode: rcode})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
	for _, a := range addrs {
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			err = b.AResource(rh, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			err = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
		if err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// acceptCounter is a TCP listener that counts the connections it accepts and answers each
// with HTTP 204: proof of whether a Sender connected at all.
type acceptCounter struct {
	port     int
	accepted atomic.Int32
}

// listenCounting listens on addr:port (port 0: any free port).
func listenCounting(t *testing.T, addr string, port int) *acceptCounter {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	c := &acceptCounter{port: ln.Addr().(*net.TCPAddr).Port}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.accepted.Add(1)
		}
	}}
	srv.SetKeepAlivesEnabled(false) // every Send dials anew, so each is checked again
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return c
}

// dialRecorder counts the addresses that passed the check and were about to be connected to.
type dialRecorder struct {
	mu   sync.Mutex
	seen []netip.AddrPort
	// stop, when set, aborts each connection after the check: for addresses that cannot be
	// listened on here, it proves the check let them through without reaching the network.
	stop bool
}

var errStoppedByTest = errors.New("connection stopped by the test after the address check")

func (d *dialRecorder) hook(ap netip.AddrPort) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, ap)
	if d.stop {
		return errStoppedByTest
	}
	return nil
}

func (d *dialRecorder) addrs() []netip.AddrPort {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]netip.AddrPort(nil), d.seen...)
}

// senderVia is a Sender that resolves every host name through dns, allows plain http (these
// tests are about addresses), allows allowed, and records connects in rec.
func senderVia(dns *fakeDNS, rec *dialRecorder, allowed ...string) *Sender {
	o := Options{AllowInsecureHTTP: true, Resolver: dns.resolver()}
	for _, a := range allowed {
		o.AllowedCIDRs = append(o.AllowedCIDRs, netip.MustParsePrefix(a))
	}
	s := NewSender(o)
	s.policy.beforeConnect = rec.hook
	return s
}

func answer(addrs ...string) func(int) []netip.Addr {
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = netip.MustParseAddr(a)
	}
	return func(int) []netip.Addr { return out }
}

func sinkNamed(t *testing.T, port int) Sink {
	return sinkAt(t, "http://sink.example.test:"+strconv.Itoa(port)+"/hook", FormatGeneric, "")
}

// addressClasses are one address of each refused class; listen is where a counting listener
// proves that no connection was made (Linux connects 0.0.0.0 and ::ffff:127.0.0.2 to loopback),
// "" where nothing can listen here.
var addressClasses = []struct {
	class, addr, listen, allow string
}{
	{"loopback", "127.0.0.2", "127.0.0.2", "127.0.0.0/8"},
	{"loopback IPv6", "::1", "::1", "::1/128"},
	{"unspecified (reaches loopback)", "0.0.0.0", "127.0.0.1", "0.0.0.0/8"},
	{"IPv4-mapped loopback", "::ffff:127.0.0.2", "127.0.0.2", "127.0.0.0/8"},
	{"cloud metadata", "169.254.169.254", "", "169.254.0.0/16"},
	{"link-local IPv6", "fe80::1", "", "fe80::/10"},
	{"private 10/8", "10.1.2.3", "", "10.0.0.0/8"},
	{"private 172.16/12", "172.31.255.1", "", "172.16.0.0/12"},
	{"private 192.168/16", "192.168.1.1", "", "192.168.0.0/16"},
	{"IPv4-mapped private", "::ffff:10.0.0.1", "", "10.0.0.0/8"},
	{"unique local IPv6", "fd12:3456::1", "", "fc00::/7"},
	{"CGNAT", "100.64.0.1", "", "100.64.0.0/10"},
	{"multicast", "224.0.0.1", "", "224.0.0.0/4"},
	{"multicast IPv6", "ff02::1", "", "ff00::/8"},
	{"broadcast", "255.255.255.255", "", "240.0.0.0/4"},
	{"unspecified IPv6", "::", "", "::/128"},
	{"NAT64 of a private address", "64:ff9b::a00:1", "", "64:ff9b::/96"},
}

// TestSendRefusesEachAddressClassBeforeConnecting resolves the sink's host name to one address
// of each class: refused by the dial-time check, before any connect.
func TestSendRefusesEachAddressClassBeforeConnecting(t *testing.T) {
	for _, c := range addressClasses {
		t.Run(c.class, func(t *testing.T) {
			g := NewWithT(t)
			port := 9 // discard: nothing listens, nothing is reached
			var ln *acceptCounter
			if c.listen != "" {
				ln = listenCounting(t, c.listen, 0)
				port = ln.port
			}
			rec := &dialRecorder{}
			err := senderVia(newFakeDNS(answer(c.addr)), rec).Send(context.Background(), sinkNamed(t, port), fullNotification(), "")
			g.Expect(ErrorClass(err)).To(Equal(ClassAddressNotAllowed), "%v", err)
			g.Expect(rec.addrs()).To(BeEmpty(), "no address passed the check")
			if ln != nil {
				g.Expect(ln.accepted.Load()).To(BeZero(), "no connection was made")
			}
			// The log names the address; the class does not.
			g.Expect(err.Error()).To(ContainSubstring(netip.MustParseAddr(c.addr).Unmap().String()))
			g.Expect(string(ErrorClass(err))).NotTo(ContainSubstring(c.addr))
		})
	}
}

// TestSendConnectsWhenTheCIDRIsAllowed is the counterpart: with the class's range in
// AllowedCIDRs the same sink is connected to (delivered where something listens).
func TestSendConnectsWhenTheCIDRIsAllowed(t *testing.T) {
	for _, c := range addressClasses {
		t.Run(c.class, func(t *testing.T) {
			g := NewWithT(t)
			port := 9
			var ln *acceptCounter
			if c.listen != "" {
				ln = listenCounting(t, c.listen, 0)
				port = ln.port
			}
			rec := &dialRecorder{stop: ln == nil}
			err := senderVia(newFakeDNS(answer(c.addr)), rec, c.allow).Send(context.Background(), sinkNamed(t, port), fullNotification(), "")
			g.Expect(rec.addrs()).To(HaveLen(1))
			g.Expect(rec.addrs()[0].Addr().Unmap()).To(Equal(netip.MustParseAddr(c.addr).Unmap()))
			if ln != nil {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ln.accepted.Load()).To(Equal(int32(1)))
			} else {
				g.Expect(err).To(MatchError(ContainSubstring(errStoppedByTest.Error())))
				g.Expect(ErrorClass(err)).To(Equal(ClassConnectionFailed))
			}
		})
	}
}

// TestSendChecksEveryConnectionAgainstDNSRebinding: the sink's name first resolves to an
// allowed address (standing in for a public one: 127.0.0.1 is allowed here, so that the
// delivery can be observed), then to a refused one. The second connection is refused at dial
// time: nothing checked earlier, such as a lookup when the Secret was read, is trusted.
func TestSendChecksEveryConnectionAgainstDNSRebinding(t *testing.T) {
	g := NewWithT(t)
	public := listenCounting(t, "127.0.0.1", 0)
	internal := listenCounting(t, "127.0.0.2", public.port) // one URL fits both answers
	dns := newFakeDNS(func(n int) []netip.Addr {
		if n == 0 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	})
	rec := &dialRecorder{}
	sender := senderVia(dns, rec, "127.0.0.1/32")
	sink := sinkNamed(t, public.port)

	g.Expect(sender.Send(context.Background(), sink, fullNotification(), "")).To(Succeed())
	g.Expect(public.accepted.Load()).To(Equal(int32(1)))

	err := sender.Send(context.Background(), sink, fullNotification(), "")
	g.Expect(ErrorClass(err)).To(Equal(ClassAddressNotAllowed), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("127.0.0.2"))
	g.Expect(internal.accepted.Load()).To(BeZero())
	g.Expect(public.accepted.Load()).To(Equal(int32(1)))
	g.Expect(rec.addrs()).To(HaveLen(1), "only the first, allowed address reached connect")
}

// TestSendTriesTheNextAddressWhenOneIsRefused: a name with an internal and an allowed address
// reaches the allowed one only.
func TestSendTriesTheNextAddressWhenOneIsRefused(t *testing.T) {
	g := NewWithT(t)
	ok := listenCounting(t, "127.0.0.1", 0)
	rec := &dialRecorder{}
	err := senderVia(newFakeDNS(answer("10.9.9.9", "127.0.0.1")), rec, "127.0.0.1/32").
		Send(context.Background(), sinkNamed(t, ok.port), fullNotification(), "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rec.addrs()).To(ConsistOf(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(ok.port))))
}

// TestSendRefusesIPLiteralsToo: no DNS involved, the same check.
func TestSendRefusesIPLiteralsToo(t *testing.T) {
	g := NewWithT(t)
	ln := listenCounting(t, "127.0.0.2", 0)
	ln1 := listenCounting(t, "127.0.0.1", ln.port) // where localhost goes
	for _, host := range []string{"127.0.0.2", "[::ffff:127.0.0.2]", "[::ffff:7f00:2]", "localhost"} {
		rec := &dialRecorder{}
		s := NewSender(Options{AllowInsecureHTTP: true})
		s.policy.beforeConnect = rec.hook
		err := s.Send(context.Background(), sinkAt(t, "http://"+host+":"+strconv.Itoa(ln.port)+"/", FormatGeneric, ""), fullNotification(), "")
		g.Expect(ErrorClass(err)).To(Equal(ClassAddressNotAllowed), host)
		g.Expect(rec.addrs()).To(BeEmpty())
	}
	g.Expect(ln.accepted.Load()).To(BeZero())
	g.Expect(ln1.accepted.Load()).To(BeZero())
}

// TestSendRefusesPlainHTTPWithoutTheFlag: before any lookup or connection.
func TestSendRefusesPlainHTTPWithoutTheFlag(t *testing.T) {
	g := NewWithT(t)
	ln := listenCounting(t, "127.0.0.1", 0)
	dns := newFakeDNS(answer("127.0.0.1"))
	address := "http://sink.example.test:" + strconv.Itoa(ln.port) + "/hook"

	s := NewSender(Options{AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Resolver: dns.resolver()})
	err := s.Send(context.Background(), sinkAt(t, address, FormatGeneric, ""), fullNotification(), "")
	g.Expect(ErrorClass(err)).To(Equal(ClassInsecureHTTP))
	g.Expect(ln.accepted.Load()).To(BeZero())
	g.Expect(dns.count()).To(BeZero())

	s = NewSender(Options{AllowedCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Resolver: dns.resolver(), AllowInsecureHTTP: true})
	g.Expect(s.Send(context.Background(), sinkAt(t, address, FormatGeneric, ""), fullNotification(), "")).To(Succeed())
	g.Expect(ln.accepted.Load()).To(Equal(int32(1)))
}

// TestStatusClassNeverCarriesTheBody: what status gets (the class) is the status code only;
// the body and the address go to the log.
func TestStatusClassNeverCarriesTheBody(t *testing.T) {
	g := NewWithT(t)
	const secretBody = `{"error":"db password=hunter2 at 10.20.30.40:5432"}`
	rec := newRecorder(t, status(http.StatusInternalServerError, secretBody))
	err := NewSender(loopback(Options{})).Send(context.Background(), sinkAt(t, rec.srv.URL, FormatGeneric, ""), fullNotification(), "")
	g.Expect(ErrorClass(err)).To(Equal(Class("HTTP 500")))
	g.Expect(err.Error()).To(ContainSubstring("hunter2"), "the manager's log has the excerpt")
}

func TestErrorClass(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	send := func(s *Sender, address string) error {
		return s.Send(ctx, sinkAt(t, address, FormatGeneric, ""), fullNotification(), "")
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	g.Expect(ErrorClass(send(NewSender(loopback(Options{})), closed.URL))).To(Equal(ClassConnectionRefused))

	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // a certificate nobody trusts
	t.Cleanup(tlsSrv.Close)
	g.Expect(ErrorClass(send(NewSender(loopback(Options{})), tlsSrv.URL))).To(Equal(ClassTLS))
	plain := newRecorder(t, status(http.StatusOK, ""))
	g.Expect(ErrorClass(send(NewSender(loopback(Options{})), "https"+plain.srv.URL[len("http"):]))).To(Equal(ClassTLS))

	nx := newFakeDNS(func(int) []netip.Addr { return nil })
	err := send(NewSender(Options{AllowInsecureHTTP: true, Resolver: nx.resolver()}), "http://no-such-host.example.test/")
	g.Expect(ErrorClass(err)).To(Equal(ClassDNS), "%v", err)

	g.Expect(ErrorClass(send(NewSender(Options{}), "ftp://files.example.com/"))).To(Equal(ClassInvalidSink))
	_, err = SinkFromSecret("secret/x", secret(map[string]string{}))
	g.Expect(ErrorClass(err)).To(Equal(ClassInvalidSink))

	g.Expect(ErrorClass(nil)).To(BeEmpty())
	g.Expect(ErrorClass(errors.New("reading sink Secret: something odd"))).To(Equal(ClassInternal))
}

func TestAddressPolicy(t *testing.T) {
	g := NewWithT(t)
	none := addressPolicy{}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "172.32.0.1", "100.128.0.1", "192.169.0.1", "11.0.0.1", "::ffff:8.8.8.8", "64:ff9b::808:808"} {
		g.Expect(none.allows(netip.MustParseAddr(a))).To(BeTrue(), a)
	}
	for _, c := range addressClasses {
		g.Expect(none.allows(netip.MustParseAddr(c.addr))).To(BeFalse(), c.addr)
	}
	for _, a := range []string{"fe80::1%eth0", "127.255.255.255", "0.0.0.1", "169.254.0.1", "100.127.255.255", "239.255.255.250", "::ffff:169.254.169.254", "fec0::1", "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1"} {
		g.Expect(none.allows(netip.MustParseAddr(a))).To(BeFalse(), a)
	}

	allowed, err := ParseCIDRs(" 10.96.0.0/12, 127.0.0.1 ,,::ffff:192.168.0.0/112, fd00::/8")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(allowed).To(Equal([]netip.Prefix{
		netip.MustParsePrefix("10.96.0.0/12"), netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fd00::/8"),
	}))
	p := addressPolicy{allowed: allowed}
	for _, a := range []string{"10.96.0.10", "10.111.255.255", "127.0.0.1", "::ffff:127.0.0.1", "192.168.3.4", "fd00::1"} {
		g.Expect(p.allows(netip.MustParseAddr(a))).To(BeTrue(), a)
	}
	for _, a := range []string{"10.95.255.255", "10.112.0.0", "127.0.0.2", "169.254.169.254", "fc00::1"} {
		g.Expect(p.allows(netip.MustParseAddr(a))).To(BeFalse(), a)
	}

	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.0/8,nope", "fe80::/10%eth0"} {
		_, err := ParseCIDRs(bad)
		g.Expect(err).To(HaveOccurred(), bad)
	}
	empty, err := ParseCIDRs("")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(empty).To(BeEmpty())
}
