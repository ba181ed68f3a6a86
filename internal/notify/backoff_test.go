package notify

import (
	"math"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func TestBackoff(t *testing.T) {
	g := NewWithT(t)
	want := map[int32]time.Duration{
		math.MinInt32: 0,
		-1:            0,
		0:             0,
		1:             5 * time.Second,
		2:             10 * time.Second,
		3:             20 * time.Second,
		4:             40 * time.Second,
		5:             80 * time.Second,
		6:             160 * time.Second,
		7:             320 * time.Second,
		8:             10 * time.Minute, // 640s capped
		9:             10 * time.Minute,
		64:            10 * time.Minute, // no overflow
		math.MaxInt32: 10 * time.Minute,
	}
	for attempts, d := range want {
		g.Expect(Backoff(attempts)).To(Equal(d), "attempts=%d", attempts)
		g.Expect(Backoff(attempts)).To(Equal(Backoff(attempts)), "deterministic")
	}
}

func TestMask(t *testing.T) {
	cases := []struct {
		msg     string
		secrets []string
		want    string
	}{
		{"token abc and abc again", []string{"abc"}, "token *** and *** again"},
		{"nothing to hide", []string{"", "zzz"}, "nothing to hide"},
		{"no secrets", nil, "no secrets"},
		// The longer secret goes first, so no tail of it survives.
		{"GET /h?key=abcd-1234", []string{"abcd", "key=abcd-1234"}, "GET /h?***"},
		{"a-b a", []string{"a", "a-b"}, "*** ***"},
	}
	for _, c := range cases {
		NewWithT(t).Expect(Mask(c.msg, c.secrets...)).To(Equal(c.want), c.msg)
	}
}
