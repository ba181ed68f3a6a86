package console

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/decision"
)

// TestClaims (D30): alice claims an application from its page; carol then sees who holds it
// and until when, and no approve or reject; an approval carol posts anyway is refused by the
// API server, naming alice and the expiry; the queue's filters work as queue --mine and
// --unclaimed; once alice releases it, carol may decide again.
func TestClaims(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "console-claims", true, "")
	alice, carol := startConsole(t, "alice", f), startConsole(t, "carol", f)
	alice.login(t)
	carol.login(t)
	path := "/app/" + f.ns + "/" + f.name
	row := `data-href="` + path + `"`

	_, page := carol.get(t, path)
	carolApprove := form(t, page, "approve-form") // the page carol loaded before alice's claim
	g.Expect(page).To(ContainSubstring("Nobody has claimed it."))

	_, page = alice.get(t, path)
	claim := form(t, page, "claim-form")
	g.Expect(claim.Get("verdict")).To(Equal("claim"))
	claim.Set("for", "45m")
	status, location, _ := alice.post(t, path+"/decide", claim)
	g.Expect(status).To(Equal(http.StatusSeeOther))
	g.Expect(location).To(HavePrefix(path + "?result="))
	c := getApp(t, f.ns, f.name).Status.Claim
	g.Expect(c).NotTo(BeNil())
	g.Expect(c.Reviewer).To(Equal("alice"))
	_, page = alice.get(t, location)
	g.Expect(page).To(ContainSubstring("claimed by alice until"), "the claim command's result")
	g.Expect(page).To(ContainSubstring("You are reviewing this application until"))
	g.Expect(page).To(ContainSubstring(`id="approve-form"`))
	g.Expect(page).To(ContainSubstring(`id="release-form"`))

	_, page = alice.get(t, "/?claimed=mine")
	g.Expect(page).To(ContainSubstring(row))
	g.Expect(page).To(MatchRegexp(`alice until 20\d\d-\d\d-\d\d \d\d:\d\d CST <span class="tag mine">mine</span>`))
	_, page = alice.get(t, "/?claimed=unclaimed")
	g.Expect(page).NotTo(ContainSubstring(row))

	_, page = carol.get(t, "/")
	g.Expect(page).To(ContainSubstring(row))
	g.Expect(page).To(ContainSubstring("alice until"))
	g.Expect(page).NotTo(ContainSubstring(`class="tag mine"`))
	_, page = carol.get(t, "/?claimed=mine")
	g.Expect(page).NotTo(ContainSubstring(row))

	_, page = carol.get(t, path)
	g.Expect(page).To(ContainSubstring("Claimed by <b>alice</b> until"))
	for _, id := range []string{`id="approve-form"`, `id="reject-form"`, `id="claim-form"`, `id="release-form"`} {
		g.Expect(page).NotTo(ContainSubstring(id))
	}
	status, _, body := carol.post(t, path+"/decide", carolApprove)
	g.Expect(status).To(Equal(http.StatusForbidden))
	g.Expect(body).To(ContainSubstring("Not approved: "))
	g.Expect(body).To(ContainSubstring("is claimed by &#34;alice&#34; until " + decision.ClaimExpiry(c)))
	g.Expect(getApp(t, f.ns, f.name).Status.Decision).To(BeNil())

	_, page = alice.get(t, path)
	status, _, _ = alice.post(t, path+"/decide", form(t, page, "release-form"))
	g.Expect(status).To(Equal(http.StatusSeeOther))
	g.Expect(getApp(t, f.ns, f.name).Status.Claim).To(BeNil())
	_, page = carol.get(t, path)
	g.Expect(page).To(ContainSubstring(`id="approve-form"`))
	_, page = carol.get(t, "/?claimed=unclaimed")
	g.Expect(page).To(ContainSubstring(row))
}

// TestFourEyes (D31): with two approvals required, alice's approval leaves the round under
// review; her page says "1 of 2 approvals (alice)" and offers reject but not approve again
// (an approval she posts anyway is refused); carol's page offers the second approval, which
// approves the application.
func TestFourEyes(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	setRequired := func(n int) {
		t.Helper()
		policy := &qualv1.CategoryPolicy{}
		policy.Name = "jewelry"
		g.Expect(admin.Patch(ctx, policy, client.RawPatch(types.MergePatchType,
			[]byte(fmt.Sprintf(`{"spec":{"requiredApprovals":%d}}`, n))))).To(Succeed())
	}
	// The count is copied into the round when it starts: the policy goes back at once.
	setRequired(2)
	f := func() *fixture { defer setRequired(1); return newFixture(t, "console-four-eyes", true, "") }()
	g.Expect(getApp(t, f.ns, f.name).Status.Approvals).To(HaveField("Required", BeEquivalentTo(2)))
	alice, carol := startConsole(t, "alice", f), startConsole(t, "carol", f)
	alice.login(t)
	carol.login(t)
	path := "/app/" + f.ns + "/" + f.name

	_, page := alice.get(t, path)
	g.Expect(page).To(ContainSubstring(`<dd id="approvals">0 of 2 approvals</dd>`))
	approve := form(t, page, "approve-form")
	status, _, _ := alice.post(t, path+"/decide", approve)
	g.Expect(status).To(Equal(http.StatusSeeOther))
	g.Eventually(func() qualv1.ApplicationPhase { return getApp(t, f.ns, f.name).Status.Phase }).
		Should(Equal(qualv1.PhaseUnderReview))

	_, page = alice.get(t, path)
	g.Expect(page).To(ContainSubstring(`<dd id="approvals">1 of 2 approvals (alice)</dd>`))
	g.Expect(page).NotTo(ContainSubstring(`id="approve-form"`))
	g.Expect(page).To(ContainSubstring(`id="reject-form"`), "who approved may still reject")
	g.Expect(page).To(ContainSubstring("already approved generation 1"))
	// Not the identical form: the API server takes an identical decision as a no-op.
	approve.Set("message", "approving again")
	status, _, body := alice.post(t, path+"/decide", approve)
	g.Expect(status).To(Equal(http.StatusForbidden))
	g.Expect(body).To(ContainSubstring("already approved generation 1"))

	_, page = carol.get(t, "/")
	g.Expect(page).To(ContainSubstring(`<td class="approvals">1 of 2 approvals (alice)</td>`))
	_, page = carol.get(t, path)
	g.Expect(page).To(ContainSubstring(`<dd id="approvals">1 of 2 approvals (alice)</dd>`))
	status, _, _ = carol.post(t, path+"/decide", form(t, page, "approve-form"))
	g.Expect(status).To(Equal(http.StatusSeeOther))
	g.Eventually(func() qualv1.ApplicationPhase { return getApp(t, f.ns, f.name).Status.Phase }).
		Should(Equal(qualv1.PhaseApproved))
	_, page = carol.get(t, path)
	g.Expect(page).To(ContainSubstring(`<dd id="approvals">2 of 2 approvals (alice, carol)</dd>`))
}
