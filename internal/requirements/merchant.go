package requirements

import (
	"slices"
)

// checkMerchant: the shop type (D24), legal form and registered capital (D26) are admitted.
func (c *check) checkMerchant() {
	m := c.spec.Merchant
	if allowed := c.req.AllowedShopTypes; len(allowed) > 0 {
		switch {
		case m.ShopType == "":
			c.add("D24", merchantPath.Child("shopType"),
				"%s admits only these shop types: %s; set spec.merchant.shopType to the shop's type",
				c.cat, list(allowed))
		case !slices.Contains(allowed, m.ShopType):
			c.add("D24", merchantPath.Child("shopType"),
				"shop type %q is not admitted for %s; admitted: %s. Apply from a shop of an admitted type",
				m.ShopType, c.cat, list(allowed))
		}
	}
	if allowed := c.req.AllowedEntityTypes; len(allowed) > 0 {
		switch {
		case m.EntityType == "":
			c.add("D26", merchantPath.Child("entityType"),
				"%s admits only these legal forms: %s; set spec.merchant.entityType to the merchant's legal form",
				c.cat, list(allowed))
		case !slices.Contains(allowed, m.EntityType):
			c.add("D26", merchantPath.Child("entityType"),
				"legal form %q is not admitted for %s; admitted: %s. Apply as a legal entity of an admitted form",
				m.EntityType, c.cat, list(allowed))
		}
	}
	if lo := c.req.MinRegisteredCapitalCNY; lo != nil {
		switch {
		case m.RegisteredCapitalCNY == nil:
			c.add("D26", merchantPath.Child("registeredCapitalCNY"),
				"%s requires a registered capital of at least %d CNY; set spec.merchant.registeredCapitalCNY to the capital on the business license",
				c.cat, *lo)
		case *m.RegisteredCapitalCNY < *lo:
			c.add("D26", merchantPath.Child("registeredCapitalCNY"),
				"registered capital %d CNY is below the minimum %d CNY for %s: only merchants with at least %d CNY of registered capital are admitted",
				*m.RegisteredCapitalCNY, *lo, c.cat, *lo)
		}
	}
}
