package requirements

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestExpiringWithinThePolicysWindow(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data")
	}
	now := time.Date(2026, 12, 8, 23, 30, 0, 0, loc) // late on the 8th in Shanghai
	app := func(dates ...string) *v1alpha1.CategoryApplication {
		a := &v1alpha1.CategoryApplication{}
		for _, d := range dates {
			m := v1alpha1.Material{Type: v1alpha1.MaterialBusinessLicense}
			if d != "" {
				v := v1alpha1.Date(d)
				m.ValidUntil = &v
			}
			a.Spec.Materials = append(a.Spec.Materials, m)
		}
		return a
	}
	days := func(n int32) *v1alpha1.CategoryPolicy {
		return &v1alpha1.CategoryPolicy{Spec: v1alpha1.CategoryPolicySpec{ExpiryWarningDays: &n}}
	}
	for _, c := range []struct {
		name   string
		app    *v1alpha1.CategoryApplication
		policy *v1alpha1.CategoryPolicy
		want   []ExpiringMaterial
	}{
		{"last day today", app("2026-12-08"), nil, []ExpiringMaterial{{Index: 0, Type: v1alpha1.MaterialBusinessLicense, ValidUntil: "2026-12-08", DaysLeft: 0}}},
		{"default window's last day", app("", "2027-01-07"), nil, []ExpiringMaterial{{Index: 1, Type: v1alpha1.MaterialBusinessLicense, ValidUntil: "2027-01-07", DaysLeft: 30}}},
		{"a day past the default window", app("2027-01-08"), nil, nil},
		{"expired is D20, not a warning", app("2026-12-07"), nil, nil},
		{"the policy's window", app("2026-12-20", "2027-01-01"), days(14), []ExpiringMaterial{{Index: 0, Type: v1alpha1.MaterialBusinessLicense, ValidUntil: "2026-12-20", DaysLeft: 12}}},
		{"0 turns it off", app("2026-12-09"), days(0), nil},
		{"not a date is D20's", app("someday"), nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(Expiring(c.app, c.policy, now, loc)).To(Equal(c.want))
		})
	}
}
