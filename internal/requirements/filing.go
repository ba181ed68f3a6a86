package requirements

import (
	"github.com/channelshop/category-operator/api/v1alpha1"
)

// compared is how D7 messages say what "the same subject" means (see NormalizeSubject).
const compared = "they were compared ignoring spaces, letter case and full-width/half-width differences"

// checkFilingLetter: the filing letter carries the company seal, and its subject is the
// legal entity of the business license (D7).
//
// Every subject is compared with spec.merchant.legalEntity, which is the business license's
// subject: equality is transitive, so comparing the letter with each license as well would
// only repeat a finding. Only when legalEntity is empty is the letter compared with the
// licenses directly.
func (c *check) checkFilingLetter() {
	legal := c.spec.Merchant.LegalEntity
	legalN := NormalizeSubject(legal)
	if legalN == "" {
		c.add("D7", merchantPath.Child("legalEntity"),
			"legalEntity is empty: set it to the subject (company name) on the business license")
	}

	type license struct {
		field   string
		subject string
		norm    string
	}
	var licenses []license
	for i, m := range c.spec.Materials {
		if m.Type != v1alpha1.MaterialBusinessLicense {
			continue
		}
		p := materialPath(i).Child("subject")
		n := NormalizeSubject(m.Subject)
		switch {
		case n == "":
			c.add("D7", p, "the business license has no subject: set subject to the company name printed on the license")
		case legalN != "" && n != legalN:
			c.add("D7", p,
				"business license subject %q does not match spec.merchant.legalEntity %q; %s. legalEntity is the subject on the business license: correct whichever is wrong",
				m.Subject, legal, compared)
		}
		if n != "" {
			licenses = append(licenses, license{p.String(), m.Subject, n})
		}
	}

	for i, m := range c.spec.Materials {
		if m.Type != v1alpha1.MaterialFilingLetter {
			continue
		}
		if m.Sealed == nil || !*m.Sealed {
			c.add("D7", materialPath(i).Child("sealed"),
				"the filing letter must carry the official company seal: stamp the letter with the company seal, upload the new photo and set sealed: true")
		}
		p := materialPath(i).Child("subject")
		n := NormalizeSubject(m.Subject)
		switch {
		case n == "" && legalN != "":
			c.add("D7", p,
				"the filing letter has no subject: set subject to the legal entity named on the letter, which must be %q, the subject of the business license",
				legal)
		case n == "":
			c.add("D7", p,
				"the filing letter has no subject: set subject to the legal entity named on the letter, which must be the subject of the business license")
		case legalN != "" && n != legalN:
			c.add("D7", p,
				"filing letter subject %q does not match the legal entity %q (spec.merchant.legalEntity); %s. The letter must be issued by the legal entity on the business license: correct the subject or upload a letter from %q",
				m.Subject, legal, compared, legal)
		case legalN == "":
			for _, l := range licenses {
				if l.norm != n {
					c.add("D7", p,
						"filing letter subject %q does not match the business license subject %q (%s); %s. The letter must be issued by the legal entity on the business license: correct the subject or upload a letter from %q",
						m.Subject, l.subject, l.field, compared, l.subject)
				}
			}
		}
	}
}
