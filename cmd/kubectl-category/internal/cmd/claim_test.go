package cmd_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

// TestClaimAndRelease: a reviewer claims an application (D30); the queue and describe show it;
// another reviewer's approval and release are refused naming the claimant and the expiry;
// --mine and --unclaimed select; the claimant releases it.
func TestClaimAndRelease(t *testing.T) {
	g := NewWithT(t)
	newApp(t, "claims", "acme-gold")
	newApp(t, "claims", "beta-gold")

	r := run(t, "alice", "claim", "acme-gold", "-n", "claims", "--for", "45m")
	g.Expect(r.err).NotTo(HaveOccurred())
	claim := getApp(t, "claims", "acme-gold").Status.Claim
	g.Expect(claim).NotTo(BeNil())
	g.Expect(claim.Reviewer).To(Equal("alice"))
	until := claim.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")
	g.Expect(r.out).To(Equal(ref + " claimed by alice until " + until + " (generation 1)\n"))

	r = run(t, "bob", "claim", "beta-gold", "-n", "claims")
	g.Expect(r.errOut).To(ContainSubstring(`user "bob" may not decide jewelry applications`), "only who may decide claims")
	r = run(t, "alice", "claim", "beta-gold", "-n", "claims", "--for", "0s")
	g.Expect(r.err).To(MatchError("--for must be positive, e.g. 30m"))

	r = run(t, "carol", approveArgs(t, "claims", "acme-gold")...)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(ContainSubstring(`acme-gold is claimed by "alice" until ` + until + `: only they may approve or reject it`))
	r = run(t, "carol", "reject", "acme-gold", "-n", "claims", "--reason", "FilingLetterUnsealed", "--message", "m")
	g.Expect(r.errOut).To(ContainSubstring(`acme-gold is claimed by "alice" until ` + until))
	r = run(t, "carol", "release", "acme-gold", "-n", "claims")
	g.Expect(r.errOut).To(ContainSubstring(`acme-gold is claimed by "alice" until ` + until + `: only they may renew or release the claim`))

	rows := func(user string, args ...string) []string {
		r := run(t, user, append([]string{"queue", "-n", "claims"}, args...)...)
		g.Expect(r.err).NotTo(HaveOccurred())
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		if r.out == "" {
			return nil
		}
		return lines[1:]
	}
	all := rows("alice")
	g.Expect(all).To(HaveLen(2))
	g.Expect(strings.Join(all, "\n")).To(MatchRegexp(`(?m)^acme-gold .* alice until \d{4}-\d\d-\d\d \d\d:\d\d CST$`))
	g.Expect(strings.Join(all, "\n")).To(MatchRegexp(`(?m)^beta-gold .* <none>$`))
	g.Expect(rows("alice", "--mine")).To(ConsistOf(HavePrefix("acme-gold ")))
	g.Expect(rows("alice", "--unclaimed")).To(ConsistOf(HavePrefix("beta-gold ")))
	g.Expect(rows("carol", "--mine")).To(BeEmpty())
	r = run(t, "carol", "queue", "-n", "claims", "--mine")
	g.Expect(r.errOut).To(Equal("No applications under review claimed by you in namespace claims.\n"))
	r = run(t, "alice", "queue", "-n", "claims", "--mine", "--unclaimed")
	g.Expect(r.err).To(MatchError("--mine and --unclaimed cannot be combined"))

	r = run(t, "carol", "describe", "acme-gold", "-n", "claims")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(MatchRegexp(`(?m)^Claimed by: +alice until \d{4}-\d\d-\d\d \d\d:\d\d CST \(generation 1; until then only they may approve or reject\)$`))

	r = run(t, "alice", "release", "acme-gold", "-n", "claims")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(ref + " released\n"))
	g.Expect(getApp(t, "claims", "acme-gold").Status.Claim).To(BeNil())
	g.Expect(rows("alice", "--unclaimed")).To(HaveLen(2))
	r = run(t, "carol", "describe", "acme-gold", "-n", "claims")
	g.Expect(r.out).NotTo(ContainSubstring("Claimed by"))
	r = run(t, "carol", approveArgs(t, "claims", "acme-gold")...)
	g.Expect(r.err).NotTo(HaveOccurred(), "released: another reviewer decides")
}
