package materials

import (
	"net/netip"
	"testing"

	. "github.com/onsi/gomega"
)

func TestAddressPolicyForAReviewersMachine(t *testing.T) {
	g := NewWithT(t)
	strict := addressPolicy{}
	lax := addressPolicy{allowPrivate: true, allowLoopback: true}
	for _, a := range []string{
		"169.254.169.254", "100.100.100.200", "fd00:ec2::254", "fe80::1", "0.0.0.0", "::",
		"224.0.0.1", "ff02::1", "255.255.255.255", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
	} {
		g.Expect(strict.refusal(netip.MustParseAddr(a))).To(ContainSubstring("always refused"), a)
		g.Expect(lax.refusal(netip.MustParseAddr(a))).To(ContainSubstring("always refused"), "%s even with both flags", a)
	}
	for _, a := range []string{"10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd12::1", "::ffff:10.0.0.1", "64:ff9b::a00:1"} {
		g.Expect(strict.refusal(netip.MustParseAddr(a))).To(ContainSubstring("without --allow-private"), a)
		g.Expect(addressPolicy{allowPrivate: true}.refusal(netip.MustParseAddr(a))).To(BeEmpty(), a)
	}
	for _, a := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"} {
		g.Expect(strict.refusal(netip.MustParseAddr(a))).To(ContainSubstring("loopback"), a)
		g.Expect(addressPolicy{allowPrivate: true}.refusal(netip.MustParseAddr(a))).To(ContainSubstring("loopback"), "--allow-private does not open loopback: %s", a)
		g.Expect(addressPolicy{allowLoopback: true}.refusal(netip.MustParseAddr(a))).To(BeEmpty(), a)
	}
	for _, a := range []string{"203.0.113.7", "2001:db8::1", "64:ff9b::cb00:7107"} {
		g.Expect(strict.refusal(netip.MustParseAddr(a))).To(BeEmpty(), a)
	}
	g.Expect(strict.control(t.Context(), "tcp", "169.254.169.254:443", nil)).To(MatchError(ContainSubstring("address 169.254.169.254 is a link-local")))
	g.Expect(strict.control(t.Context(), "tcp", "[2001:db8::1]:443", nil)).To(Succeed())
}
