package notify

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// Sinks are addresses merchants choose, and the operator posts to them from inside the
// platform's network. Without limits a merchant could aim a sink at the cloud metadata service,
// the API server, or any internal service, and read the outcome back from status. So every
// connection a Sender makes is checked at dial time, on the IP the socket is about to connect
// to: a name that resolves to a public address at one lookup and to an internal one at the next
// (DNS rebinding) is refused on the connection that matters.

// blockedPrefixes are refused unless an allowed prefix (--sink-allowed-cidrs) contains the
// address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are unmapped before the check, and
// NAT64 ones are judged by the IPv4 address they carry.
var blockedPrefixes = mustPrefixes(
	"0.0.0.0/8",      // "this network", 0.0.0.0 the unspecified address (Linux connects it to loopback)
	"10.0.0.0/8",     // RFC 1918 private
	"100.64.0.0/10",  // CGNAT shared address space: provider-internal
	"127.0.0.0/8",    // loopback
	"169.254.0.0/16", // link-local, with the cloud metadata service at 169.254.169.254
	"172.16.0.0/12",  // RFC 1918 private
	"192.168.0.0/16", // RFC 1918 private
	"224.0.0.0/4",    // multicast
	"240.0.0.0/4",    // reserved, with the limited broadcast 255.255.255.255
	"::/96",          // the unspecified address, ::1 aside, and deprecated IPv4-compatible addresses
	"::1/128",        // loopback
	"fc00::/7",       // unique local (private)
	"fe80::/10",      // link-local
	"fec0::/10",      // deprecated site-local
	"ff00::/8",       // multicast
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// ParseCIDRs parses a comma-separated list of CIDRs or single IPs (the --sink-allowed-cidrs
// flag). Blanks around entries and empty entries are ignored. IPv4-mapped IPv6 prefixes are
// turned into IPv4 ones, as addresses are unmapped before they are checked.
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		var p netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			p, err = netip.ParsePrefix(s)
		} else {
			var a netip.Addr
			a, err = netip.ParseAddr(s)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if err != nil || p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%q is not a CIDR (such as 10.96.12.34/32 or fd00::/64) nor an IP address", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// addressPolicy decides which addresses a Sender may connect to.
type addressPolicy struct {
	allowed []netip.Prefix
	// beforeConnect, when set (tests only), sees every address that passed the check, just
	// before the connect; an error it returns aborts the connection.
	beforeConnect func(netip.AddrPort) error
}

// nat64 is the well-known NAT64 prefix (RFC 6052): 64:ff9b::a.b.c.d reaches IPv4 a.b.c.d
// through a NAT64 gateway, so it is judged by that IPv4 address.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// allows reports whether a may be connected to.
func (p addressPolicy) allows(a netip.Addr) bool {
	// Zones are dropped: a Prefix never contains a zoned address, so fe80::1%eth0 would pass.
	a = a.Unmap().WithZone("")
	for _, pre := range p.allowed {
		if pre.Contains(a) {
			return true
		}
	}
	if nat64.Contains(a) {
		b := a.As16()
		return p.allows(netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, pre := range blockedPrefixes {
		if pre.Contains(a) {
			return false
		}
	}
	return true
}

// control is the net.Dialer's ControlContext: it runs after the socket is created and before
// it connects, with the numeric address, once per address tried.
func (p addressPolicy) control(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil { // never expected; refuse rather than guess
		return &addressNotAllowedError{address: address}
	}
	if !p.allows(ap.Addr()) {
		return &addressNotAllowedError{address: ap.String()}
	}
	if p.beforeConnect != nil {
		return p.beforeConnect(ap)
	}
	return nil
}

// addressNotAllowedError names the refused address: for the manager's log only (ErrorClass
// turns it into ClassAddressNotAllowed).
type addressNotAllowedError struct{ address string }

func (e *addressNotAllowedError) Error() string {
	return fmt.Sprintf("address %s is loopback, private, link-local, CGNAT, multicast, reserved or unspecified, and not allowed for this sink "+
		"(--sink-allowed-cidrs applies to the reviewers' sink and to namespaces labelled qualification.channelshop.dev/sink-allowed-cidrs=true)", e.address)
}
