package celrules

import (
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// DefaultCacheSize is how many policies a zero Cache holds. There is one CategoryPolicy per
// restricted category group (tens), so this is never reached in practice; it only bounds memory
// if policies are created and deleted without Forget.
const DefaultCacheSize = 256

// Cache holds the compiled rules of each policy, so that reconciling an application does not
// recompile its policy's rules every time. It holds one entry per policy name: compiling a new
// generation replaces the older one. The zero value is ready to use and holds up to
// DefaultCacheSize policies; it is safe for concurrent use.
type Cache struct {
	// MaxPolicies bounds the number of entries (least recently used is evicted first). Zero
	// means DefaultCacheSize. Set it before first use.
	MaxPolicies int

	mu      sync.Mutex
	entries map[string]*cacheEntry
	clock   uint64
}

type cacheEntry struct {
	generation int64
	// rules are compared as well as the generation: a policy deleted and created again under
	// the same name starts over at generation 1, and objects built in tests may have none.
	rules    []v1alpha1.CustomRule
	program  *Program
	errs     field.ErrorList
	lastUsed uint64
}

// Get returns the compiled rules of the policy, compiling them when the cache has none for this
// name, generation and rules. Compile errors are cached too, so an invalid policy is not
// recompiled on every reconcile; like Compile, the Program is nil when there are errors.
// Callers must not modify the returned ErrorList's elements.
func (c *Cache) Get(policy *v1alpha1.CategoryPolicy) (*Program, field.ErrorList) {
	name, gen, rules := policy.Name, policy.Generation, policy.Spec.Rules

	c.mu.Lock()
	if e, ok := c.entries[name]; ok && e.generation == gen && slices.Equal(e.rules, rules) {
		c.clock++
		e.lastUsed = c.clock
		c.mu.Unlock()
		return e.program, slices.Clip(e.errs)
	}
	c.mu.Unlock()

	// Compile outside the lock: it takes milliseconds and other policies' lookups need not wait.
	// Two reconciles racing on a new generation may both compile; the results are equivalent.
	program, errs := Compile(rules)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*cacheEntry{}
	}
	// A concurrent Get may already have stored a newer generation: keep that one.
	if e, ok := c.entries[name]; !ok || e.generation <= gen {
		if !ok {
			c.evictFor(1)
		}
		c.clock++
		c.entries[name] = &cacheEntry{
			generation: gen,
			rules:      slices.Clone(rules),
			program:    program,
			errs:       errs,
			lastUsed:   c.clock,
		}
	}
	return program, slices.Clip(errs)
}

// Forget drops the entry of a policy, e.g. when it is deleted.
func (c *Cache) Forget(policyName string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, policyName)
}

// Len is the number of policies cached.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// evictFor removes least recently used entries until n more fit. c.mu must be held.
func (c *Cache) evictFor(n int) {
	limit := c.MaxPolicies
	if limit <= 0 {
		limit = DefaultCacheSize
	}
	for len(c.entries) > 0 && len(c.entries)+n > limit {
		var oldest string
		var oldestUse uint64
		first := true
		for name, e := range c.entries {
			if first || e.lastUsed < oldestUse {
				oldest, oldestUse, first = name, e.lastUsed, false
			}
		}
		delete(c.entries, oldest)
	}
}
