package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A calendar knows the holidays and make-up working days of the years the State Council has
// published, and nothing of later ones: a deadline counted across a day of another year counts
// that day as an ordinary weekday or weekend, and moves once the year is added. Such a
// deadline is provisional (D5).

// yearRange is the consecutive years a calendar covers; the zero value covers none.
type yearRange struct{ first, last int }

func (r yearRange) covers(year int) bool { return r.first != 0 && r.first <= year && year <= r.last }

func (r yearRange) String() string {
	switch {
	case r.first == 0:
		return "none"
	case r.first == r.last:
		return strconv.Itoa(r.first)
	}
	return fmt.Sprintf("%d..%d", r.first, r.last)
}

// WithYears returns a copy of c that covers the years first through last; first > last (or
// 0) covers none. Parse sets them from the key "years".
func (c *Calendar) WithYears(first, last int) *Calendar {
	cp := *c
	cp.years = yearRange{}
	if first > 0 && first <= last {
		cp.years = yearRange{first, last}
	}
	return &cp
}

// Unavailable is the calendar in force when the configured one cannot be used (its ConfigMap
// is missing or invalid): weekends only in Asia/Shanghai, covering no year, so that every
// deadline can still be computed and every one says it is provisional, and why.
func Unavailable(problem error) *Calendar {
	c := Default()
	c.problem = problem
	return c
}

// Problem says why the configured calendar is not in force; nil when it is.
func (c *Calendar) Problem() error { return c.problem }

// Years returns the years c covers, as written in the key "years" ("2026", "2026..2027"), or
// "none".
func (c *Calendar) Years() string { return c.years.String() }

// Covers reports whether d is in a year whose holidays and make-up days c lists.
func (c *Calendar) Covers(d Date) bool { return c.years.covers(d.Year) }

// LastCoveredDay returns December 31 of the last year c covers; ok is false when it covers
// none.
func (c *Calendar) LastCoveredDay() (d Date, ok bool) {
	if c.years.first == 0 {
		return Date{}, false
	}
	return Date{c.years.last, time.December, 31}, true
}

// Uncovered returns the first day that the count from submitted to deadline (as Deadline
// makes it) passes and that c does not cover; ok is false when c covers them all. The days
// passed are those after the submission day, through the deadline's last day: the submission
// day itself never counts.
func (c *Calendar) Uncovered(submitted, deadline time.Time) (d Date, ok bool) {
	last := DateOf(deadline.Add(-time.Nanosecond), c.loc)
	for d := DateOf(submitted, c.loc).AddDays(1); !last.Before(d); d = d.AddDays(1) {
		if !c.Covers(d) {
			return d, true
		}
	}
	return Date{}, false
}

// parseYears reads the key "years": a year, an inclusive range "2026..2027", or a
// comma-separated list of both, which together must be consecutive years, each named once.
// "#" starts a comment.
func parseYears(text string) (yearRange, error) {
	text, _, _ = strings.Cut(text, "#")
	seen := map[int]bool{}
	var r yearRange
	for item := range strings.SplitSeq(text, ",") {
		item = strings.TrimSpace(item)
		from, to, isRange := strings.Cut(item, "..")
		if !isRange {
			to = from
		}
		first, err := parseYear(strings.TrimSpace(from))
		if err != nil {
			return yearRange{}, err
		}
		last, err := parseYear(strings.TrimSpace(to))
		if err != nil {
			return yearRange{}, err
		}
		if last < first {
			return yearRange{}, fmt.Errorf("%q: range end is before its start", item)
		}
		for y := first; y <= last; y++ {
			if seen[y] {
				return yearRange{}, fmt.Errorf("%d is listed twice", y)
			}
			seen[y] = true
		}
		if r.first == 0 || first < r.first {
			r.first = first
		}
		r.last = max(r.last, last)
	}
	for y := r.first; y <= r.last; y++ {
		if !seen[y] {
			return yearRange{}, fmt.Errorf("%d is missing between %d and %d: the years must be consecutive", y, r.first, r.last)
		}
	}
	return r, nil
}

func parseYear(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || len(s) != 4 || y < 1000 {
		return 0, fmt.Errorf("%q: not a year (want YYYY, YYYY..YYYY or a comma-separated list of them)", s)
	}
	return y, nil
}
