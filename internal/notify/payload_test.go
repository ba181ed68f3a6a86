package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// fullNotification sets every field; times are whole seconds in UTC, as they come back.
func fullNotification() Notification {
	deadline := metav1.NewTime(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
	return Notification{
		Event:       v1alpha1.EventApproved,
		Application: ApplicationRef{Namespace: "shop-acme", Name: "jewelry-gold", UID: "0b7c6a52-6d1e-4f1a-9c1e-2f0d3b9a1c11"},
		Generation:  3,
		Phase:       v1alpha1.PhaseApproved,
		Category:    Category{Group: "jewelry", Level2: "gold", Level3: "ring"},
		ShopName:    "acme旗舰店",
		AppID:       "wx0123456789abcdef",
		Reason:      "Approved",
		Message:     "资质齐全 / all materials in order",
		Deadline:    &deadline,
		Listing:     &ListingRef{Name: "jewelry-gold-wx0123456789abcdef"},
		OccurredAt:  metav1.NewTime(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)),
	}
}

func TestIdempotencyKeyIsTheDocumentedDerivation(t *testing.T) {
	g := NewWithT(t)
	sum := sha256.Sum256([]byte("uid-1\x003\x00Approved\x00secret/acme"))
	g.Expect(IdempotencyKey("uid-1", 3, v1alpha1.EventApproved, "secret/acme")).
		To(Equal("catapp-notify-v1-" + hex.EncodeToString(sum[:])))
}

func TestIdempotencyKeyDiffersPerField(t *testing.T) {
	g := NewWithT(t)
	keys := map[string]string{}
	add := func(what, key string) {
		g.Expect(keys).NotTo(HaveKey(key), what)
		keys[key] = what
	}
	add("base", IdempotencyKey("uid-1", 3, v1alpha1.EventApproved, "secret/acme"))
	add("uid", IdempotencyKey("uid-2", 3, v1alpha1.EventApproved, "secret/acme"))
	add("generation", IdempotencyKey("uid-1", 4, v1alpha1.EventApproved, "secret/acme"))
	add("event", IdempotencyKey("uid-1", 3, v1alpha1.EventListed, "secret/acme"))
	add("sink", IdempotencyKey("uid-1", 3, v1alpha1.EventApproved, "reviewers"))
	// The separator keeps field boundaries: "uid-1"+"3" is not "uid-13"+"".
	add("boundary", IdempotencyKey("uid-13", 3, v1alpha1.EventApproved, "secret/acme"))
	g.Expect(IdempotencyKey("uid-1", 3, v1alpha1.EventApproved, "secret/acme")).To(Equal(IdempotencyKey("uid-1", 3, v1alpha1.EventApproved, "secret/acme")))
}

func decodeWeCom(t *testing.T, body []byte) string {
	t.Helper()
	var m struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	NewWithT(t).Expect(json.Unmarshal(body, &m)).To(Succeed())
	NewWithT(t).Expect(m.MsgType).To(Equal("markdown"))
	return m.Markdown.Content
}

func TestWeComBodySummarises(t *testing.T) {
	g := NewWithT(t)
	body, err := weComBody(fullNotification())
	g.Expect(err).NotTo(HaveOccurred())
	content := decodeWeCom(t, body)
	for _, want := range []string{"已通过", "approved", "acme旗舰店", "wx0123456789abcdef", "jewelry/gold/ring",
		"shop-acme/jewelry-gold", "generation 3", "Approved", "资质齐全 / all materials in order",
		"2026-03-09 10:00 UTC", "jewelry-gold-wx0123456789abcdef"} {
		g.Expect(content).To(ContainSubstring(want))
	}
}

func TestWeComBodyTruncatesTheMessageAtARuneBoundary(t *testing.T) {
	g := NewWithT(t)
	n := fullNotification()
	n.Message = strings.Repeat("审", 3000) // 9000 bytes
	body, err := weComBody(n)
	g.Expect(err).NotTo(HaveOccurred())
	content := decodeWeCom(t, body)
	g.Expect(len(content)).To(BeNumerically("<=", WeComMaxContentBytes))
	g.Expect(len(content)).To(BeNumerically(">", WeComMaxContentBytes-8))
	g.Expect(utf8.ValidString(content)).To(BeTrue())
	g.Expect(content).To(HaveSuffix("审…"))
	g.Expect(content).To(HavePrefix("**资质申请已通过"))
	g.Expect(content).To(ContainSubstring("acme旗舰店"))
}

func TestWeComBodyNeutralisesMarkup(t *testing.T) {
	g := NewWithT(t)
	n := fullNotification()
	n.ShopName = "evil\n# <@all> [click](https://phish.example)"
	n.Message = "line one\n<font color=\"warning\">two</font>"
	body, err := weComBody(n)
	g.Expect(err).NotTo(HaveOccurred())
	content := decodeWeCom(t, body)
	g.Expect(content).NotTo(ContainSubstring("<@all>"))
	g.Expect(content).NotTo(ContainSubstring("](https://"))
	g.Expect(content).NotTo(ContainSubstring("<font"))
	for _, l := range strings.Split(content, "\n")[1:] {
		g.Expect(l).To(HavePrefix("> "), "every line after the title stays in the quote block")
	}
	g.Expect(content).To(ContainSubstring("＜@all＞"), "shown, not interpreted")
}

func TestTruncate(t *testing.T) {
	g := NewWithT(t)
	g.Expect(truncate("short", 10)).To(Equal("short"))
	g.Expect(truncate("abcdefghij", 6)).To(Equal("abc…"))
	g.Expect(truncate("审审审审", 7)).To(Equal("审…")) // 3+3 bytes; a half rune is never kept
	g.Expect(truncate("审审审审", 2)).To(Equal(""))
	g.Expect(truncate("abc", 0)).To(Equal(""))
}

// TestRecordIdempotencyKey: one key per occurrence of an event (round, seq), the same for every
// retry of it; a record stored before rounds or seq existed keeps the key it was sent with.
func TestRecordIdempotencyKey(t *testing.T) {
	g := NewWithT(t)
	rec := func(digest string, seq int64) *v1alpha1.NotificationRecord {
		return &v1alpha1.NotificationRecord{Event: v1alpha1.EventSubmitted, Generation: 3, Sink: "secret/acme", MaterialsDigest: digest, Seq: seq}
	}
	g.Expect(RecordIdempotencyKey("uid-1", rec("", 0))).To(Equal(IdempotencyKey("uid-1", 3, v1alpha1.EventSubmitted, "secret/acme")))
	g.Expect(RecordIdempotencyKey("uid-1", rec("sha256:d1", 0))).To(Equal(IdempotencyKey("uid-1", 3, v1alpha1.EventSubmitted, "secret/acme\x00sha256:d1")))
	seen := map[string]bool{}
	for _, r := range []*v1alpha1.NotificationRecord{rec("", 0), rec("sha256:d1", 0), rec("", 1), rec("", 2), rec("sha256:d1", 1), rec("sha256:d1", 2)} {
		k := RecordIdempotencyKey("uid-1", r)
		g.Expect(seen).NotTo(HaveKey(k), "%+v", r)
		seen[k] = true
		g.Expect(RecordIdempotencyKey("uid-1", r)).To(Equal(k), "every retry sends the same key")
	}
}
