package celrules

import (
	"slices"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

func policy(name string, generation int64, rules ...v1alpha1.CustomRule) *v1alpha1.CategoryPolicy {
	return &v1alpha1.CategoryPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Generation: generation},
		Spec:       v1alpha1.CategoryPolicySpec{Rules: rules},
	}
}

func TestCacheReusesTheProgramOfTheSameGeneration(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	shop := rule("shop", "object.spec.merchant.shopName.contains('Flagship')")

	p1, errs := c.Get(policy("jewelry", 1, shop))
	g.Expect(errs).To(BeEmpty())
	g.Expect(p1.Len()).To(Equal(1))

	p2, errs := c.Get(policy("jewelry", 1, shop))
	g.Expect(errs).To(BeEmpty())
	g.Expect(p2).To(BeIdenticalTo(p1))
	g.Expect(c.Len()).To(Equal(1))
}

func TestCacheRecompilesANewGenerationAndDropsTheOld(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	p1, _ := c.Get(policy("jewelry", 1, rule("shop", "object.spec.merchant.shopName.contains('Flagship')")))
	g.Expect(p1.Evaluate(newApp())).To(BeEmpty())

	p2, errs := c.Get(policy("jewelry", 2, rule("shop", "object.spec.merchant.shopName.contains('Official')")))
	g.Expect(errs).To(BeEmpty())
	g.Expect(p2).NotTo(BeIdenticalTo(p1))
	g.Expect(p2.Evaluate(newApp())).To(HaveLen(1))
	g.Expect(c.Len()).To(Equal(1))

	// Generation 2 stays cached.
	p3, _ := c.Get(policy("jewelry", 2, rule("shop", "object.spec.merchant.shopName.contains('Official')")))
	g.Expect(p3).To(BeIdenticalTo(p2))
}

func TestCacheRecompilesWhenRulesChangeUnderTheSameGeneration(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	// A policy deleted and created again under the same name starts over at generation 1.
	p1, _ := c.Get(policy("jewelry", 1, rule("a", "true")))
	p2, _ := c.Get(policy("jewelry", 1, rule("a", "false")))
	g.Expect(p2).NotTo(BeIdenticalTo(p1))
	g.Expect(p2.Evaluate(newApp())).To(HaveLen(1))
}

func TestCacheDoesNotAliasTheCallersRules(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	pol := policy("jewelry", 1, rule("a", "true"))
	p1, _ := c.Get(pol)
	pol.Spec.Rules[0].Expression = "false" // the caller's object changes (e.g. an informer update)
	p2, _ := c.Get(pol)
	g.Expect(p2).NotTo(BeIdenticalTo(p1))
	g.Expect(p2.Evaluate(newApp())).To(HaveLen(1))
}

func TestCacheKeepsCompileErrors(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	bad := policy("jewelry", 1, rule("a", "object.spec.merchnat.shopName == 'x'"))
	p, errs := c.Get(bad)
	g.Expect(p).To(BeNil())
	g.Expect(errs).To(HaveLen(1))
	g.Expect(errs[0].Field).To(Equal("spec.rules[0].expression"))

	_, again := c.Get(bad)
	g.Expect(again).To(HaveLen(1))
	g.Expect(again[0]).To(BeIdenticalTo(errs[0])) // not recompiled
	// Appending to the returned list must not write into the cached one.
	_ = append(again, errs[0])
	_, third := c.Get(bad)
	g.Expect(third).To(HaveLen(1))

	fixed, errs := c.Get(policy("jewelry", 2, rule("a", "object.spec.merchant.shopName == 'x'")))
	g.Expect(errs).To(BeEmpty())
	g.Expect(fixed.Len()).To(Equal(1))
}

func TestCacheKeepsTheNewerGeneration(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	newer, _ := c.Get(policy("jewelry", 5, rule("a", "true")))
	// A reconcile working from a stale informer copy still gets its own rules compiled...
	older, errs := c.Get(policy("jewelry", 4, rule("a", "false")))
	g.Expect(errs).To(BeEmpty())
	g.Expect(older.Evaluate(newApp())).To(HaveLen(1))
	// ...but does not push the newer generation out.
	again, _ := c.Get(policy("jewelry", 5, rule("a", "true")))
	g.Expect(again).To(BeIdenticalTo(newer))
}

func TestCacheIsBounded(t *testing.T) {
	g := NewWithT(t)
	c := Cache{MaxPolicies: 2}
	a, _ := c.Get(policy("a", 1, rule("r", "true")))
	b, _ := c.Get(policy("b", 1, rule("r", "true")))
	g.Expect(c.Get(policy("a", 1, rule("r", "true")))).To(BeIdenticalTo(a)) // a is now more recent than b
	_, _ = c.Get(policy("c", 1, rule("r", "true")))
	g.Expect(c.Len()).To(Equal(2))

	g.Expect(c.Get(policy("a", 1, rule("r", "true")))).To(BeIdenticalTo(a))
	bAgain, _ := c.Get(policy("b", 1, rule("r", "true")))
	g.Expect(bAgain).NotTo(BeIdenticalTo(b)) // b was least recently used, so evicted and recompiled
	g.Expect(c.Len()).To(Equal(2))

	var zero Cache
	for i := range DefaultCacheSize + 10 {
		_, _ = zero.Get(policy("p"+string(rune('a'+i%26))+string(rune('a'+i/26)), 1))
	}
	g.Expect(zero.Len()).To(Equal(DefaultCacheSize))
}

func TestCacheForget(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	p1, _ := c.Get(policy("jewelry", 1, rule("a", "true")))
	c.Forget("jewelry")
	g.Expect(c.Len()).To(Equal(0))
	p2, _ := c.Get(policy("jewelry", 1, rule("a", "true")))
	g.Expect(p2).NotTo(BeIdenticalTo(p1))
}

// Run with -race to make this meaningful.
func TestCacheConcurrentUse(t *testing.T) {
	g := NewWithT(t)
	var c Cache
	names := []string{"jewelry", "alcohol", "calligraphy"}
	var wg sync.WaitGroup
	programs := make([]*Program, 24)
	for i := range programs {
		wg.Go(func() {
			p, errs := c.Get(policy(names[i%3], 1, rule("shop", "object.spec.merchant.shopName.contains('Flagship')")))
			if len(errs) == 0 && len(p.Evaluate(newApp())) == 0 {
				programs[i] = p
			}
		})
	}
	wg.Wait()
	g.Expect(slices.Contains(programs, nil)).To(BeFalse())
	g.Expect(c.Len()).To(Equal(3))
}
