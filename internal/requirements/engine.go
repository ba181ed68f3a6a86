// Package requirements is the rule engine that checks a CategoryApplication against the
// CategoryPolicy of its category group (domain rules D2..D28, see docs/rules.md).
//
// It is pure: it reads only its Input and never calls the API server, so the admission
// webhook and the reconciler give the same answer for the same input. It never mutates the
// application or the policy (they may be shared informer-cache objects).
package requirements

import (
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/calendar"
)

// SecretLookup reports the keys (never the values) of a Secret in the application's
// namespace; found is false if the Secret does not exist.
type SecretLookup func(name string) (keys SecretKeys, found bool)

// SecretKeys is what the engine learns of one Secret's keys. A Secret may hold 100,000 keys
// (the API server bounds only its values' size): a caller answers for the keys the application
// references, and gives the count and a few names for the message about a missing one.
type SecretKeys struct {
	// Has reports whether the Secret has key. The engine asks only about the keys
	// CheckedSecretKeys lists.
	Has func(key string) bool
	// Count is how many keys the Secret has.
	Count int
	// Names are some of its keys, the first ones in sorted order (all of them when few): the
	// message about a missing key shows at most MaxKeysNamed of them.
	Names []string
	// Kind is the media type of a key's value, sniffed from its content (internal/filekind);
	// nil when the caller has only the keys (the admission webhook), and then D33 is not
	// checked.
	Kind func(key string) string
}

// KeysOf describes a Secret whose keys are all at hand.
func KeysOf(keys sets.Set[string]) SecretKeys {
	return SecretKeys{Has: keys.Has, Count: keys.Len(), Names: sets.List(keys)}
}

// Input is everything a rule may look at.
type Input struct {
	// App is the application to check. A nil App has no findings.
	App *v1alpha1.CategoryApplication
	// Policy is the CategoryPolicy named by App.Spec.Category.Group; nil means the group has
	// no policy, which is itself a finding (D2).
	Policy *v1alpha1.CategoryPolicy
	// Secrets looks up Secrets of the application's namespace. nil skips the Secret checks
	// of D19: at admission, GitOps may legitimately apply the Secrets after the application.
	Secrets SecretLookup
	// Now is the instant the rules are evaluated at. Zero means time.Now().
	Now time.Time
	// Location is the zone civil dates (validUntil) are read in: a document is valid through
	// the END of its validUntil day there. nil means Asia/Shanghai.
	Location *time.Location
}

// Evaluate checks the application against its policy and returns one finding per broken
// rule, in the order Sort gives, so callers can compare results with DeepEqual. No findings
// is nil.
//
// Rules that need the policy (D3, D8, D10..D12, D21, D23..D28) use the effective
// requirements of the chosen level-2 category (see Effective); when level2 is unknown they
// use the group's requirements, so the merchant sees every other problem at once. Without a
// policy only the policy-independent rules run (D6, D7, D9, D19, D20).
func Evaluate(in Input) []v1alpha1.Finding {
	if in.App == nil {
		return nil
	}
	c := newCheck(in)
	if in.Policy == nil {
		c.add("D2", categoryPath.Child("group"),
			"category group %q has no CategoryPolicy: it is not a restricted category group the platform knows, or its policy is not installed; correct spec.category.group or ask the platform team to install the group's policy",
			c.spec.Category.Group)
	} else {
		c.checkCategory()
	}
	c.checkPresence()
	c.checkStoreProof()
	c.checkRecordings()
	c.checkFilingLetter()
	c.checkPriorPlatforms()
	c.checkThresholds()
	c.checkMerchant()
	c.checkBrands()
	c.checkValidity()
	c.checkFileRefs()
	if len(c.findings) == 0 {
		return nil
	}
	Sort(c.findings)
	return c.findings
}

var (
	specPath      = field.NewPath("spec")
	categoryPath  = specPath.Child("category")
	merchantPath  = specPath.Child("merchant")
	materialsPath = specPath.Child("materials")
	notifyPath    = specPath.Child("notify")
)

// check is one evaluation: the input, what was derived from it, and the findings so far.
type check struct {
	in   Input
	spec *v1alpha1.CategoryApplicationSpec
	// req are the effective requirements (group's when level2 is unknown; empty without policy).
	req v1alpha1.Requirements
	// cat names the category in messages, e.g. "jewelry/gold".
	cat string
	now time.Time
	loc *time.Location
	// ends[i] is the instant material i stops being valid (start of the day after
	// validUntil); absent if it has no validUntil or it does not parse.
	ends     map[int]time.Time
	findings []v1alpha1.Finding
}

func newCheck(in Input) *check {
	c := &check{in: in, spec: &in.App.Spec, now: in.Now, loc: in.Location}
	if c.now.IsZero() {
		// A forgotten Now must not make expired documents look valid.
		c.now = time.Now()
	}
	if c.loc == nil {
		c.loc = calendar.Default().Location()
	}
	if in.Policy != nil {
		c.req, _ = Effective(in.Policy, c.spec.Category)
	}
	c.cat = c.spec.Category.Group + "/" + c.spec.Category.Level2
	c.ends = map[int]time.Time{}
	for i, m := range c.spec.Materials {
		if m.ValidUntil == nil {
			continue
		}
		if end, err := validityEnd(*m.ValidUntil, c.loc); err == nil {
			c.ends[i] = end
		}
	}
	return c
}

// add records a finding; the rule id is appended to the message so it reads on its own.
func (c *check) add(rule string, path *field.Path, format string, args ...any) {
	c.findings = append(c.findings, v1alpha1.Finding{
		Rule:    rule,
		Field:   path.String(),
		Message: sentence(rule, format, args...),
	})
}

func materialPath(i int) *field.Path { return materialsPath.Index(i) }

// has reports whether the application has a material of type t.
func (c *check) has(t v1alpha1.MaterialType) bool {
	for _, m := range c.spec.Materials {
		if m.Type == t {
			return true
		}
	}
	return false
}
