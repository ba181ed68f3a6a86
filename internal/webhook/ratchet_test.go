package webhook

import (
	"testing"

	. "github.com/onsi/gomega"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// After a policy change, an update is refused only for what it breaks anew (ratcheting), so a
// merchant can fix one problem at a time; a finding is the same when rule and field are.
func TestRatchet(t *testing.T) {
	d24 := qualv1.Finding{Rule: "D24", Field: "spec.merchant.shopType", Message: "old words"}
	d11 := qualv1.Finding{Rule: "D11", Field: "spec.materials[6].platform", Message: "JD"}
	d11Elsewhere := qualv1.Finding{Rule: "D11", Field: "spec.materials[7].platform", Message: "JD"}
	for _, c := range []struct {
		name     string
		now, old []qualv1.Finding
		want     []qualv1.Finding
	}{
		{"nothing before: everything counts", []qualv1.Finding{d24, d11}, nil, []qualv1.Finding{d24, d11}},
		{"a problem it already had does not block", []qualv1.Finding{d24}, []qualv1.Finding{d24}, nil},
		{"another message, same rule and field: the same problem", []qualv1.Finding{{Rule: "D24", Field: d24.Field, Message: "new words"}}, []qualv1.Finding{d24}, nil},
		{"a new problem blocks", []qualv1.Finding{d24, d11}, []qualv1.Finding{d24}, []qualv1.Finding{d11}},
		{"the same rule on another field is new", []qualv1.Finding{d11Elsewhere}, []qualv1.Finding{d11}, []qualv1.Finding{d11Elsewhere}},
		{"fixing things is always allowed", nil, []qualv1.Finding{d24, d11}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(ratchet(c.now, c.old)).To(Equal(c.want))
		})
	}
}
