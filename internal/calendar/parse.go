package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// ConfigMap .data keys understood by Parse.
const (
	KeyTimezone = "timezone"
	KeyHolidays = "holidays"
	KeyWorkdays = "workdays"
	KeyYears    = "years"
)

// MaxRangeDays caps a holiday/workday range. Official blocks are at most
// nine days; a longer range is almost surely a year or month typo that would
// silently erase weeks of working days.
const MaxRangeDays = 31

// Parse builds a Calendar from a ConfigMap's .data:
//
//	timezone: IANA name, default Asia/Shanghai
//	holidays: one "YYYY-MM-DD" or inclusive "YYYY-MM-DD..YYYY-MM-DD" per line
//	workdays: same format; make-up working days, each must be a Sat or Sun
//	years:    the years whose holidays and make-up days the lists give: "2026", "2026..2027"
//	          or "2026,2027", consecutive; every listed date must be in one of them
//
// Without years the calendar covers no year, so every deadline it counts is provisional (D5).
// "#" starts a comment; blank lines are ignored. Unknown keys are rejected
// so a typo like "holiday" cannot silently drop every holiday. All problems
// are reported together, each naming the key, the line and the bad text.
func Parse(data map[string]string) (*Calendar, error) {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if k != KeyTimezone && k != KeyHolidays && k != KeyWorkdays && k != KeyYears {
			errs = append(errs, fmt.Errorf("unknown key %q (want %s, %s, %s or %s)", k, KeyTimezone, KeyYears, KeyHolidays, KeyWorkdays))
		}
	}

	loc := shanghai
	if tz := strings.TrimSpace(data[KeyTimezone]); tz != "" {
		l, err := loadLocation(tz)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", KeyTimezone, err))
		} else {
			loc = l
		}
	}

	holidays, herrs := parseDates(KeyHolidays, data[KeyHolidays], false)
	workdays, werrs := parseDates(KeyWorkdays, data[KeyWorkdays], true)
	errs = append(append(errs, herrs...), werrs...)

	for _, d := range sortedDates(workdays) {
		if hl, ok := holidays[d]; ok {
			errs = append(errs, fmt.Errorf("%s is in both %s (line %d) and %s (line %d)", d, KeyHolidays, hl, KeyWorkdays, workdays[d]))
		}
	}
	var years yearRange
	if text, ok := data[KeyYears]; ok {
		var err error
		if years, err = parseYears(text); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", KeyYears, err))
		} else {
			errs = append(append(errs, outside(KeyHolidays, holidays, years)...), outside(KeyWorkdays, workdays, years)...)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return New(loc, sortedDates(holidays), sortedDates(workdays)).WithYears(years.first, years.last), nil
}

// outside reports listed dates of years the calendar does not say it covers: adding 2027's
// holidays without 2027 in years (or the reverse typo, 2062) would leave it half-declared.
func outside(key string, dates map[Date]int, years yearRange) []error {
	var errs []error
	reported := map[int]bool{} // one error per line, not one per day of a range
	for _, d := range sortedDates(dates) {
		if n := dates[d]; !years.covers(d.Year) && !reported[n] {
			reported[n] = true
			errs = append(errs, fmt.Errorf("%s line %d: %s is not in %s (%s)", key, n, d, KeyYears, years))
		}
	}
	return errs
}

// loadLocation rejects "Local": the pod's zone (usually UTC) is not a
// business calendar.
func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, fmt.Errorf("%q is not allowed, use an IANA name such as %s", name, DefaultTimezone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// parseDates returns each date with the (1-based) line that declared it.
func parseDates(key, text string, weekendOnly bool) (map[Date]int, []error) {
	out := map[Date]int{}
	var errs []error
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		dates, err := parseLine(line)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s line %d: %w", key, n, err))
			continue
		}
		for _, d := range dates {
			if weekendOnly && !isWeekend(d) {
				errs = append(errs, fmt.Errorf("%s line %d: %q: is a %s, not a weekend day", key, n, d.String(), d.Weekday()))
				continue
			}
			if _, seen := out[d]; !seen {
				out[d] = n
			}
		}
	}
	return out, errs
}

func parseLine(line string) ([]Date, error) {
	from, to, isRange := strings.Cut(line, "..")
	if !isRange {
		d, err := ParseDate(line)
		if err != nil {
			return nil, err
		}
		return []Date{d}, nil
	}
	start, err := ParseDate(strings.TrimSpace(from))
	if err != nil {
		return nil, err
	}
	end, err := ParseDate(strings.TrimSpace(to))
	if err != nil {
		return nil, err
	}
	if end.Before(start) {
		return nil, fmt.Errorf("%q: range end is before its start", line)
	}
	var dates []Date
	for d := start; !end.Before(d); d = d.AddDays(1) {
		if len(dates) == MaxRangeDays {
			return nil, fmt.Errorf("%q: range is longer than %d days", line, MaxRangeDays)
		}
		dates = append(dates, d)
	}
	return dates, nil
}

func sortedDates(m map[Date]int) []Date {
	ds := make([]Date, 0, len(m))
	for d := range m {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b Date) int {
		return a.Start(time.UTC).Compare(b.Start(time.UTC))
	})
	return ds
}
