package manager

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// The table's bound, in bytes: a value first seen once it is full is cached as decoded. The
// fields interned take their values from the API's enums, the operator's own condition and
// finding texts, and names a shop reuses (namespace, Secret names and keys), so a cluster's
// values fit many times over; the bound keeps a stream of distinct values (deadlines in
// messages, merchants' annotation keys, finding messages of up to 2 KiB) from growing it
// forever. Each value counts its length plus internEntryBytes, what its map entry costs, so
// that whatever the values' lengths a full table holds about maxInternedBytes of live heap
// (measured: 3.1 to 4.0 MiB, TestInternTableIsBoundedInBytes) and at most maxInterned values.
const (
	maxInternedBytes = 4 << 20
	// internEntryBytes is an entry's share of the map: its slot (two string headers, 32 bytes)
	// and the spare capacity the map keeps as it grows (a full table of short values measured
	// up to 100 bytes an entry).
	internEntryBytes = 96
	maxInterned      = maxInternedBytes / internEntryBytes
)

// interner holds one copy of each string value that many cached applications repeat. Every
// decoded object carries its own copy of "RequirementsMet", its namespace, its Secret's name
// ten times over; at 10,000 applications those copies are about a fifth of the cache.
type interner struct {
	mu sync.Mutex
	m  map[string]string
	// bytes is what the table holds, counted as maxInternedBytes says.
	bytes int
}

func newInterner() *interner { return &interner{m: map[string]string{}} }

// str interns *s; the caller holds t.mu.
func (t *interner) str(s *string) {
	if *s == "" {
		return
	}
	if v, ok := t.m[*s]; ok {
		*s = v
	} else if cost := len(*s) + internEntryBytes; t.bytes+cost <= maxInternedBytes {
		t.m[*s] = *s
		t.bytes += cost
	}
}

// str interns a string-typed enum field (Phase, Verdict, MaterialType ...).
func str[S ~string](t *interner, s *S) {
	v := string(*s)
	t.str(&v)
	*s = S(v)
}

// application interns the fields of a cached application whose values repeat across
// applications; what identifies one merchant or one file (names, AppIDs, subjects, URLs,
// digests) is left as decoded.
func (t *interner) application(app *qualv1.CategoryApplication) {
	t.mu.Lock() // once per object: the informers of several kinds share the table
	defer t.mu.Unlock()
	t.meta(&app.ObjectMeta)
	sp := &app.Spec
	str(t, &sp.Merchant.ShopType)
	str(t, &sp.Merchant.EntityType)
	str(t, &sp.Channel)
	t.str(&sp.Category.Group)
	t.str(&sp.Category.Level2)
	t.str(&sp.Category.Level3)
	for i := range sp.Materials {
		m := &sp.Materials[i]
		str(t, &m.Type)
		str(t, &m.Platform)
		str(t, &m.Store)
		t.files(m.Files)
		t.files(m.Recordings)
	}
	for i := range sp.Notify {
		t.str(&sp.Notify[i].SecretRef.Name)
	}
	st := &app.Status
	str(t, &st.Phase)
	t.conditions(st.Conditions)
	for i := range st.Findings {
		t.str(&st.Findings[i].Rule)
		t.str(&st.Findings[i].Field)
		t.str(&st.Findings[i].Message)
	}
	t.secretFiles(st.SecretFiles)
	t.secretFiles(st.DecidedSecretFiles)
	t.decision(st.Decision)
	for i := range st.History {
		t.decision(st.History[i].Decision)
	}
	for i := range st.Notifications {
		n := &st.Notifications[i]
		str(t, &n.Event)
		t.str(&n.Sink)
		str(t, &n.State)
		t.str(&n.Reason)
		t.str(&n.Message)
		t.str(&n.Title)
		t.str(&n.Guidance)
	}
}

func (t *interner) meta(m *metav1.ObjectMeta) {
	t.str(&m.Namespace)
	if len(m.Annotations) > 0 {
		a := make(map[string]string, len(m.Annotations))
		for k, v := range m.Annotations {
			t.str(&k)
			a[k] = v
		}
		m.Annotations = a
	}
}

func (t *interner) files(fs []qualv1.FileRef) {
	for i := range fs {
		if r := fs[i].SecretKeyRef; r != nil {
			t.str(&r.Name)
			t.str(&r.Key)
		}
	}
}

func (t *interner) secretFiles(fs []qualv1.SecretFileDigest) {
	for i := range fs {
		t.str(&fs[i].Name)
		t.str(&fs[i].Key)
	}
}

func (t *interner) decision(d *qualv1.Decision) {
	if d != nil {
		str(t, &d.Verdict)
		t.str(&d.Reason)
		// A rejection's title and guidance are copied from a policy's few rejection reasons (D32).
		t.str(&d.Title)
		t.str(&d.Guidance)
	}
}

func (t *interner) conditions(cs []metav1.Condition) {
	for i := range cs {
		t.str(&cs[i].Type)
		str(t, &cs[i].Status)
		t.str(&cs[i].Reason)
		t.str(&cs[i].Message)
	}
}
