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
//
// "#" starts a comment; blank lines are ignored. Unknown keys are rejected
// so a typo like "holiday" cannot silently drop every holiday. All problems
// are reported together, each naming the key, the line and the bad text.
func Parse(data map[string]string) (*Calendar, error) {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if k != KeyTimezone && k != KeyHolidays && k != KeyWorkdays {
			errs = append(errs, fmt.Errorf("unknown key %q (want %s, %s or %s)", k, KeyTimezone, KeyHolidays, KeyWorkdays))
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
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return New(loc, sortedDates(holidays), sortedDates(workdays)), nil
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
