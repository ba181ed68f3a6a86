package materials

import (
	"context"
	"fmt"
	"net/netip"
	"syscall"
)

// URL files are addresses merchants choose, fetched from a reviewer's machine, which usually
// sits inside an office network or VPN. The digest is checked only after the bytes arrived, so
// what matters is where the request goes: every connection is checked at dial time, on the IP
// the socket is about to connect to, so a name that resolves to a public address at one lookup
// and to an internal one at the next (DNS rebinding) is refused on the connection that matters.
// The rules are those of the operator's notification sinks (internal/notify), adapted: cloud
// metadata, link-local, unspecified, multicast and reserved addresses are refused always;
// private networks (RFC 1918, CGNAT, unique local) are refused unless --allow-private, since
// some platforms host materials on an intranet server; loopback only with a hidden test flag.

var (
	// refusedAlways: nothing a merchant hosts lives there.
	refusedAlways = prefixes(
		"0.0.0.0/8",          // "this network", 0.0.0.0 the unspecified address (Linux connects it to loopback)
		"169.254.0.0/16",     // link-local, with the cloud metadata service at 169.254.169.254
		"100.100.100.200/32", // Alibaba Cloud's metadata service, inside the CGNAT range
		"fd00:ec2::254/128",  // AWS's IPv6 metadata service, inside the unique-local range
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved, with the limited broadcast 255.255.255.255
		"::/96",              // the unspecified address and deprecated IPv4-compatible ones (::1 is loopback)
		"fe80::/10",          // link-local
		"ff00::/8",           // multicast
	)
	// private: intranet services of the reviewer's network.
	private = prefixes(
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", // RFC 1918
		"100.64.0.0/10", // CGNAT shared address space
		"fc00::/7",      // unique local
		"fec0::/10",     // deprecated site-local
	)
	loopback = prefixes("127.0.0.0/8", "::1/128")
	// nat64 (RFC 6052): 64:ff9b::a.b.c.d reaches IPv4 a.b.c.d, so it is judged by that address.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// addressPolicy decides which addresses a download may connect to.
type addressPolicy struct {
	allowPrivate, allowLoopback bool
}

// refusal says why a is refused, "" if it may be connected to.
func (p addressPolicy) refusal(a netip.Addr) string {
	// Zones are dropped: a Prefix never contains a zoned address, so fe80::1%eth0 would pass.
	a = a.Unmap().WithZone("")
	if nat64.Contains(a) {
		b := a.As16()
		return p.refusal(netip.AddrFrom4([4]byte(b[12:])))
	}
	in := func(ps []netip.Prefix) bool {
		for _, pre := range ps {
			if pre.Contains(a) {
				return true
			}
		}
		return false
	}
	switch {
	case in(loopback): // first: ::/96 below holds ::1
		if p.allowLoopback {
			return ""
		}
		return "a loopback address, refused"
	case in(refusedAlways):
		return "a link-local, metadata, unspecified, multicast or reserved address, always refused"
	case in(private) && !p.allowPrivate:
		return "a private (RFC 1918, CGNAT or unique-local) address, refused without --allow-private"
	}
	return ""
}

// control is the net.Dialer's ControlContext: it runs after the socket is created and before
// it connects, with the numeric address, once per address tried.
func (p addressPolicy) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil { // never expected; refuse rather than guess
		return fmt.Errorf("address %s: not an IP address and port, refused", address)
	}
	if why := p.refusal(ap.Addr()); why != "" {
		return fmt.Errorf("address %s is %s", ap.Addr(), why)
	}
	return nil
}
