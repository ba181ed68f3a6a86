package calendar

import (
	"errors"
	"testing"
	"time"

	gm "github.com/onsi/gomega"
)

// Weekdays checked with Go: 2025-12-31 Wed, 2026-12-24 Thu, 2026-12-28 Mon, 2026-12-31 Thu,
// 2027-01-01 Fri, 2027-01-04 Mon, 2027-01-05 Tue.

func TestParseYears(t *testing.T) {
	cases := []struct {
		years       string
		want        string
		first, last string // days just inside the coverage
	}{
		{"2026", "2026", "2026-01-01", "2026-12-31"},
		{" 2026 \n", "2026", "2026-01-01", "2026-12-31"},
		{"2026  # 2027 is not published yet", "2026", "2026-01-01", "2026-12-31"},
		{"2026..2027", "2026..2027", "2026-01-01", "2027-12-31"},
		{"2026,2027", "2026..2027", "2026-01-01", "2027-12-31"},
		{"2027, 2026", "2026..2027", "2026-01-01", "2027-12-31"},
		{"2025..2026,2027", "2025..2027", "2025-01-01", "2027-12-31"},
	}
	for _, tc := range cases {
		t.Run(tc.years, func(t *testing.T) {
			g := gm.NewWithT(t)
			cal, err := Parse(map[string]string{KeyYears: tc.years})
			g.Expect(err).NotTo(gm.HaveOccurred())
			g.Expect(cal.Years()).To(gm.Equal(tc.want))
			first, last := mustDate(t, tc.first), mustDate(t, tc.last)
			g.Expect(cal.Covers(first)).To(gm.BeTrue())
			g.Expect(cal.Covers(last)).To(gm.BeTrue())
			g.Expect(cal.Covers(first.AddDays(-1))).To(gm.BeFalse())
			g.Expect(cal.Covers(last.AddDays(1))).To(gm.BeFalse())
			end, ok := cal.LastCoveredDay()
			g.Expect(ok).To(gm.BeTrue())
			g.Expect(end).To(gm.Equal(last))
		})
	}
}

func TestParseYearsErrors(t *testing.T) {
	cases := []struct {
		name string
		data map[string]string
		want string
	}{
		{"empty", map[string]string{KeyYears: ""}, `years: "": not a year`},
		{"comment only", map[string]string{KeyYears: "# 2026"}, `years: "": not a year`},
		{"two digits", map[string]string{KeyYears: "26"}, `years: "26": not a year`},
		{"five digits", map[string]string{KeyYears: "20266"}, `years: "20266": not a year`},
		{"dash range", map[string]string{KeyYears: "2026-2027"}, `years: "2026-2027": not a year (want YYYY, YYYY..YYYY`},
		{"open range", map[string]string{KeyYears: "2026.."}, `years: "": not a year`},
		{"trailing comma", map[string]string{KeyYears: "2026,"}, `years: "": not a year`},
		{"backwards range", map[string]string{KeyYears: "2027..2026"}, `years: "2027..2026": range end is before its start`},
		{"repeated", map[string]string{KeyYears: "2026,2026"}, `years: 2026 is listed twice`},
		{"overlapping", map[string]string{KeyYears: "2025..2026,2026..2027"}, `years: 2026 is listed twice`},
		{"gap", map[string]string{KeyYears: "2026,2028"}, `years: 2027 is missing between 2026 and 2028: the years must be consecutive`},
		{"holiday of an undeclared year", map[string]string{KeyYears: "2026", KeyHolidays: "2026-10-01\n2027-01-01"},
			`holidays line 2: 2027-01-01 is not in years (2026)`},
		{"range crossing into an undeclared year", map[string]string{KeyYears: "2026", KeyHolidays: "2026-12-31..2027-01-02"},
			`holidays line 1: 2027-01-01 is not in years (2026)`},
		{"year typo in a workday", map[string]string{KeyYears: "2026..2027", KeyWorkdays: "2062-01-07"},
			`workdays line 1: 2062-01-07 is not in years (2026..2027)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := gm.NewWithT(t)
			cal, err := Parse(tc.data)
			g.Expect(cal).To(gm.BeNil())
			g.Expect(err).To(gm.MatchError(gm.ContainSubstring(tc.want)))
		})
	}
	// A range is reported once, not once per day.
	_, err := Parse(map[string]string{KeyYears: "2026", KeyHolidays: "2027-01-01..2027-01-03"})
	gm.NewWithT(t).Expect(err.Error()).To(gm.Equal(`holidays line 1: 2027-01-01 is not in years (2026)`))
}

// TestUncovered: a deadline is provisional when its count passes a day of a year the calendar
// does not cover. The case: a shop round (5 working days) submitted Mon 2026-12-28.
func TestUncovered(t *testing.T) {
	holidays2026 := New(shanghai, nil, nil).WithYears(2026, 2026)
	with2027 := New(shanghai, []Date{mustDate(t, "2027-01-01")}, nil).WithYears(2026, 2027)
	cases := []struct {
		name      string
		cal       *Calendar
		submitted string
		days      int
		deadline  string
		uncovered string // "" when every day counted is covered
	}{
		// Tue 29, Wed 30, Thu 31, Fri 1 Jan (counted as a weekday: 2027 is unknown), Mon 4.
		{"issue case, 2026 only", holidays2026, "2026-12-28T10:00:00+08:00", 5, "2027-01-05T00:00:00+08:00", "2027-01-01"},
		// 2027 added with New Year's Day off: one working day later, and no longer provisional.
		{"issue case, 2027 added", with2027, "2026-12-28T10:00:00+08:00", 5, "2027-01-06T00:00:00+08:00", ""},
		// Fri 25 ... Thu 31: the deadline is the instant 2027-01-01 00:00, but its last day is 2026's.
		{"last day is Dec 31", holidays2026, "2026-12-24T10:00:00+08:00", 5, "2027-01-01T00:00:00+08:00", ""},
		{"first counted day is Jan 1", holidays2026, "2026-12-31T10:00:00+08:00", 1, "2027-01-02T00:00:00+08:00", "2027-01-01"},
		// The submission day itself is never counted.
		{"submitted in an uncovered year", holidays2026, "2025-12-31T10:00:00+08:00", 1, "2026-01-02T00:00:00+08:00", ""},
		{"0 days counts nothing", holidays2026, "2027-03-01T10:00:00+08:00", 0, "2027-03-02T00:00:00+08:00", ""},
		{"no years: the first day counted", New(shanghai, nil, nil), "2026-11-27T15:00:00+08:00", 5, "2026-12-05T00:00:00+08:00", "2026-11-28"},
		{"unavailable calendar", Unavailable(errors.New("gone")), "2026-11-27T15:00:00+08:00", 5, "2026-12-05T00:00:00+08:00", "2026-11-28"},
		// 16:30Z is already Tue 29 in Shanghai: the count starts on Wed 30.
		{"submission day in the calendar's zone", holidays2026, "2026-12-28T16:30:00Z", 2, "2027-01-01T00:00:00+08:00", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := gm.NewWithT(t)
			submitted := ts(t, tc.submitted)
			deadline := tc.cal.Deadline(submitted, tc.days)
			g.Expect(deadline.Format(time.RFC3339)).To(gm.Equal(tc.deadline))
			// The operator stores the deadline in UTC; the day it ends on must not change.
			d, ok := tc.cal.Uncovered(submitted, deadline.UTC())
			if tc.uncovered == "" {
				g.Expect(ok).To(gm.BeFalse(), "uncovered %s", d)
				return
			}
			g.Expect(ok).To(gm.BeTrue())
			g.Expect(d.String()).To(gm.Equal(tc.uncovered))
		})
	}
}

func TestCoverageWithoutYears(t *testing.T) {
	g := gm.NewWithT(t)
	for _, cal := range []*Calendar{Default(), New(nil, nil, nil), Unavailable(errors.New("x")), Default().WithYears(2027, 2026)} {
		_, ok := cal.LastCoveredDay()
		g.Expect(ok).To(gm.BeFalse())
		g.Expect(cal.Years()).To(gm.Equal("none"))
		g.Expect(cal.Covers(mustDate(t, "2026-06-01"))).To(gm.BeFalse())
	}
	cal, err := Parse(map[string]string{KeyHolidays: "2026-10-01"})
	g.Expect(err).NotTo(gm.HaveOccurred())
	g.Expect(cal.Years()).To(gm.Equal("none"), "without the key, no year is covered")
	g.Expect(cal.Problem()).NotTo(gm.HaveOccurred())

	gone := errors.New("ConfigMap x/y: not found")
	un := Unavailable(gone)
	g.Expect(un.Problem()).To(gm.Equal(gone))
	g.Expect(un.Location().String()).To(gm.Equal(DefaultTimezone))
	g.Expect(un.IsWorkingDay(ts(t, "2026-10-01T10:00:00+08:00"))).To(gm.BeTrue(), "weekends only")

	// WithYears copies: the calendar it was made from is unchanged.
	base := Default()
	g.Expect(base.WithYears(2026, 2026).Years()).To(gm.Equal("2026"))
	g.Expect(base.Years()).To(gm.Equal("none"))
}
