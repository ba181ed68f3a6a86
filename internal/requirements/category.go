package requirements

import (
	"github.com/channelshop/category-operator/api/v1alpha1"
)

// Effective returns the requirements that apply to category c under policy p: the group's
// requirements, with every field the level-2 subcategory sets replacing the group's value
// (a set list replaces the group's list, it is not merged; platformThresholds is replaced
// as a whole). "Set" means non-empty for lists and strings and non-nil for pointers, so an
// empty list on a subcategory inherits the group's list.
//
// The bool is false when p is nil or c.Level2 is not one of p's subcategories; the
// requirements returned then are the group's (empty for a nil p). The result is a deep
// copy: changing it does not change p.
func Effective(p *v1alpha1.CategoryPolicy, c v1alpha1.CategoryRef) (v1alpha1.Requirements, bool) {
	if p == nil {
		return v1alpha1.Requirements{}, false
	}
	r := *p.Spec.Requirements.DeepCopy()
	sub := subcategory(p, c.Level2)
	if sub == nil {
		return r, false
	}
	o := sub.Requirements.DeepCopy()
	if len(o.RequiredMaterials) > 0 {
		r.RequiredMaterials = o.RequiredMaterials
	}
	if len(o.RecordingRequired) > 0 {
		r.RecordingRequired = o.RecordingRequired
	}
	if len(o.AllowedPlatforms) > 0 {
		r.AllowedPlatforms = o.AllowedPlatforms
	}
	if o.StoreProof != "" {
		r.StoreProof = o.StoreProof
	}
	if len(o.AllowedShopTypes) > 0 {
		r.AllowedShopTypes = o.AllowedShopTypes
	}
	if len(o.AllowedEntityTypes) > 0 {
		r.AllowedEntityTypes = o.AllowedEntityTypes
	}
	if o.MinRegisteredCapitalCNY != nil {
		r.MinRegisteredCapitalCNY = o.MinRegisteredCapitalCNY
	}
	if len(o.BrandLibrary) > 0 {
		r.BrandLibrary = o.BrandLibrary
	}
	if o.MaxAuthorizationLevel != nil {
		r.MaxAuthorizationLevel = o.MaxAuthorizationLevel
	}
	if o.MinAuthorizationValidity != nil {
		r.MinAuthorizationValidity = o.MinAuthorizationValidity
	}
	if len(o.TrademarkClasses) > 0 {
		r.TrademarkClasses = o.TrademarkClasses
	}
	if o.PlatformThresholds != nil {
		r.PlatformThresholds = o.PlatformThresholds
	}
	return r, true
}

func subcategory(p *v1alpha1.CategoryPolicy, id string) *v1alpha1.Subcategory {
	if id == "" {
		return nil
	}
	for i := range p.Spec.Subcategories {
		if p.Spec.Subcategories[i].ID == id {
			return &p.Spec.Subcategories[i]
		}
	}
	return nil
}

// checkCategory: the category is chosen down to level 2 among the group's subcategories
// (D3), and down to level 3 when the standard names level-3 categories (D21).
func (c *check) checkCategory() {
	p, ref := c.in.Policy, c.spec.Category
	level2 := make([]string, len(p.Spec.Subcategories))
	for i, s := range p.Spec.Subcategories {
		level2[i] = s.ID
	}
	sub := subcategory(p, ref.Level2)
	switch {
	case ref.Level2 == "":
		c.add("D3", categoryPath.Child("level2"),
			"no level-2 category is chosen: a category must be chosen down to at least level 2; set spec.category.level2 to one of the level-2 categories of %s: %s",
			ref.Group, list(level2))
		return
	case sub == nil:
		c.add("D3", categoryPath.Child("level2"),
			"unknown level-2 category %q in %s; known: %s. Set spec.category.level2 to one of them (gold and jadeite, for example, are different categories: one application each)",
			ref.Level2, ref.Group, list(level2))
		return
	}
	if len(sub.Subcategories) == 0 {
		// The standard covers every level-3 category under this level 2 ("所有").
		return
	}
	level3 := make([]string, len(sub.Subcategories))
	known := false
	for i, s := range sub.Subcategories {
		level3[i] = s.ID
		known = known || s.ID == ref.Level3
	}
	switch {
	case ref.Level3 == "":
		c.add("D21", categoryPath.Child("level3"),
			"%s admits only the level-3 categories its standard names, so spec.category.level3 is required; set it to one of: %s",
			c.cat, list(level3))
	case !known:
		c.add("D21", categoryPath.Child("level3"),
			"unknown level-3 category %q under %s; the standard admits only: %s. Set spec.category.level3 to one of them",
			ref.Level3, c.cat, list(level3))
	}
}
