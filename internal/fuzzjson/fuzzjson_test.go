package fuzzjson

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
)

func doc(t *testing.T, s string) any {
	var d any
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolve(t *testing.T) {
	g := NewWithT(t)
	d := doc(t, `{"spec":{"merchant":{"shopName":"x"},"materials":[{"files":[{"url":"u"}]},{"type":"A"}]}}`)
	for _, ok := range []string{"spec", "spec.merchant.shopName", "spec.materials[1]", "spec.materials[0].files[0].url",
		"spec.merchant.registeredCapitalCNY", "spec.materials[1].sealed"} {
		g.Expect(Resolve(d, ok)).To(Succeed(), ok)
	}
	for _, bad := range []string{"", "spec.materials[2]", "spec.materials[0].files[1]", "spec.nothing.shopName",
		"spec.merchant[0]", "spec.materials.type", "spec.merchant.shopName.x", "spec..x", "spec.materials[x]"} {
		g.Expect(Resolve(d, bad)).NotTo(Succeed(), bad)
	}
}

func TestMutateIsDeterministicAndChangesTheDocument(t *testing.T) {
	g := NewWithT(t)
	const src = `{"a":{"b":[1,2,3],"c":"x"},"d":true}`
	data := []byte{1, 0, 1, 0, 2, 0, 1, 1, 0, 7, 9, 9, 9}
	a := Mutate(doc(t, src), data, []string{"word"})
	b := Mutate(doc(t, src), data, []string{"word"})
	g.Expect(a).To(Equal(b))
	g.Expect(a).NotTo(Equal(doc(t, src)))
	g.Expect(Mutate(doc(t, src), nil, nil)).To(Equal(doc(t, src)), "no data, no change")
}
