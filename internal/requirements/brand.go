package requirements

import (
	"slices"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// checkBrands: each Brand is in the brand library (D23), names its trademark owner when the
// merchant is a distributor (D23), is registered in an admitted trademark class (D26), and
// its authorization chain is short enough and valid long enough (D25).
func (c *check) checkBrands() {
	library := map[string]bool{}
	for _, b := range c.req.BrandLibrary {
		library[NormalizeSubject(b)] = true
	}
	for i, m := range c.spec.Materials {
		if m.Type != v1alpha1.MaterialBrand {
			continue
		}
		p := materialPath(i)
		switch {
		case NormalizeSubject(m.Brand) == "":
			c.add("D23", p.Child("brand"), "a Brand material needs brand: set it to the brand name on the trademark registration")
		case len(library) > 0 && !library[NormalizeSubject(m.Brand)]:
			c.add("D23", p.Child("brand"),
				"brand %q is not in the brand library of %s, which admits only brands in the platform's library: %s. Check the spelling or apply for a brand in the library",
				m.Brand, c.cat, list(c.req.BrandLibrary))
		}

		if classes := c.req.TrademarkClasses; len(classes) > 0 {
			switch {
			case m.TrademarkClass == nil:
				c.add("D26", p.Child("trademarkClass"),
					"%s admits only trademarks registered in class %s; set trademarkClass of brand %q to the class on its registration certificate",
					c.cat, listInts(classes), m.Brand)
			case !slices.Contains(classes, *m.TrademarkClass):
				c.add("D26", p.Child("trademarkClass"),
					"brand %q is registered in trademark class %d, but %s admits only class %s: apply with a trademark registered in an admitted class",
					m.Brand, *m.TrademarkClass, c.cat, listInts(classes))
			}
		}

		if m.AuthorizationLevel == nil {
			c.add("D23", p.Child("authorizationLevel"),
				"brand %q needs authorizationLevel: 0 if the merchant owns the trademark, 1 for a first-level distributor, 2 for the next level, and so on",
				m.Brand)
			continue
		}
		level := *m.AuthorizationLevel
		if level > 0 && NormalizeSubject(m.Owner) == "" {
			c.add("D23", p.Child("owner"),
				"brand %q is applied for by a distributor (authorization level %d), so owner is required: set it to the trademark owner named on the registration certificate",
				m.Brand, level)
		}
		if limit := c.req.MaxAuthorizationLevel; limit != nil && level > *limit {
			c.add("D25", p.Child("authorizationLevel"),
				"authorization level %d exceeds the maximum %d for %s: %s; apply with an authorization at most %s from the trademark owner",
				level, *limit, c.cat, levelsAdmitted(*limit), plural(int(*limit), "level"))
		}
		c.checkAuthorizationValidity(i, m)
	}
}

// levelsAdmitted says in words what maxAuthorizationLevel admits.
func levelsAdmitted(limit int32) string {
	switch limit {
	case 0:
		return "only the trademark owner may apply"
	case 1:
		return "at most one level of distribution (the owner or a first-level distributor)"
	case 2:
		return "at most two levels of distribution"
	}
	return "at most " + plural(int(limit), "level") + " of distribution"
}

// needsAuthorizationValidity reports whether m is a distributor's authorization that must
// stay valid for more than minAuthorizationValidity (D25).
func (c *check) needsAuthorizationValidity(m v1alpha1.Material) bool {
	return m.Type == v1alpha1.MaterialBrand && c.req.MinAuthorizationValidity != nil &&
		m.AuthorizationLevel != nil && *m.AuthorizationLevel > 0
}

// checkAuthorizationValidity: a distributor's authorization has more than
// minAuthorizationValidity left (D25). An unparsable or passed validUntil is D20's finding.
func (c *check) checkAuthorizationValidity(i int, m v1alpha1.Material) {
	if !c.needsAuthorizationValidity(m) {
		return
	}
	p := materialPath(i).Child("validUntil")
	least := c.req.MinAuthorizationValidity.Duration
	if m.ValidUntil == nil {
		c.add("D25", p,
			"the authorization of brand %q has no validUntil: %s needs an authorization with more than %s of validity left; set validUntil to the last day of the authorization letter",
			m.Brand, c.cat, duration(least))
		return
	}
	end, ok := c.ends[i]
	if !ok || c.expired(i) {
		return
	}
	if end.Sub(c.now) <= least {
		c.add("D25", p,
			"the authorization of brand %q ends %s, within %s: %s needs more than %s of validity left; upload a renewed authorization letter and update validUntil",
			m.Brand, string(*m.ValidUntil), duration(least), c.cat, duration(least))
	}
}
