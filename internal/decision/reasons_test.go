package decision

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

func TestCatalogued(t *testing.T) {
	unsealed := qualv1.RejectionReason{Code: "FilingLetterUnsealed", Title: "Filing letter not sealed", Guidance: "Stamp it."}
	subject := qualv1.RejectionReason{Code: "SubjectMismatch", Title: "Subject mismatch", Guidance: "Use the license's subject."}
	policy := func(name string, rs ...qualv1.RejectionReason) *qualv1.CategoryPolicy {
		return &qualv1.CategoryPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: qualv1.CategoryPolicySpec{RejectionReasons: rs}}
	}
	jewelry, free := policy("jewelry", unsealed, subject), policy("toys")
	others := []qualv1.CategoryPolicy{*jewelry, *policy("alcohol", qualv1.RejectionReason{Code: "CapitalTooLow", Title: "t", Guidance: "g"})}
	reject := func(code, title, guidance string) qualv1.Decision {
		return qualv1.Decision{Verdict: qualv1.VerdictRejected, Reason: code, Title: title, Guidance: guidance}
	}
	for _, tc := range []struct {
		name   string
		policy *qualv1.CategoryPolicy
		d      qualv1.Decision
		entry  *qualv1.RejectionReason
		field  string
		msg    string
	}{
		{"a code of the catalogue", jewelry, reject("SubjectMismatch", "", ""), &subject, "", ""},
		{"with the catalogue's title and guidance", jewelry, reject("SubjectMismatch", subject.Title, subject.Guidance), &subject, "", ""},
		{"an unknown code lists the valid ones", jewelry, reject("Blurry", "", ""), nil, "reason",
			`"Blurry" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterUnsealed, SubjectMismatch`},
		{"the wrong case", jewelry, reject("FilingletterUnsealed", "", ""), nil, "reason",
			`"FilingletterUnsealed" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterUnsealed, SubjectMismatch (did you mean FilingLetterUnsealed? codes are case-sensitive)`},
		{"another group's code", jewelry, reject("CapitalTooLow", "", ""), nil, "reason",
			`"CapitalTooLow" is not a rejection reason of category group jewelry (D32); use one of: FilingLetterUnsealed, SubjectMismatch (CapitalTooLow is a reason of alcohol, not of jewelry)`},
		{"a forged title", jewelry, reject("SubjectMismatch", "You are banned", ""), nil, "title",
			"title and guidance of reason SubjectMismatch are those of category group jewelry's rejection reasons, copied as they are (D32)"},
		{"a forged guidance", jewelry, reject("SubjectMismatch", subject.Title, "call 555"), nil, "title",
			"title and guidance of reason SubjectMismatch are those of category group jewelry's rejection reasons, copied as they are (D32)"},
		{"no catalogue: free reasons", free, reject("Blurry", "", ""), nil, "", ""},
		{"no catalogue: no title", free, reject("Blurry", "Blurry photo", ""), nil, "title",
			"title and guidance come from the rejection reasons of category group toys, and a rejected decision under it carries none (D32)"},
		{"a withdrawal's reason is free", jewelry, qualv1.Decision{Verdict: qualv1.VerdictWithdrawn, Reason: "StandardRevised"}, nil, "", ""},
		{"an approval carries no title", jewelry, qualv1.Decision{Verdict: qualv1.VerdictApproved, Guidance: "x"}, nil, "title",
			"title and guidance come from the rejection reasons of category group jewelry, and an approved decision under it carries none (D32)"},
		{"no policy", nil, reject("Blurry", "", ""), nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			entry, r := Catalogued(tc.policy, others, tc.d)
			g.Expect(entry).To(Equal(tc.entry))
			if tc.msg == "" {
				g.Expect(r).To(BeNil())
				return
			}
			g.Expect(r).NotTo(BeNil())
			g.Expect(r.Field).To(Equal(tc.field))
			g.Expect(r.Message).To(Equal(tc.msg))
		})
	}
}
