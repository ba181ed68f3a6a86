package calendar

import (
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzParse: any ConfigMap data parses or errors without panicking, and a calendar that
// parses agrees with its text: every listed holiday is a day off, every make-up working day a
// working day, a date that parses prints back as written, and a deadline of n working days
// ends after the submission with exactly n working days between the next day and the deadline.
func FuzzParse(f *testing.F) {
	f.Add("Asia/Shanghai", "2026-02-15..2026-02-23\n2026-10-01..2026-10-07 # National Day\n", "2026-02-14\n2026-02-28\n", "", uint32(1_795_000_000), uint8(5))
	f.Add("", "2027-01-01", "", "", uint32(1_798_000_000), uint8(0))
	f.Add("America/Sao_Paulo", "2018-11-05..2018-11-06", "2018-11-03", "", uint32(1_541_000_000), uint8(3)) // midnight skipped by DST
	f.Add("Local", "2026-02-30", "2026-02-16", "holiday", uint32(0), uint8(1))
	f.Add("UTC", "2026-12-31..2026-01-01\n2026-01-01..2026-03-01", "2026-12-25", "", uint32(4_000_000_000), uint8(29))
	f.Fuzz(func(t *testing.T, tz, holidays, workdays, extraKey string, submittedSec uint32, days uint8) {
		data := map[string]string{KeyTimezone: tz, KeyHolidays: holidays, KeyWorkdays: workdays}
		if extraKey != "" {
			data[extraKey] = "x"
		}
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("a calendar and an error")
			}
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		loc := c.Location()
		noon := func(d Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, loc) }
		for _, d := range listedDates(t, holidays) {
			if c.IsWorkingDay(noon(d)) {
				t.Fatalf("holiday %s is a working day", d)
			}
		}
		for _, d := range listedDates(t, workdays) {
			if !c.IsWorkingDay(noon(d)) {
				t.Fatalf("make-up working day %s is not a working day", d)
			}
		}

		n := int(days % 30)
		submitted := time.Unix(int64(submittedSec), 0)
		deadline := c.Deadline(submitted, n)
		if !deadline.After(submitted) {
			t.Fatalf("Deadline(%s, %d) = %s is not after the submission", submitted, n, deadline)
		}
		next := DateOf(submitted, loc).AddDays(1).Start(loc)
		if got := c.WorkingDaysLeft(next, deadline); math.Abs(got-float64(n)) > 1e-9 {
			t.Fatalf("Deadline(%s, %d) = %s, but %v working days lie between the next day and it", submitted, n, deadline, got)
		}
		if got := c.WorkingDaysLeft(deadline, next); math.Abs(got+float64(n)) > 1e-9 {
			t.Fatalf("WorkingDaysLeft is not antisymmetric: %v", got)
		}
		if n > 0 && !c.IsWorkingDay(deadline.Add(-time.Nanosecond)) {
			t.Fatalf("Deadline(%s, %d) = %s ends a day off", submitted, n, deadline)
		}
	})
}

// listedDates are the dates of text's lines (single dates and both ends of ranges), each
// checked to print back as written.
func listedDates(t *testing.T, text string) []Date {
	var out []Date
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		from, to, isRange := strings.Cut(line, "..")
		for i, s := range []string{from, to} {
			if i == 1 && !isRange {
				break
			}
			s = strings.TrimSpace(s)
			d, err := ParseDate(s)
			if err != nil {
				t.Fatalf("line %q parsed as part of a valid calendar, but %q does not: %v", line, s, err)
			}
			if d.String() != s {
				t.Fatalf("date %q parses as %s", s, d)
			}
			out = append(out, d)
		}
	}
	return out
}
