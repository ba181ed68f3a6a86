package shard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/onsi/gomega"
)

// spread counts names per bucket and per shard of n.
func spread(names []string, buckets, n int) (perBucket, perShard []int) {
	perBucket, perShard = make([]int, buckets), make([]int, n)
	for _, ns := range names {
		b := Bucket(ns, buckets)
		perBucket[b]++
		perShard[b%n]++
	}
	return perBucket, perShard
}

// Tenants' namespaces are alike (shop-0, shop-1, ...) or random: both balance as a uniform
// random choice would, every bucket and every shard within 4 standard deviations of its share
// (for 10,000 names: a bucket 156 +- 50, each of 8 shards 1,250 +- 132). Range splits of FNV
// gave 100 to 1,100 per sixteenth (625) for shop-0..shop-9999 (docs/sharding.md).
func TestBucketsBalance(t *testing.T) {
	alike := make([]string, 10000)
	random := make([]string, 10000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range alike {
		alike[i] = fmt.Sprintf("shop-%d", i)
		random[i] = fmt.Sprintf("merchant-%08x", r.Uint32())
	}
	for name, names := range map[string][]string{"shop-N": alike, "random": random} {
		for _, n := range []int{2, 3, 4, 8} {
			t.Run(fmt.Sprintf("%s/%d shards", name, n), func(t *testing.T) {
				g := NewWithT(t)
				perBucket, perShard := spread(names, DefaultBuckets, n)
				total := float64(len(names))
				p := 1.0 / DefaultBuckets
				for b, c := range perBucket {
					g.Expect(float64(c)).To(BeNumerically("~", total*p, 4*math.Sqrt(total*p*(1-p))), "bucket %d: %v", b, perBucket)
				}
				for i, c := range perShard {
					p := float64(len(Shards{Count: n, Index: i, Buckets: DefaultBuckets}.OwnedBuckets())) / DefaultBuckets
					g.Expect(float64(c)).To(BeNumerically("~", total*p, 4*math.Sqrt(total*p*(1-p))), "shard %d of %d: %v", i, n, perShard)
				}
				t.Logf("buckets %d..%d, shards %v", slices.Min(perBucket), slices.Max(perBucket), perShard)
			})
		}
	}
}

// Every bucket has exactly one owner, whatever the count: changing it moves buckets between
// shards and never leaves one out.
func TestEveryBucketHasOneOwner(t *testing.T) {
	g := NewWithT(t)
	for n := 1; n <= DefaultBuckets; n++ {
		owners := map[string]int{}
		for i := range n {
			for _, b := range (Shards{Count: n, Index: i, Buckets: DefaultBuckets}).OwnedBuckets() {
				owners[b]++
			}
		}
		g.Expect(owners).To(HaveLen(DefaultBuckets), "%d shards", n)
		for b, c := range owners {
			g.Expect(c).To(Equal(1), "bucket %s with %d shards", b, n)
		}
	}
}

func TestShardsValidateAndSelect(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Shards{Count: 1, Buckets: 64}.Selector()).To(BeNil(), "one shard selects nothing: labels are not needed")
	g.Expect(Shards{Count: 3, Index: 1, Buckets: 8}.Selector().String()).To(Equal("qualification.channelshop.dev/bucket in (1,4,7)"))
	g.Expect(Unlabelled().String()).To(Equal("!qualification.channelshop.dev/bucket"))
	for _, bad := range []Shards{{Count: 0, Buckets: 64}, {Count: 65, Buckets: 64}, {Count: 2, Index: 2, Buckets: 64}, {Count: 2, Index: -1, Buckets: 64}, {Count: 1}} {
		g.Expect(bad.Validate()).To(HaveOccurred(), "%+v", bad)
	}
	g.Expect(Shards{Count: 64, Index: 63, Buckets: 64}.Validate()).To(Succeed())
	for v, ok := range map[string]bool{"0": true, "63": true, "64": false, "-1": false, "07": false, "x": false, "": false} {
		g.Expect(ValidBucket(v, 64)).To(Equal(ok), "%q", v)
	}
	// The shell formula in Bucket's comment gives the same.
	g.Expect(Bucket("shop-acme", 64)).To(Equal(int(0xce1fdc9a % 64)))
}
