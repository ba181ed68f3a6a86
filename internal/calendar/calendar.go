// Package calendar answers working-day questions for review deadlines,
// following the mainland-China calendar: weekends off, public holidays off,
// and make-up working days (调休) on some weekends.
package calendar

import (
	"fmt"
	"time"

	// Embedded tzdata so Asia/Shanghai loads in distroless/scratch images.
	_ "time/tzdata"
)

// DefaultTimezone is the IANA zone used when none is configured.
const DefaultTimezone = "Asia/Shanghai"

// shanghai is resolved once; with time/tzdata embedded the fallback is
// unreachable in practice but keeps Default panic-free.
var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation(DefaultTimezone); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}()

// Date is a civil (wall-calendar) date with no time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a strict "YYYY-MM-DD" date and rejects impossible dates
// such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q: not a valid date (want YYYY-MM-DD)", s)
	}
	return DateOf(t, time.UTC), nil
}

// DateOf returns the civil date of t as seen in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Weekday reports the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Start(time.UTC).Weekday() }

// AddDays returns d shifted by n calendar days (normalised, so Feb 28 + 1
// is Mar 1).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// Start returns midnight at the start of d in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is strictly earlier than o.
func (d Date) Before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

func isWeekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Calendar answers working-day questions in one timezone. It is immutable
// after construction and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	holidays map[Date]bool
	workdays map[Date]bool
	// years are the years whose holidays and make-up days the lists give (years.go).
	years yearRange
	// problem says why this is not the configured calendar (Unavailable).
	problem error
}

// New builds a calendar. A nil loc means Asia/Shanghai. holidays are days
// off (weekend entries are harmless); workdays are make-up working days.
// If a date is in both lists the holiday wins; Parse rejects that case.
// Dates must be real dates (as from ParseDate or DateOf); an impossible
// one such as {2026, 2, 30} never matches any day.
func New(loc *time.Location, holidays, workdays []Date) *Calendar {
	if loc == nil {
		loc = shanghai
	}
	c := &Calendar{loc: loc, holidays: map[Date]bool{}, workdays: map[Date]bool{}}
	for _, d := range holidays {
		c.holidays[d] = true
	}
	for _, d := range workdays {
		c.workdays[d] = true
	}
	return c
}

// Default is Asia/Shanghai with weekends off and no holidays.
func Default() *Calendar { return New(shanghai, nil, nil) }

// Location returns the calendar's timezone.
func (c *Calendar) Location() *time.Location { return c.loc }

// FormatDeadline renders a review deadline in the calendar's zone. A deadline is the end of a
// working day, an instant that is also the next day's 00:00; it reads "2026-12-04 24:00 CST" so
// the date shown is the reviewer's last day, not the day after.
func (c *Calendar) FormatDeadline(t time.Time) string { return FormatDeadline(t, c.loc) }

// FormatDeadline is Calendar.FormatDeadline in any zone.
func FormatDeadline(t time.Time, loc *time.Location) string {
	lt := t.In(loc)
	if lt.Hour() == 0 && lt.Minute() == 0 && lt.Second() == 0 && lt.Nanosecond() == 0 {
		return lt.AddDate(0, 0, -1).Format("2006-01-02") + " 24:00 " + lt.Format("MST")
	}
	return lt.Format("2006-01-02 15:04 MST")
}

// IsWorkingDay reports whether the civil date of t, in the calendar's
// location, is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.isWorkingDate(DateOf(t, c.loc))
}

func (c *Calendar) isWorkingDate(d Date) bool {
	if c.holidays[d] {
		return false
	}
	return c.workdays[d] || !isWeekend(d)
}

// Deadline returns the end of a "within days working days" window.
//
// Contract: the reviewer has until the END of the days-th working day that
// comes AFTER the civil date of submitted (in the calendar's location). The
// submission day never counts, even if it is a working day and submitted
// early in the morning. The result is midnight at the start of the next
// calendar day, as a time.Time in the calendar's location.
//
// Example (Asia/Shanghai, no holidays): submitted Fri 2026-11-27 15:00,
// days=5 → Mon 30 Nov … Fri 4 Dec → 2026-12-05T00:00:00+08:00.
//
// days == 0 means the end of the submission day (midnight following it),
// whether or not that day is a working day. Negative days are a caller bug
// and are treated as 0 rather than producing a deadline in the past.
func (c *Calendar) Deadline(submitted time.Time, days int) time.Time {
	d := DateOf(submitted, c.loc)
	for n := 0; n < days; {
		d = d.AddDays(1)
		if c.isWorkingDate(d) {
			n++
		}
	}
	return d.AddDays(1).Start(c.loc)
}

// WorkingDaysLeft returns the working time between now and deadline,
// measured in working days: each working day contributes the fraction of it
// that lies between the two instants (so Wednesday noon before a deadline at
// the end of Friday gives 2.5); weekends and holidays contribute nothing.
//
// The result is positive before the deadline, 0 exactly at it and negative
// after it. Because non-working time does not count, it stays 0 while
// overdue across a weekend or holiday (e.g. the Saturday after a deadline
// that ended Friday); use now.After(deadline) to test "overdue".
func (c *Calendar) WorkingDaysLeft(now, deadline time.Time) float64 {
	from, to, sign := now, deadline, 1.0
	if from.After(to) {
		from, to, sign = to, from, -1.0
	}
	total := 0.0
	last := DateOf(to, c.loc)
	for d := DateOf(from, c.loc); !last.Before(d); d = d.AddDays(1) {
		if !c.isWorkingDate(d) {
			continue
		}
		start, end := d.Start(c.loc), d.AddDays(1).Start(c.loc)
		lo, hi := maxTime(start, from), minTime(end, to)
		if hi.After(lo) {
			// Divide by the real day length so DST days still sum to 1.
			total += float64(hi.Sub(lo)) / float64(end.Sub(start))
		}
	}
	return sign * total
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
