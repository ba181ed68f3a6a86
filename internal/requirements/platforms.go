package requirements

import (
	"slices"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// checkPriorPlatforms: at most one account per platform (D9), on a platform the category
// accepts (D11). The CRD's CEL refuses duplicates already; checking again is cheap and keeps
// the engine right for objects that never went through the API server.
func (c *check) checkPriorPlatforms() {
	first := map[v1alpha1.Platform]int{}
	for i, m := range c.spec.Materials {
		if m.Type != v1alpha1.MaterialPriorPlatform {
			continue
		}
		p := materialPath(i)
		if m.Account == "" {
			c.add("D9", p.Child("account"),
				"a PriorPlatform material needs account: name the merchant's account on that platform, the one with the best figures")
		}
		if m.Platform == "" {
			if len(c.req.AllowedPlatforms) > 0 {
				c.add("D11", p.Child("platform"),
					"a PriorPlatform material needs platform: set it to the platform of the account; accepted for %s: %s",
					c.cat, list(c.req.AllowedPlatforms))
			} else {
				c.add("D11", p.Child("platform"),
					"a PriorPlatform material needs platform: set it to the platform of the account")
			}
			continue
		}
		if j, dup := first[m.Platform]; dup {
			c.add("D9", p.Child("platform"),
				"platform %q is already listed at %s: list at most one account per platform, the one with the best figures, and remove the other",
				m.Platform, materialPath(j))
		} else {
			first[m.Platform] = i
		}
		if len(c.req.AllowedPlatforms) > 0 && !slices.Contains(c.req.AllowedPlatforms, m.Platform) {
			c.add("D11", p.Child("platform"),
				"platform %q is not accepted for %s; accepted: %s. Replace this material with an account on an accepted platform, or remove it",
				m.Platform, c.cat, list(c.req.AllowedPlatforms))
		}
	}
}
