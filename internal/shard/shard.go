// Package shard splits the tenants' namespaces among several managers. A namespace carries a
// bucket label (qualv1.LabelBucket, "0".."buckets-1"); an admission policy copies it onto every
// application, listing and Secret made in that namespace; shard i of n owns the buckets b with
// b mod n == i and caches only objects labelled with them. A namespace is never split, so D1
// within a namespace, the Secrets an application references and its listing stay with one shard.
// Changing n changes which buckets a shard selects, never a label.
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// DefaultBuckets is the bucket count of a shipped install: enough for 64 shards, and a
// bucket's share of 10,000 namespaces (156) still balances within a few percent per shard.
const DefaultBuckets = 64

// Shards is one manager's place among the shards. The zero value and Count 1 mean unsharded:
// no selectors, every object cached, labels not needed.
type Shards struct {
	// Count is the number of shards, Index this manager's (0..Count-1), Buckets the number of
	// buckets namespaces are labelled with (fixed for the life of a cluster: the labels hold it).
	Count, Index, Buckets int
}

// Sharded reports whether the manager holds only a share of the namespaces.
func (s Shards) Sharded() bool { return s.Count > 1 }

// Validate checks the flags: 1 <= Count <= Buckets and 0 <= Index < Count.
func (s Shards) Validate() error {
	switch {
	case s.Buckets < 1:
		return fmt.Errorf("--shard-buckets %d: must be at least 1", s.Buckets)
	case s.Count < 1 || s.Count > s.Buckets:
		return fmt.Errorf("--shard-count %d: must be between 1 and --shard-buckets (%d)", s.Count, s.Buckets)
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("--shard-index %d: must be between 0 and --shard-count - 1 (%d)", s.Index, s.Count-1)
	}
	return nil
}

// Bucket is a namespace's bucket: the first four bytes of the SHA-256 of its name, big-endian,
// modulo buckets. A modulo of a well-mixed hash balances alike names (shop-0, shop-1, ...)
// where ranges of FNV do not (docs/sharding.md), and a platform computes the same in a shell:
// $(( 0x$(printf %s "$ns" | sha256sum | cut -c1-8) % 64 )).
func Bucket(namespace string, buckets int) int {
	sum := sha256.Sum256([]byte(namespace))
	return int(binary.BigEndian.Uint32(sum[:4]) % uint32(buckets))
}

// BucketLabel is Bucket as the label value.
func BucketLabel(namespace string, buckets int) string {
	return strconv.Itoa(Bucket(namespace, buckets))
}

// ValidBucket reports whether a label value names one of the buckets: "0".."buckets-1" in
// canonical form. Any other value (a typo, a bucket of a larger count) belongs to no shard.
func ValidBucket(value string, buckets int) bool {
	b, err := strconv.Atoi(value)
	return err == nil && b >= 0 && b < buckets && strconv.Itoa(b) == value
}

// Owns reports whether the shard owns bucket b.
func (s Shards) Owns(b int) bool { return !s.Sharded() || b%s.Count == s.Index }

// OwnedBuckets lists the shard's buckets as label values.
func (s Shards) OwnedBuckets() []string {
	var out []string
	for b := s.Index; b < s.Buckets; b += s.Count {
		out = append(out, strconv.Itoa(b))
	}
	return out
}

// Selector selects the objects of the shard's buckets; nil when unsharded (everything).
func (s Shards) Selector() labels.Selector {
	if !s.Sharded() {
		return nil
	}
	req, err := labels.NewRequirement(qualv1.LabelBucket, selection.In, s.OwnedBuckets())
	if err != nil { // only for values that are not label values: never for bucket numbers
		panic(err)
	}
	return labels.NewSelector().Add(*req)
}

// Unlabelled selects objects without a bucket label: the ones no shard sees.
func Unlabelled() labels.Selector {
	req, err := labels.NewRequirement(qualv1.LabelBucket, selection.DoesNotExist, nil)
	if err != nil {
		panic(err)
	}
	return labels.NewSelector().Add(*req)
}
