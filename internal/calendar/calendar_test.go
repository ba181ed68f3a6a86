package calendar

import (
	"os"
	"testing"
	"time"

	// Not dot-imported: gomega.Default would clash with calendar.Default.
	gm "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"
)

// Weekdays used below were checked with Go (time.Weekday), not memory:
// 2026-11-27 Fri, 2026-02-14 Sat, 2026-02-23 Mon, 2026-02-28 Sat,
// 2026-12-30 Wed, 2027-01-01 Fri, 2027-09-30 Thu, 2027-10-09 Sat.

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dateRange(t *testing.T, from, to string) []Date {
	t.Helper()
	var ds []Date
	for d, end := mustDate(t, from), mustDate(t, to); !end.Before(d); d = d.AddDays(1) {
		ds = append(ds, d)
	}
	return ds
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// springFestival2026 is the official 2026 Spring Festival block:
// off Sun 15 – Mon 23 Feb, make-up working Saturdays 14 and 28 Feb.
func springFestival2026(t *testing.T) *Calendar {
	return New(shanghai, dateRange(t, "2026-02-15", "2026-02-23"),
		[]Date{mustDate(t, "2026-02-14"), mustDate(t, "2026-02-28")})
}

// constructed2027 is made up for testing (2027 is not published yet):
// New Year's Day Fri 1 Jan, a Fri 1 – Thu 7 Oct block, make-up Sat 9 Oct.
func constructed2027(t *testing.T) *Calendar {
	hol := append([]Date{mustDate(t, "2027-01-01")}, dateRange(t, "2027-10-01", "2027-10-07")...)
	return New(shanghai, hol, []Date{mustDate(t, "2027-10-09")})
}

type deadlineCase struct {
	name      string
	submitted string
	days      int
	want      string // RFC3339, so the offset (= location) is checked too
}

func runDeadlines(t *testing.T, cal *Calendar, cases []deadlineCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := gm.NewWithT(t)
			got := cal.Deadline(ts(t, tc.submitted), tc.days)
			g.Expect(got.Format(time.RFC3339)).To(gm.Equal(tc.want))
			g.Expect(got.Location()).To(gm.Equal(cal.Location()))
		})
	}
}

func TestDeadlineWeekendsOnly(t *testing.T) {
	runDeadlines(t, Default(), []deadlineCase{
		{"brief example Fri afternoon 5d", "2026-11-27T15:00:00+08:00", 5, "2026-12-05T00:00:00+08:00"},
		{"Fri afternoon 7d", "2026-11-27T15:00:00+08:00", 7, "2026-12-09T00:00:00+08:00"},
		{"Fri evening 23:59:59", "2026-11-27T23:59:59+08:00", 5, "2026-12-05T00:00:00+08:00"},
		{"Sat submission", "2026-11-28T10:00:00+08:00", 5, "2026-12-05T00:00:00+08:00"},
		{"Sun late submission 7d", "2026-11-29T23:00:00+08:00", 7, "2026-12-09T00:00:00+08:00"},
		{"Mon 00:00 submission day itself not counted", "2026-11-30T00:00:00+08:00", 5, "2026-12-08T00:00:00+08:00"},
		{"Mon 00:00 7d", "2026-11-30T00:00:00+08:00", 7, "2026-12-10T00:00:00+08:00"},
		{"crosses year end", "2026-12-30T10:00:00+08:00", 5, "2027-01-07T00:00:00+08:00"},
		{"0 days is end of submission day", "2026-11-27T15:00:00+08:00", 0, "2026-11-28T00:00:00+08:00"},
		{"0 days on a Saturday", "2026-11-28T10:00:00+08:00", 0, "2026-11-29T00:00:00+08:00"},
		{"negative days treated as 0", "2026-11-27T15:00:00+08:00", -3, "2026-11-28T00:00:00+08:00"},
		{"1 day from Fri is end of Mon", "2026-11-27T09:00:00+08:00", 1, "2026-12-01T00:00:00+08:00"},
	})
}

func TestDeadlineSpringFestival2026(t *testing.T) {
	runDeadlines(t, springFestival2026(t), []deadlineCase{
		// Fri 13, make-up Sat 14, then Tue 24 – Thu 26.
		{"Thu before block 5d", "2026-02-12T10:00:00+08:00", 5, "2026-02-27T00:00:00+08:00"},
		// ... Fri 27 and make-up Sat 28.
		{"Thu before block 7d", "2026-02-12T10:00:00+08:00", 7, "2026-03-01T00:00:00+08:00"},
		// Make-up Sat 14 counts, then Tue 24 – Fri 27.
		{"Fri evening before block 5d", "2026-02-13T18:00:00+08:00", 5, "2026-02-28T00:00:00+08:00"},
		// ... make-up Sat 28, Sun 1 Mar off, Mon 2 Mar.
		{"Fri evening before block 7d", "2026-02-13T18:00:00+08:00", 7, "2026-03-03T00:00:00+08:00"},
		// Submitted on the make-up Saturday: that day itself never counts.
		{"on make-up Saturday 5d", "2026-02-14T09:00:00+08:00", 5, "2026-03-01T00:00:00+08:00"},
		{"on make-up Saturday 7d", "2026-02-14T09:00:00+08:00", 7, "2026-03-04T00:00:00+08:00"},
		{"during the holiday", "2026-02-18T11:00:00+08:00", 5, "2026-03-01T00:00:00+08:00"},
		{"0 days during the holiday", "2026-02-18T11:00:00+08:00", 0, "2026-02-19T00:00:00+08:00"},
	})
}

func TestDeadlineConstructed2027(t *testing.T) {
	runDeadlines(t, constructed2027(t), []deadlineCase{
		// Thu 31 Dec, Fri 1 Jan off, Mon 4 – Thu 7.
		{"New Year holiday across year end", "2026-12-30T10:00:00+08:00", 5, "2027-01-08T00:00:00+08:00"},
		// Fri 8, make-up Sat 9, Mon 11 – Wed 13.
		{"before October block 5d", "2027-09-30T16:00:00+08:00", 5, "2027-10-14T00:00:00+08:00"},
		{"before October block 7d", "2027-09-30T16:00:00+08:00", 7, "2027-10-16T00:00:00+08:00"},
		{"first day back 5d", "2027-10-08T10:00:00+08:00", 5, "2027-10-15T00:00:00+08:00"},
	})
}

func TestDeadlineTimezone(t *testing.T) {
	g := gm.NewWithT(t)
	// 16:30Z Thursday is already Friday 00:30 in Shanghai: Fri is the
	// submission day, so Mon 30 Nov – Fri 4 Dec.
	sub := ts(t, "2026-11-26T16:30:00Z")
	g.Expect(Default().Deadline(sub, 5).Format(time.RFC3339)).To(gm.Equal("2026-12-05T00:00:00+08:00"))
	// The same instant on a UTC calendar is Thursday: Fri 27 – Thu 3 Dec.
	g.Expect(New(time.UTC, nil, nil).Deadline(sub, 5).Format(time.RFC3339)).To(gm.Equal("2026-12-04T00:00:00Z"))

	la, err := time.LoadLocation("America/Los_Angeles")
	g.Expect(err).NotTo(gm.HaveOccurred())
	// Thu 08:30 in LA = Fri 00:30 Shanghai; the input zone must not matter.
	got := Default().Deadline(sub.In(la), 5)
	g.Expect(got.Format(time.RFC3339)).To(gm.Equal("2026-12-05T00:00:00+08:00"))
	g.Expect(got.Location().String()).To(gm.Equal("Asia/Shanghai"))
}

func TestIsWorkingDay(t *testing.T) {
	spring := springFestival2026(t)
	cases := []struct {
		name string
		cal  *Calendar
		at   string
		want bool
	}{
		{"make-up Saturday", spring, "2026-02-14T10:00:00+08:00", true},
		{"make-up Saturday at its first instant, given in UTC", spring, "2026-02-13T16:00:00Z", true},
		{"weekday holiday (Mon)", spring, "2026-02-16T10:00:00+08:00", false},
		{"last holiday day (Mon)", spring, "2026-02-23T23:59:59+08:00", false},
		{"first day back (Tue)", spring, "2026-02-24T00:00:00+08:00", true},
		{"weekend inside the block", spring, "2026-02-21T10:00:00+08:00", false},
		{"second make-up Saturday", spring, "2026-02-28T10:00:00+08:00", true},
		{"ordinary Sunday", spring, "2026-03-01T10:00:00+08:00", false},
		{"ordinary Friday", spring, "2026-03-06T10:00:00+08:00", true},
		{"Fri 23:59:59 Shanghai", Default(), "2026-11-27T15:59:59Z", true},
		{"Fri 16:30Z is Sat 00:30 Shanghai", Default(), "2026-11-27T16:30:00Z", false},
		{"same instant on a UTC calendar is Friday", New(time.UTC, nil, nil), "2026-11-27T16:30:00Z", true},
		{"2027 constructed holiday (Fri)", constructed2027(t), "2027-01-01T10:00:00+08:00", false},
		{"2027 constructed make-up Saturday", constructed2027(t), "2027-10-09T10:00:00+08:00", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gm.NewWithT(t).Expect(tc.cal.IsWorkingDay(ts(t, tc.at))).To(gm.Equal(tc.want))
		})
	}
}

func TestWorkingDaysLeft(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Sun 2026-03-29 has 23 hours in Berlin (DST starts); made a workday here.
	dst := New(berlin, nil, []Date{mustDate(t, "2026-03-29")})

	const plain = "2026-12-05T00:00:00+08:00"  // 5 days from Fri 27 Nov
	const spring = "2026-02-28T00:00:00+08:00" // 5 days from Fri 13 Feb
	cases := []struct {
		name          string
		cal           *Calendar
		now, deadline string
		want          float64
	}{
		{"at submission: rest of Fri + 5", Default(), "2026-11-27T15:00:00+08:00", plain, 5.375},
		{"weekend before first working day", Default(), "2026-11-28T10:00:00+08:00", plain, 5},
		{"Wed noon", Default(), "2026-12-02T12:00:00+08:00", plain, 2.5},
		{"Wed noon given in UTC", Default(), "2026-12-02T04:00:00Z", plain, 2.5},
		{"Fri evening, last hours", Default(), "2026-12-04T18:00:00+08:00", plain, 0.25},
		{"exactly at deadline", Default(), plain, plain, 0},
		{"overdue over the weekend stays 0", Default(), "2026-12-05T12:00:00+08:00", plain, 0},
		{"overdue Mon 06:00", Default(), "2026-12-07T06:00:00+08:00", plain, -0.25},
		{"overdue Tue noon", Default(), "2026-12-08T12:00:00+08:00", plain, -1.5},
		{"holiday: Fri evening + make-up Sat + Tue-Fri", springFestival2026(t), "2026-02-13T18:00:00+08:00", spring, 5.25},
		{"holiday: during the block", springFestival2026(t), "2026-02-18T10:00:00+08:00", spring, 4},
		{"holiday: overdue on make-up Saturday counts", springFestival2026(t), "2026-02-28T12:00:00+08:00", spring, -0.5},
		{"23-hour DST workday is one whole day", dst, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.WorkingDaysLeft(ts(t, tc.now), ts(t, tc.deadline))
			gm.NewWithT(t).Expect(got).To(gm.BeNumerically("~", tc.want, 1e-9))
		})
	}
}

func TestDefault(t *testing.T) {
	g := gm.NewWithT(t)
	cal := Default()
	g.Expect(cal.Location().String()).To(gm.Equal("Asia/Shanghai"))
	// Weekends only: the 2026 Spring Festival Monday works, its make-up
	// Saturday does not.
	g.Expect(cal.IsWorkingDay(ts(t, "2026-02-16T10:00:00+08:00"))).To(gm.BeTrue())
	g.Expect(cal.IsWorkingDay(ts(t, "2026-02-14T10:00:00+08:00"))).To(gm.BeFalse())
	g.Expect(cal.IsWorkingDay(ts(t, "2026-02-15T10:00:00+08:00"))).To(gm.BeFalse())
}

func TestNew(t *testing.T) {
	g := gm.NewWithT(t)
	d := mustDate(t, "2026-02-16")
	cal := New(nil, []Date{d}, []Date{d})
	g.Expect(cal.Location().String()).To(gm.Equal("Asia/Shanghai"))
	g.Expect(cal.IsWorkingDay(ts(t, "2026-02-16T10:00:00+08:00"))).To(gm.BeFalse(), "holiday wins over workday")
}

func TestParseDate(t *testing.T) {
	g := gm.NewWithT(t)
	d, err := ParseDate("2026-02-28")
	g.Expect(err).NotTo(gm.HaveOccurred())
	g.Expect(d).To(gm.Equal(Date{2026, time.February, 28}))
	g.Expect(d.AddDays(1).String()).To(gm.Equal("2026-03-01"))
	g.Expect(d.Weekday()).To(gm.Equal(time.Saturday))
	for _, bad := range []string{"2026-02-29", "2026-2-28", "26-02-28", "2026-02-28T00:00", " 2026-02-28", ""} {
		_, err := ParseDate(bad)
		g.Expect(err).To(gm.MatchError(gm.ContainSubstring("not a valid date")), bad)
	}
}

func TestParse(t *testing.T) {
	g := gm.NewWithT(t)
	cal, err := Parse(map[string]string{
		"timezone": " Asia/Shanghai\n",
		"holidays": "# Spring Festival\n\n2026-02-15..2026-02-23  # block\n2026-01-01\n2026-01-01\n2026-10-01 .. 2026-10-01\n",
		"workdays": "2026-02-14\r\n  2026-02-28 # trailing comment\n2026-01-03..2026-01-04\n",
	})
	g.Expect(err).NotTo(gm.HaveOccurred())
	g.Expect(cal.Location().String()).To(gm.Equal("Asia/Shanghai"))
	for at, want := range map[string]bool{
		"2026-01-01T10:00:00+08:00": false, // single date (listed twice)
		"2026-02-15T10:00:00+08:00": false, // range start
		"2026-02-23T10:00:00+08:00": false, // range end, inclusive
		"2026-02-24T10:00:00+08:00": true,
		"2026-02-14T10:00:00+08:00": true, // CRLF line
		"2026-02-28T10:00:00+08:00": true, // trailing comment
		"2026-01-03T10:00:00+08:00": true, // workday range Sat..Sun
		"2026-01-04T10:00:00+08:00": true,
		"2026-10-01T10:00:00+08:00": false, // one-day range with spaces
	} {
		g.Expect(cal.IsWorkingDay(ts(t, at))).To(gm.Equal(want), at)
	}
	g.Expect(cal.Deadline(ts(t, "2026-02-13T18:00:00+08:00"), 5).Format(time.RFC3339)).To(gm.Equal("2026-02-28T00:00:00+08:00"))

	berlin, err := Parse(map[string]string{"timezone": "Europe/Berlin"})
	g.Expect(err).NotTo(gm.HaveOccurred())
	g.Expect(berlin.Location().String()).To(gm.Equal("Europe/Berlin"))

	// A 31-day range is the longest accepted.
	month, err := Parse(map[string]string{"holidays": "2026-01-01..2026-01-31"})
	g.Expect(err).NotTo(gm.HaveOccurred())
	g.Expect(month.IsWorkingDay(ts(t, "2026-01-30T10:00:00+08:00"))).To(gm.BeFalse())

	for _, data := range []map[string]string{nil, {}, {"timezone": "", "holidays": "\n# none\n"}} {
		cal, err := Parse(data)
		g.Expect(err).NotTo(gm.HaveOccurred())
		g.Expect(cal.Location().String()).To(gm.Equal("Asia/Shanghai"))
		g.Expect(cal.IsWorkingDay(ts(t, "2026-02-16T10:00:00+08:00"))).To(gm.BeTrue())
		g.Expect(cal.IsWorkingDay(ts(t, "2026-02-14T10:00:00+08:00"))).To(gm.BeFalse())
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		data map[string]string
		want []string
	}{
		{"impossible date", map[string]string{"holidays": "2026-01-01\n\n2026-02-30"},
			[]string{`holidays line 3: "2026-02-30": not a valid date`}},
		{"garbage", map[string]string{"workdays": "next saturday"},
			[]string{`workdays line 1: "next saturday": not a valid date`}},
		{"wrong separator", map[string]string{"holidays": "# c\n2026/02/16 # x"},
			[]string{`holidays line 2: "2026/02/16": not a valid date`}},
		{"two dates on a line", map[string]string{"holidays": "2026-02-16 2026-02-17"},
			[]string{`holidays line 1: "2026-02-16 2026-02-17": not a valid date`}},
		{"range end before start", map[string]string{"holidays": "2026-02-23..2026-02-15"},
			[]string{`holidays line 1: "2026-02-23..2026-02-15": range end is before its start`}},
		{"range with bad end", map[string]string{"holidays": "2026-02-15..2026-02-31"},
			[]string{`holidays line 1: "2026-02-31": not a valid date`}},
		{"range with missing end", map[string]string{"holidays": "\n2026-02-15.."},
			[]string{`holidays line 2: "": not a valid date`}},
		{"range over 31 days (year typo)", map[string]string{"holidays": "2026-02-15..2027-02-23"},
			[]string{`holidays line 1: "2026-02-15..2027-02-23": range is longer than 31 days`}},
		{"32-day range", map[string]string{"holidays": "2026-01-01..2026-02-01"},
			[]string{`holidays line 1: "2026-01-01..2026-02-01": range is longer than 31 days`}},
		{"workday on a weekday", map[string]string{"workdays": "2026-02-14\n2026-02-16"},
			[]string{`workdays line 2: "2026-02-16": is a Monday, not a weekend day`}},
		{"date in both lists", map[string]string{"holidays": "2026-02-14..2026-02-16", "workdays": "# x\n2026-02-14"},
			[]string{`2026-02-14 is in both holidays (line 1) and workdays (line 2)`}},
		{"unknown timezone", map[string]string{"timezone": "Mars/Olympus"},
			[]string{`timezone: unknown time zone "Mars/Olympus"`}},
		{"Local timezone", map[string]string{"timezone": "Local"},
			[]string{`timezone: "Local" is not allowed`}},
		{"unknown key", map[string]string{"holiday": "2026-02-16"},
			[]string{`unknown key "holiday"`}},
		{"all errors reported", map[string]string{"timezone": "Nope/Nope", "holidays": "2026-01-01\nx", "workdays": "y"},
			[]string{`timezone: unknown time zone "Nope/Nope"`, `holidays line 2: "x"`, `workdays line 1: "y"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := gm.NewWithT(t)
			cal, err := Parse(tc.data)
			g.Expect(cal).To(gm.BeNil())
			g.Expect(err).To(gm.HaveOccurred())
			for _, w := range tc.want {
				g.Expect(err.Error()).To(gm.ContainSubstring(w))
			}
		})
	}
}

// TestShippedConfigMap guards config/calendar/calendar.yaml against typos.
func TestShippedConfigMap(t *testing.T) {
	g := gm.NewWithT(t)
	raw, err := os.ReadFile("../../config/calendar/calendar.yaml")
	g.Expect(err).NotTo(gm.HaveOccurred())
	var cm struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
		Data     map[string]string
	}
	g.Expect(yaml.Unmarshal(raw, &cm)).To(gm.Succeed())
	g.Expect(cm.Kind).To(gm.Equal("ConfigMap"))
	g.Expect(cm.Metadata.Name).To(gm.Equal("category-operator-calendar"))
	g.Expect(cm.Metadata.Namespace).To(gm.BeEmpty(), "kustomize sets the namespace")

	cal, err := Parse(cm.Data)
	g.Expect(err).NotTo(gm.HaveOccurred())
	g.Expect(cal.Location().String()).To(gm.Equal("Asia/Shanghai"))
	// 2027's holidays are not published in this file: it says so, and deadlines past 2026 are
	// provisional (D5).
	g.Expect(cal.Years()).To(gm.Equal("2026"))
	end, ok := cal.LastCoveredDay()
	g.Expect(ok).To(gm.BeTrue())
	g.Expect(end.String()).To(gm.Equal("2026-12-31"))

	// Weekday holidays and make-up days from the State Council notice.
	off := []string{"2026-01-01", "2026-01-02", "2026-02-16", "2026-02-20", "2026-02-23",
		"2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05", "2026-06-19",
		"2026-09-25", "2026-10-01", "2026-10-05", "2026-10-07"}
	on := []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
		"2026-02-24", "2026-10-08"}
	for _, s := range off {
		g.Expect(cal.IsWorkingDay(mustDate(t, s).Start(cal.Location()))).To(gm.BeFalse(), s)
	}
	for _, s := range on {
		g.Expect(cal.IsWorkingDay(mustDate(t, s).Start(cal.Location()))).To(gm.BeTrue(), s)
	}
	// 261 weekdays - 19 weekday holidays + 6 make-up days.
	n := 0
	for _, d := range dateRange(t, "2026-01-01", "2026-12-31") {
		if cal.IsWorkingDay(d.Start(cal.Location())) {
			n++
		}
	}
	g.Expect(n).To(gm.Equal(248))
}

func TestFormatDeadline(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[time.Time]string{
		// The end of Friday 2026-12-04 in Shanghai is 16:00 UTC: the reviewer's last day is the 4th.
		time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC): "2026-12-04 24:00 CST",
		time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai):   "2026-12-31 24:00 CST",
		time.Date(2026, 12, 4, 16, 0, 1, 0, time.UTC): "2026-12-05 00:00 CST",
		time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC): "2026-12-04 17:30 CST",
	} {
		if got := FormatDeadline(in, shanghai); got != want {
			t.Errorf("FormatDeadline(%s) = %q, want %q", in, got, want)
		}
	}
}
