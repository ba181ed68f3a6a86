package requirements

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func TestValidityRules(t *testing.T) {
	runGold(t, []ruleCase{
		{
			name: "D20 business license expired",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iLicense].ValidUntil = date("2026-06-14")
			},
			want: []want{{"D20", "spec.materials[1].validUntil",
				"the business license expired: its validUntil 2026-06-14 has passed (a document is valid through the end of that day, Asia/Shanghai time); renew the license"}},
		},
		{
			name: "D20 valid through the end of its last day",
			mutate: func(in *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iLicense].ValidUntil = date("2026-06-15")
				in.Now = time.Date(2026, 6, 15, 23, 59, 59, 999_999_999, shanghai)
			},
		},
		{
			name: "D20 expired at midnight after its last day",
			mutate: func(in *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iLicense].ValidUntil = date("2026-06-15")
				in.Now = time.Date(2026, 6, 16, 0, 0, 0, 0, shanghai)
			},
			want: []want{{"D20", "spec.materials[1].validUntil", "2026-06-15 has passed"}},
		},
		{
			name: "D20 the date is read in Location",
			mutate: func(in *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iLicense].ValidUntil = date("2026-06-15")
				in.Now = time.Date(2026, 6, 15, 20, 0, 0, 0, time.UTC) // still the 15th in UTC
				in.Location = time.UTC
			},
		},
		{
			name: "D20 any material",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iTrademark].ValidUntil = date("2025-12-31")
			},
			want: []want{{"D20", "spec.materials[2].validUntil",
				"the TrademarkRegistration material expired: its validUntil 2025-12-31 has passed"}},
		},
		{
			name: "D20 not a date",
			mutate: func(_ *Input, app *v1alpha1.CategoryApplication, _ *v1alpha1.CategoryPolicy) {
				app.Spec.Materials[iLicense].ValidUntil = date("2026-02-30")
			},
			want: []want{{"D20", "spec.materials[1].validUntil", `validUntil "2026-02-30" is not a date: write the last day the document is valid as YYYY-MM-DD`}},
		},
	})
}

func TestNextExpiry(t *testing.T) {
	cst := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, shanghai) }
	cases := []struct {
		name   string
		in     func() Input
		want   time.Time
		wantOK bool
	}{
		{
			name:   "the business license's end",
			in:     func() Input { return inputFor(goldApplication(), jewelryPolicy()) },
			want:   cst(2031, 1, 1),
			wantOK: true,
		},
		{
			name: "the earliest validUntil wins",
			in: func() Input {
				app := goldApplication()
				app.Spec.Materials[iTrademark].ValidUntil = date("2028-03-31")
				return inputFor(app, jewelryPolicy())
			},
			want:   cst(2028, 4, 1),
			wantOK: true,
		},
		{
			name: "an already expired document does not count",
			in: func() Input {
				app := goldApplication()
				app.Spec.Materials[iTrademark].ValidUntil = date("2025-03-31")
				return inputFor(app, jewelryPolicy())
			},
			want:   cst(2031, 1, 1),
			wantOK: true,
		},
		{
			name: "nothing expires",
			in: func() Input {
				app := goldApplication()
				app.Spec.Materials[iLicense].ValidUntil = nil
				return inputFor(app, jewelryPolicy())
			},
		},
		{
			name: "everything expired",
			in: func() Input {
				in := inputFor(goldApplication(), jewelryPolicy())
				in.Now = cst(2031, 1, 1)
				return in
			},
		},
		{
			name:   "a brand authorization drops to minAuthorizationValidity (D25)",
			in:     func() Input { return inputFor(baijiuApplication(), alcoholPolicy()) },
			want:   cst(2027, 2, 1).Add(-720 * time.Hour), // 2027-01-02 00:00 CST
			wantOK: true,
		},
		{
			name: "after that, the authorization's own end (D25 becomes D20)",
			in: func() Input {
				in := inputFor(baijiuApplication(), alcoholPolicy())
				in.Now = cst(2027, 1, 10)
				return in
			},
			want:   cst(2027, 2, 1),
			wantOK: true,
		},
		{
			name: "a trademark owner's brand has no validity minimum",
			in: func() Input {
				app := baijiuApplication()
				app.Spec.Materials[bBrand].AuthorizationLevel = ptr(int32(0))
				return inputFor(app, alcoholPolicy())
			},
			want:   cst(2027, 2, 1),
			wantOK: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			got, ok := NextExpiry(tc.in())
			g.Expect(ok).To(Equal(tc.wantOK))
			if tc.wantOK {
				g.Expect(got).To(BeTemporally("==", tc.want))
			}
		})
	}
}

// TestNextExpiryIsWhenEvaluateChanges checks NextExpiry's contract: the result is the same
// just before the instant and different at it.
func TestNextExpiryIsWhenEvaluateChanges(t *testing.T) {
	for name, in := range map[string]Input{
		"jewelry/gold":   inputFor(goldApplication(), jewelryPolicy()),
		"alcohol/baijiu": inputFor(baijiuApplication(), alcoholPolicy()),
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			next, ok := NextExpiry(in)
			g.Expect(ok).To(BeTrue())
			before, at := in, in
			before.Now = next.Add(-time.Nanosecond)
			at.Now = next
			g.Expect(Evaluate(before)).To(Equal(Evaluate(in)))
			g.Expect(Evaluate(at)).NotTo(Equal(Evaluate(before)))
		})
	}
}

func TestEarliestValidUntil(t *testing.T) {
	g := NewWithT(t)
	app := goldApplication()
	g.Expect(EarliestValidUntil(app)).To(Equal(date("2030-12-31")))

	app.Spec.Materials[iTrademark].ValidUntil = date("2028-03-31")
	app.Spec.Materials[iDouyin].ValidUntil = date("2029-01-01")
	app.Spec.Materials[iStore].ValidUntil = date("2027-02-30") // not a date: ignored
	g.Expect(EarliestValidUntil(app)).To(Equal(date("2028-03-31")))

	app.Spec.Materials[iDouyin].ValidUntil = date("2028-3-1") // not strict YYYY-MM-DD: ignored
	g.Expect(EarliestValidUntil(app)).To(Equal(date("2028-03-31")))

	for i := range app.Spec.Materials {
		app.Spec.Materials[i].ValidUntil = nil
	}
	g.Expect(EarliestValidUntil(app)).To(BeNil())
	g.Expect(EarliestValidUntil(nil)).To(BeNil())
}

func TestEarliestValidUntilDoesNotAlias(t *testing.T) {
	g := NewWithT(t)
	app := goldApplication()
	d := EarliestValidUntil(app)
	*d = "1999-01-01"
	g.Expect(app.Spec.Materials[iLicense].ValidUntil).To(Equal(date("2030-12-31")))
	g.Expect(EarliestValidUntil(app)).To(Equal(ptr(v1alpha1.Date("2030-12-31"))))
}
