package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/channelshop/category-operator/api/v1alpha1"
)

// APIVersion and Kind identify the generic payload's schema. Fields are only ever added to a
// version; a rename or removal makes a new version. The payload has its own types rather than
// the CRD's so that an API change does not silently change what receivers get.
const (
	APIVersion = "qualification.channelshop.dev/v1alpha1"
	Kind       = "Notification"
)

// Notification is the generic-format payload. Send sets APIVersion and Kind. Times are encoded
// RFC 3339 in UTC, to the second (metav1.Time); a zero OccurredAt is encoded as null.
type Notification struct {
	APIVersion  string                     `json:"apiVersion"`
	Kind        string                     `json:"kind"`
	Event       v1alpha1.NotificationEvent `json:"event"`
	Application ApplicationRef             `json:"application"`
	// Generation is the spec generation the event is about.
	Generation int64                     `json:"generation"`
	Phase      v1alpha1.ApplicationPhase `json:"phase,omitempty"`
	Category   Category                  `json:"category"`
	ShopName   string                    `json:"shopName"`
	AppID      string                    `json:"appID"`
	Reason     string                    `json:"reason,omitempty"`
	// Title and Guidance are those of a rejection's reason in the policy's catalogue: what
	// the problem is, and what to fix (D32).
	Title    string `json:"title,omitempty"`
	Guidance string `json:"guidance,omitempty"`
	Message  string `json:"message,omitempty"`
	// Deadline is the review deadline, when there is one.
	Deadline *metav1.Time `json:"deadline,omitempty"`
	// Listing is the ShowcaseListing of an approval, when there is one.
	Listing *ListingRef `json:"listing,omitempty"`
	// OccurredAt is when the event happened (the ledger's createdAt): the same for every retry.
	OccurredAt metav1.Time `json:"occurredAt"`
}

// ApplicationRef identifies the CategoryApplication.
type ApplicationRef struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid"`
}

// Category is the category applied for.
type Category struct {
	Group  string `json:"group"`
	Level2 string `json:"level2"`
	Level3 string `json:"level3,omitempty"`
}

func (c Category) String() string {
	return v1alpha1.CategoryRef{Group: c.Group, Level2: c.Level2, Level3: c.Level3}.String()
}

// ListingRef names the ShowcaseListing.
type ListingRef struct {
	Name string `json:"name"`
}

// idempotencyKeyPrefix versions the derivation: change it if the derivation ever changes.
const idempotencyKeyPrefix = "catapp-notify-v1-"

// IdempotencyKey is the Idempotency-Key header for one event of one generation of one application
// to one sink: "catapp-notify-v1-" followed by the hex SHA-256 of uid, generation (decimal),
// event and sink joined by NUL bytes (none of them can contain NUL). It depends on nothing else,
// so every retry, in any process, after any restart, sends the same key, and receivers can
// deduplicate on it.
func IdempotencyKey(uid types.UID, generation int64, event v1alpha1.NotificationEvent, sink string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", uid, generation, event, sink))
	return idempotencyKeyPrefix + hex.EncodeToString(sum[:])
}

// RecordIdempotencyKey is the Idempotency-Key of one record of application uid's ledger
// (status.notifications): IdempotencyKey with the record's sink field extended, NUL-joined,
// by what else tells its occurrence apart. A record of a round pinned to a materials digest
// adds the digest, so the second round of one generation is not taken for a retry of the
// first; a numbered record (seq > 0) adds the digest (maybe empty) and its seq, so an event
// that happens again is not taken for a retry of its earlier occurrence. Records stored
// before either keep the key they were first sent with, so a retry after an upgrade is still
// recognised as one.
func RecordIdempotencyKey(uid types.UID, rec *v1alpha1.NotificationRecord) string {
	sink := rec.Sink
	switch {
	case rec.Seq > 0:
		sink += "\x00" + rec.MaterialsDigest + "\x00" + strconv.FormatInt(rec.Seq, 10)
	case rec.MaterialsDigest != "":
		sink += "\x00" + rec.MaterialsDigest
	}
	return IdempotencyKey(uid, rec.Generation, rec.Event, sink)
}

// WeComMaxContentBytes is WeCom's limit on a markdown message's content, in UTF-8 bytes.
const WeComMaxContentBytes = 4096

type weComMessage struct {
	MsgType  string        `json:"msgtype"`
	Markdown weComMarkdown `json:"markdown"`
}

type weComMarkdown struct {
	Content string `json:"content"`
}

// eventTitles are the headlines of WeCom messages, Chinese first as on the platform.
var eventTitles = map[v1alpha1.NotificationEvent]string{
	v1alpha1.EventSubmitted:          "资质申请已提交审核 / Application submitted for review",
	v1alpha1.EventApproved:           "资质申请已通过 / Application approved",
	v1alpha1.EventRejected:           "资质申请被驳回 / Application rejected",
	v1alpha1.EventRequirementsNotMet: "资质材料不满足要求 / Requirements not met",
	v1alpha1.EventReviewOverdue:      "审核已超时 / Review overdue",
	v1alpha1.EventListed:             "类目已开通展示 / Category listed",
	v1alpha1.EventListingSuspended:   "类目展示已暂停 / Listing suspended",
	v1alpha1.EventListingExpired:     "类目展示已到期 / Listing expired",
	v1alpha1.EventPolicyNoncompliant: "不再符合类目政策 / No longer compliant with the category policy",
	v1alpha1.EventWithdrawn:          "资质审核通过已撤回 / Approval withdrawn",
}

// inline neutralises the markdown that could do harm in a value someone else chose (a shop name
// in the reviewers' group): no line breaks (a line break could start a fake heading or quote),
// and full-width look-alikes for the characters of links ([..](..)) and tags (<@userid> mentions
// everyone, <font>). Everything else is shown as typed.
var inline = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "<", "＜", ">", "＞", "[", "［", "]", "］")

// weComBody renders the markdown message. The message comes last so that truncation to
// WeComMaxContentBytes only ever shortens it.
func weComBody(n Notification) ([]byte, error) {
	title, ok := eventTitles[n.Event]
	if !ok {
		title = string(n.Event)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n", inline.Replace(title))
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "> %s: %s\n", label, inline.Replace(value))
		}
	}
	shop := n.ShopName
	if n.AppID != "" {
		shop += " (" + n.AppID + ")"
	}
	line("店铺 Shop", shop)
	line("类目 Category", n.Category.String())
	line("申请 Application", fmt.Sprintf("%s/%s (generation %d)", n.Application.Namespace, n.Application.Name, n.Generation))
	line("状态 Phase", string(n.Phase))
	if n.Deadline != nil {
		line("审核截止 Deadline", n.Deadline.UTC().Format("2006-01-02 15:04 MST"))
	}
	if n.Listing != nil {
		line("展示 Listing", n.Listing.Name)
	}
	line("原因 Reason", n.Reason)
	line("问题 Problem", n.Title)
	line("如何修改 What to fix", n.Guidance)
	if n.Message != "" {
		// Keep the message's lines, each inside the quote block.
		lines := strings.Split(strings.ReplaceAll(n.Message, "\r\n", "\n"), "\n")
		for i, l := range lines {
			lines[i] = inline.Replace(l)
		}
		fmt.Fprintf(&b, "> 说明 Message: %s\n", strings.Join(lines, "\n> "))
	}
	content := truncate(strings.ToValidUTF8(strings.TrimRight(b.String(), "\n"), "\uFFFD"), WeComMaxContentBytes)
	return json.Marshal(weComMessage{MsgType: "markdown", Markdown: weComMarkdown{Content: content}})
}

// truncate cuts s to at most max bytes at a rune boundary, ending with "…" when it cut.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	if max <= 0 {
		return ""
	}
	if max < len(ellipsis) {
		return s[:runeStart(s, max)]
	}
	return s[:runeStart(s, max-len(ellipsis))] + ellipsis
}

// runeStart is the greatest rune boundary of s at or before i (0 <= i < len(s)).
func runeStart(s string, i int) int {
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}
