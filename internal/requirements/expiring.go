package requirements

import (
	"time"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// ExpiringMaterial is a material that is still valid but will not be for long (D35).
type ExpiringMaterial struct {
	// Index is the material's position in spec.materials.
	Index      int
	Type       v1alpha1.MaterialType
	ValidUntil string
	// DaysLeft are the days from today to validUntil, in the policy's zone: 0 on its last day.
	DaysLeft int
}

// ExpiryWarningDays is the policy's window for D35: expiryWarningDays, or its default when the
// policy does not say (or there is no policy).
func ExpiryWarningDays(p *v1alpha1.CategoryPolicy) int {
	if p == nil || p.Spec.ExpiryWarningDays == nil {
		return v1alpha1.DefaultExpiryWarningDays
	}
	return int(*p.Spec.ExpiryWarningDays)
}

// Expiring lists the materials whose validUntil falls within the policy's warning window:
// from today (still valid through its end) to today + window days, in loc (nil: the
// engine's zone). A reviewer is warned of them; an expired one is a finding (D20) and not
// listed here; an unparsable date is a D20 finding too.
func Expiring(app *v1alpha1.CategoryApplication, p *v1alpha1.CategoryPolicy, now time.Time, loc *time.Location) []ExpiringMaterial {
	window := ExpiryWarningDays(p)
	if app == nil || window <= 0 {
		return nil
	}
	if loc == nil {
		loc = calendar.Default().Location()
	}
	today := calendar.DateOf(now, loc)
	var out []ExpiringMaterial
	for i, m := range app.Spec.Materials {
		if m.ValidUntil == nil {
			continue
		}
		d, err := calendar.ParseDate(string(*m.ValidUntil))
		if err != nil || d.Before(today) || today.AddDays(window).Before(d) {
			continue
		}
		left := 0
		for today.AddDays(left).Before(d) {
			left++
		}
		out = append(out, ExpiringMaterial{Index: i, Type: m.Type, ValidUntil: d.String(), DaysLeft: left})
	}
	return out
}
