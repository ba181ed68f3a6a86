package requirements

import (
	"slices"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// demand is a material type the application must include and the rule that says so.
type demand struct {
	typ  v1alpha1.MaterialType
	rule string
}

// demands lists every material type that must be present, each once, under the rule that
// reports its absence:
//   - FilingLetter always, even when the policy forgets to list it (D6);
//   - StoreProof when the store-proof mode needs one (D10); with mode Optional it is never
//     demanded, even if requiredMaterials or recordingRequired names it (D28: the mode is
//     the more specific statement);
//   - every type in requiredMaterials (D8);
//   - Brand when the category has a brand library (D23);
//   - every type in recordingRequired (D12): a recording cannot be given for an absent material.
func (c *check) demands() []demand {
	var out []demand
	add := func(t v1alpha1.MaterialType, rule string) {
		if t == v1alpha1.MaterialStoreProof && c.storeMode() == v1alpha1.StoreProofOptional {
			return
		}
		if !slices.ContainsFunc(out, func(d demand) bool { return d.typ == t }) {
			out = append(out, demand{t, rule})
		}
	}
	add(v1alpha1.MaterialFilingLetter, "D6")
	if m := c.storeMode(); m == v1alpha1.StoreRequired || m == v1alpha1.OfficeAllowed {
		add(v1alpha1.MaterialStoreProof, "D10")
	}
	for _, t := range c.req.RequiredMaterials {
		add(t, "D8")
	}
	if len(c.req.BrandLibrary) > 0 {
		add(v1alpha1.MaterialBrand, "D23")
	}
	for _, t := range c.req.RecordingRequired {
		add(t, "D12")
	}
	return out
}

// checkPresence reports each demanded material type that is absent, once (D6, D8, D10, D12, D23).
func (c *check) checkPresence() {
	for _, d := range c.demands() {
		if c.has(d.typ) {
			continue
		}
		switch d.rule {
		case "D6":
			c.add(d.rule, materialsPath,
				"a FilingLetter material is missing: it is always required; upload a photo of the platform's filing letter template, printed, signed and stamped with the official company seal")
		case "D10":
			if c.storeMode() == v1alpha1.StoreRequired {
				c.add(d.rule, materialsPath,
					"a StoreProof material is missing: %s requires proof of at least one physical store, and office photos are not accepted; add a StoreProof material with photos of the store and store: Physical",
					c.cat)
			} else {
				c.add(d.rule, materialsPath,
					"a StoreProof material is missing: %s requires store proof; add a StoreProof material with photos of a physical store (store: Physical) or, for a trading company with no store, of its office (store: Office)",
					c.cat)
			}
		case "D8":
			c.add(d.rule, materialsPath,
				"required material %s is missing: %s requires %s; add a material of type %s",
				d.typ, c.cat, list(c.req.RequiredMaterials), d.typ)
		case "D23":
			c.add(d.rule, materialsPath,
				"a Brand material is missing: %s admits only brands in the platform's brand library; add a Brand material for one of: %s",
				c.cat, list(c.req.BrandLibrary))
		case "D12":
			c.add(d.rule, materialsPath,
				"a %s material is missing: %s requires screenshots and a screen recording of it; add a %s material with files and recordings",
				d.typ, c.cat, d.typ)
		}
	}
}

// storeMode is the effective store-proof mode. A policy that requires StoreProof without
// saying which kind behaves as OfficeAllowed, the guide's default (D10); a policy that
// says neither has no store rule ("").
func (c *check) storeMode() v1alpha1.StoreProofMode {
	if c.req.StoreProof != "" {
		return c.req.StoreProof
	}
	if slices.Contains(c.req.RequiredMaterials, v1alpha1.MaterialStoreProof) {
		return v1alpha1.OfficeAllowed
	}
	return ""
}

// checkStoreProof: what each StoreProof material shows must be accepted (D10, D28).
// Absence is reported by checkPresence.
func (c *check) checkStoreProof() {
	mode := c.storeMode()
	rule := "D10"
	if mode == v1alpha1.StoreProofOptional {
		rule = "D28"
	}
	for i, m := range c.spec.Materials {
		if m.Type != v1alpha1.MaterialStoreProof {
			continue
		}
		p := materialPath(i).Child("store")
		switch {
		case m.Store != v1alpha1.StorePhysical && m.Store != v1alpha1.StoreOffice:
			c.add(rule, p,
				"store %q is not a kind of store proof; set store to Physical (photos of a physical store) or Office (photos of the office of a trading company with no store)",
				m.Store)
		case m.Store == v1alpha1.StoreOffice && mode == v1alpha1.StoreRequired:
			c.add(rule, p,
				"store %q is not accepted for %s: it requires proof of at least one physical store; replace the office photos with photos of a physical store and set store: Physical",
				m.Store, c.cat)
		}
	}
}

// checkRecordings: every present material of a recordingRequired type has screenshots and
// a screen recording (D12). Absence is reported by checkPresence. Store-proof mode
// Optional makes a StoreProof optional, not its recording: one that is given and listed in
// recordingRequired still needs it.
func (c *check) checkRecordings() {
	for i, m := range c.spec.Materials {
		if !slices.Contains(c.req.RecordingRequired, m.Type) {
			continue
		}
		if len(m.Files) == 0 {
			c.add("D12", materialPath(i).Child("files"),
				"the %s material has no screenshots: %s requires screenshots and a screen recording of it; add at least one entry to files",
				m.Type, c.cat)
		}
		if len(m.Recordings) == 0 {
			c.add("D12", materialPath(i).Child("recordings"),
				"the %s material has no screen recording: %s requires screenshots and a screen recording of it; add at least one entry to recordings",
				m.Type, c.cat)
		}
	}
}
