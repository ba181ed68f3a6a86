package controllers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/channelshop/category-operator/internal/requirements"
)

// secretWithKeys is a Secret of n keys k0000.., each of one byte.
func secretWithKeys(name string, n int) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}, Data: map[string][]byte{}}
	for i := range n {
		s.Data[fmt.Sprintf("k%04d", i)] = []byte{byte(i)}
	}
	return s
}

// secretsIn is a client holding objs, and a digest cache that reads Secrets from it as JSON
// (as the API server serves them), counting the reads.
func secretsIn(objs ...client.Object) (client.Client, *digestCache, *int) {
	c := fake.NewClientBuilder().WithObjects(objs...).Build()
	reads := new(int)
	return c, newDigestCache(func(ctx context.Context, key types.NamespacedName) (io.ReadCloser, error) {
		*reads++
		s := &corev1.Secret{}
		if err := c.Get(ctx, key, s); err != nil {
			return nil, err
		}
		raw, err := json.Marshal(s)
		return io.NopCloser(bytes.NewReader(raw)), err
	}), reads
}

var (
	appA = types.NamespacedName{Namespace: "shop", Name: "a"}
	appB = types.NamespacedName{Namespace: "shop", Name: "b"}
	big  = types.NamespacedName{Namespace: "shop", Name: "big"}
)

// TestDigestsOnlyReferencedKeys: of a Secret of 5,000 keys, the cache holds the digests of the
// referenced keys, the key count, and names only when a referenced key is missing, bounded.
func TestDigestsOnlyReferencedKeys(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	c, d, reads := secretsIn(secretWithKeys("big", 5000))

	d.use(appA, secretKeyRefs{big: {"k0042", "k4999"}})
	r, err := d.of(ctx, c, big, []string{"k0042", "k4999"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(r.sums).To(HaveLen(2))
	g.Expect(r.sums["k0042"]).To(HavePrefix("sha256:"))
	g.Expect(r.count).To(Equal(5000))
	g.Expect(r.names).To(BeEmpty(), "no key is missing: no names are kept")
	g.Expect(r.keys().Has("k0042")).To(BeTrue())

	// Once per resourceVersion; a key asked for the first time is a new read.
	_, err = d.of(ctx, c, big, []string{"k0042", "k4999"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*reads).To(Equal(1))
	d.use(appA, secretKeyRefs{big: {"k0042", "absent"}})
	r, err = d.of(ctx, c, big, []string{"k0042", "absent"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(*reads).To(Equal(2))
	g.Expect(r.sums).To(Equal(map[string]string{"k0042": r.sums["k0042"], "absent": missingFile}), "k4999 is no longer referenced")
	g.Expect(r.keys().Has("absent")).To(BeFalse())
	g.Expect(r.names).To(HaveLen(requirements.MaxKeysNamed))
	g.Expect(r.names[:2]).To(Equal([]string{"k0000", "k0001"}))

	// A change of the Secret is read again.
	sec := &corev1.Secret{}
	g.Expect(c.Get(ctx, big, sec)).To(Succeed())
	sec.Data["k0042"] = []byte("new")
	g.Expect(c.Update(ctx, sec)).To(Succeed())
	before := r.sums["k0042"]
	r, err = d.of(ctx, c, big, []string{"k0042", "absent"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(r.sums["k0042"]).NotTo(Equal(before))
}

// scan is scanSecret of a Secret with data, as the API server serves it.
func scan(t *testing.T, data map[string][]byte, keys ...string) *secretRead {
	t.Helper()
	raw, err := json.Marshal(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", ResourceVersion: "7"}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	rv, r, err := scanSecret(bytes.NewReader(raw), keys)
	if err != nil {
		t.Fatal(err)
	}
	if rv != "7" {
		t.Fatalf("resourceVersion %q", rv)
	}
	return r
}

func sha(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestScanSecret: the digests of the keys asked for, as decoding the whole Secret gives them,
// whatever else the Secret holds; the key count; the first names only when a key is missing.
func TestScanSecret(t *testing.T) {
	for _, c := range []struct {
		name  string
		data  map[string][]byte
		keys  []string
		sums  map[string]string
		count int
		names []string
	}{
		{"no data", nil, []string{"a"}, map[string]string{"a": missingFile}, 0, nil},
		{"empty value", map[string][]byte{"a": {}}, []string{"a"}, map[string]string{"a": sha("")}, 1, nil},
		{"only the keys asked", map[string][]byte{"a": []byte("1"), "b": []byte("2"), "c": []byte("3")}, []string{"c", "a"},
			map[string]string{"a": sha("1"), "c": sha("3")}, 3, nil},
		{"a key missing: names", map[string][]byte{"z": []byte("1"), "b": []byte("2")}, []string{"b", "x"},
			map[string]string{"b": sha("2"), "x": missingFile}, 2, []string{"b", "z"}},
		{"a large value", map[string][]byte{"v": []byte(strings.Repeat("x", 1<<20))}, []string{"v"},
			map[string]string{"v": sha(strings.Repeat("x", 1<<20))}, 1, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			r := scan(t, c.data, c.keys...)
			g.Expect(r.sums).To(Equal(c.sums))
			g.Expect(r.count).To(Equal(c.count))
			g.Expect(r.names).To(Equal(c.names))
		})
	}
	// Field order and fields the scan does not know do not matter; malformed JSON is an error.
	rv, r, err := scanSecret(strings.NewReader(`{"data":{"a":"MQ==","b":null},"type":"Opaque","metadata":{"resourceVersion":"9","managedFields":[{"f":{"a":{}}}]}}`), []string{"a", "b"})
	g := NewWithT(t)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rv).To(Equal("9"))
	g.Expect(r.sums).To(Equal(map[string]string{"a": sha("1"), "b": sha("")}))
	for _, bad := range []string{`{"data":{"a":{"b":"c"}}}`, `{"data":["a"]}`, `{"data":{"a":"MQ=="`, `[]`} {
		_, _, err := scanSecret(strings.NewReader(bad), []string{"x"})
		g.Expect(err).To(HaveOccurred(), bad)
	}
}

// The first names are the smallest keys, at most requirements.MaxKeysNamed of them and at
// most maxNamedBytes: 253-byte keys are few.
func TestKeyNamesBounded(t *testing.T) {
	g := NewWithT(t)
	data := map[string][]byte{}
	for i := range 1000 {
		data[fmt.Sprintf("k%04d", 999-i)] = nil
	}
	r := scan(t, data, "absent")
	g.Expect(r.count).To(Equal(1000))
	g.Expect(r.names).To(HaveLen(requirements.MaxKeysNamed))
	g.Expect(r.names[:2]).To(Equal([]string{"k0000", "k0001"}))

	data = map[string][]byte{}
	for i := range 100 {
		data[fmt.Sprintf("%03d%s", i, strings.Repeat("k", 250))] = nil
	}
	r = scan(t, data, "absent")
	g.Expect(r.names).To(HaveLen(maxNamedBytes / 253))
	g.Expect(r.names[0]).To(HavePrefix("000"))
}

// TestDigestsReleased: what an application referenced is dropped once no application
// references it, key by key and Secret by Secret, and when the application is deleted.
func TestDigestsReleased(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	other := types.NamespacedName{Namespace: "shop", Name: "other"}
	c, d, _ := secretsIn(secretWithKeys("big", 10), secretWithKeys("other", 10))
	read := func(app types.NamespacedName, refs secretKeyRefs) {
		d.use(app, refs)
		for key, keys := range refs {
			_, err := d.of(ctx, c, key, keys)
			g.Expect(err).NotTo(HaveOccurred())
		}
	}
	read(appA, secretKeyRefs{big: {"k0001"}, other: {"k0001"}})
	read(appB, secretKeyRefs{big: {"k0002"}})
	g.Expect(d.secrets[big].read.sums).To(HaveLen(2), "both applications' keys")

	read(appA, secretKeyRefs{big: {"k0001"}}) // A no longer references other
	g.Expect(d.secrets).NotTo(HaveKey(other))
	d.release(appA) // A is deleted: its key of big goes, big stays for B
	g.Expect(d.secrets[big].read.sums).To(HaveLen(1))
	g.Expect(d.secrets[big].read.sums).To(HaveKey("k0002"))
	d.release(appB)
	g.Expect(d.secrets).To(BeEmpty())
	g.Expect(d.apps).To(BeEmpty())

	// A read that finishes after its Secret was released is not kept.
	d.use(appA, secretKeyRefs{big: {"k0001"}})
	e := d.secrets[big]
	d.release(appA)
	d.store(big, e, "1", &secretRead{})
	g.Expect(d.secrets).To(BeEmpty())
}
