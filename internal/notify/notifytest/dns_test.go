package notifytest

import (
	"context"
	"net/netip"
	"testing"

	. "github.com/onsi/gomega"
)

func TestResolver(t *testing.T) {
	g := NewWithT(t)
	one := netip.MustParseAddr("127.0.0.1")
	r := Resolver(func(name string) []netip.Addr {
		if name == "a.sink.test" || name == "b.sink.test" {
			return []netip.Addr{one}
		}
		return nil
	})
	for _, name := range []string{"a.sink.test", "b.sink.test"} {
		got, err := r.LookupNetIP(context.Background(), "ip", name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got).To(Equal([]netip.Addr{one}), name)
	}
	_, err := r.LookupNetIP(context.Background(), "ip", "nosuch.sink.test")
	g.Expect(err).To(MatchError(ContainSubstring("no such host")))
}
