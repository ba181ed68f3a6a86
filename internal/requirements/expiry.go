package requirements

import (
	"time"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// validityEnd is the first instant a document with this validUntil is no longer valid:
// midnight at the start of the following day in loc (valid through the end of the day).
func validityEnd(d v1alpha1.Date, loc *time.Location) (time.Time, error) {
	day, err := calendar.ParseDate(string(d))
	if err != nil {
		return time.Time{}, err
	}
	return day.AddDays(1).Start(loc), nil
}

// expired reports whether material i has a validUntil that has passed.
func (c *check) expired(i int) bool {
	end, ok := c.ends[i]
	return ok && !c.now.Before(end)
}

// checkValidity: no material's validUntil has passed (D20). Messages name the date, never
// how long ago, so they change only when validity does (see NextExpiry).
func (c *check) checkValidity() {
	for i, m := range c.spec.Materials {
		if m.ValidUntil == nil {
			continue
		}
		p := materialPath(i).Child("validUntil")
		if _, ok := c.ends[i]; !ok {
			c.add("D20", p,
				"validUntil %q is not a date: write the last day the document is valid as YYYY-MM-DD",
				string(*m.ValidUntil))
			continue
		}
		if !c.expired(i) {
			continue
		}
		if m.Type == v1alpha1.MaterialBusinessLicense {
			c.add("D20", p,
				"the business license expired: its validUntil %s has passed (a document is valid through the end of that day, %s time); renew the license, upload the current one and update validUntil",
				string(*m.ValidUntil), c.loc)
		} else {
			c.add("D20", p,
				"the %s material expired: its validUntil %s has passed (a document is valid through the end of that day, %s time); upload a current document and update validUntil",
				m.Type, string(*m.ValidUntil), c.loc)
		}
	}
}

// NextExpiry returns the earliest instant after in.Now at which Evaluate's result can change
// through the passing of time alone: a material's validUntil ending (D20), or a Brand
// authorization dropping to minAuthorizationValidity or less (D25). ok is false when no such
// instant exists. Callers requeue for it (RequeueAfter = t - Now).
func NextExpiry(in Input) (t time.Time, ok bool) {
	if in.App == nil {
		return time.Time{}, false
	}
	c := newCheck(in)
	consider := func(at time.Time) {
		if at.After(c.now) && (!ok || at.Before(t)) {
			t, ok = at, true
		}
	}
	for i, m := range c.spec.Materials {
		end, has := c.ends[i]
		if !has {
			continue
		}
		consider(end)
		if c.needsAuthorizationValidity(m) {
			consider(end.Add(-c.req.MinAuthorizationValidity.Duration))
		}
	}
	return t, ok
}

// EarliestValidUntil returns the earliest validUntil among the application's materials, in
// the canonical YYYY-MM-DD form: a listing made from the application must not outlive it
// (D20). nil when no material has a valid validUntil.
func EarliestValidUntil(app *v1alpha1.CategoryApplication) *v1alpha1.Date {
	if app == nil {
		return nil
	}
	var earliest *calendar.Date
	for _, m := range app.Spec.Materials {
		if m.ValidUntil == nil {
			continue
		}
		d, err := calendar.ParseDate(string(*m.ValidUntil))
		if err != nil {
			continue
		}
		if earliest == nil || d.Before(*earliest) {
			earliest = &d
		}
	}
	if earliest == nil {
		return nil
	}
	out := v1alpha1.Date(earliest.String())
	return &out
}
