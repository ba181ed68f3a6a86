package requirements

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// shortfall is one minimum a PriorPlatform material does not meet.
type shortfall struct {
	path *field.Path
	what string
}

// checkThresholds: at least one PriorPlatform material on a counted platform meets every
// minimum of platformThresholds (D27). When none does, the findings are the shortfalls of
// the closest one (fewest shortfalls, then first listed): fixing them is the shortest way
// to meet the rule.
func (c *check) checkThresholds() {
	t := c.req.PlatformThresholds
	if t == nil || (t.MinMonthlySalesCNY == nil && t.MinReputationScore == nil &&
		t.MinQualityScore == nil && t.MinServiceScore == nil) {
		return
	}
	counted := "any platform"
	if len(t.CountedPlatforms) > 0 {
		counted = list(t.CountedPlatforms)
	}
	best, bestAt := []shortfall(nil), -1
	for i, m := range c.spec.Materials {
		if m.Type != v1alpha1.MaterialPriorPlatform ||
			(len(t.CountedPlatforms) > 0 && !slices.Contains(t.CountedPlatforms, m.Platform)) {
			continue
		}
		s := c.shortfalls(i, m, t)
		if len(s) == 0 {
			return
		}
		if bestAt < 0 || len(s) < len(best) {
			best, bestAt = s, i
		}
	}
	if bestAt < 0 {
		c.add("D27", materialsPath,
			"no PriorPlatform material on a counted platform: %s counts only data from %s; add the merchant's account there with the best figures",
			c.cat, counted)
		return
	}
	m := c.spec.Materials[bestAt]
	for _, s := range best {
		c.add("D27", s.path,
			"%s account %q: %s; %s needs at least one account on a counted platform (%s) that meets every minimum",
			m.Platform, m.Account, s.what, c.cat, counted)
	}
}

// shortfalls lists the minimums material i does not meet. A figure the minimum needs but the
// material does not declare falls short.
func (c *check) shortfalls(i int, m v1alpha1.Material, t *v1alpha1.PlatformThresholds) []shortfall {
	var out []shortfall
	p := materialPath(i)
	if lo := t.MinMonthlySalesCNY; lo != nil {
		months := max(int(t.Months), 1)
		sales := p.Child("monthlySalesCNY")
		if n := len(m.MonthlySalesCNY); n < months {
			out = append(out, shortfall{sales, fmt.Sprintf(
				"declares sales for %s, but sales above %d CNY are needed in each of the last %s; declare monthlySalesCNY for the %s, newest first",
				plural(n, "month"), *lo, plural(months, "month"), plural(months, "most recent month"))})
		}
		var low []string
		for k, v := range m.MonthlySalesCNY[:min(months, len(m.MonthlySalesCNY))] {
			if v <= *lo {
				low = append(low, fmt.Sprintf("month %d (%d CNY)", k+1, v))
			}
		}
		if len(low) > 0 {
			out = append(out, shortfall{sales, fmt.Sprintf(
				"sales are not above %d CNY in %s, counting from the newest; sales above %d CNY are needed in each of the last %s",
				*lo, strings.Join(low, ", "), *lo, plural(months, "month"))})
		}
	}
	score := func(name, key string, got, least *resource.Quantity) {
		switch {
		case least == nil:
		case got == nil:
			out = append(out, shortfall{p.Child(key), fmt.Sprintf(
				"declares no %s, and at least %s is needed; declare %s", name, quantity(least), key)})
		case cmpQuantity(got, least) < 0:
			out = append(out, shortfall{p.Child(key), fmt.Sprintf(
				"%s %s is below the minimum %s", name, quantity(got), quantity(least))})
		}
	}
	score("reputation score", "reputationScore", m.ReputationScore, t.MinReputationScore)
	score("quality score", "qualityScore", m.QualityScore, t.MinQualityScore)
	score("service score", "serviceScore", m.ServiceScore, t.MinServiceScore)
	return out
}
