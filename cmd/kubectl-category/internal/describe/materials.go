package describe

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// needsRecording are the material kinds the guide wants screen-recorded (D12): saying
// "<none>" there tells a reviewer what is missing at a glance.
var needsRecording = map[qualv1.MaterialType]bool{
	qualv1.MaterialQualificationProof: true, qualv1.MaterialSellingReputation: true, qualv1.MaterialSalesFlow: true,
}

// pins are the Secret files' digests recorded for the current round and for the round of the
// last decision, so a reviewer sees what changed since (D17, D19).
type pins struct {
	now, decided map[string]string
	// round: a review round records the current content (status.materialsDigest is set).
	round, hasDecided bool
	// checks mark reused files and expiring documents (D34, D35).
	checks checks
}

func newPins(st *qualv1.CategoryApplicationStatus) pins {
	index := func(fs []qualv1.SecretFileDigest) map[string]string {
		m := make(map[string]string, len(fs))
		for _, f := range fs {
			m[f.Name+"\x00"+f.Key] = f.SHA256
		}
		return m
	}
	p := pins{now: index(st.SecretFiles), round: st.MaterialsDigest != ""}
	if st.DecidedSecretFiles != nil {
		p.decided, p.hasDecided = index(st.DecidedSecretFiles), true
	}
	return p
}

// of says how a reviewer can verify a file, the bytes `kubectl category materials` checks: a
// Secret file by the digest the operator recorded for this round (marked when it changed since
// the last decision), a URL file by the sha256 its reference pins. Describe cannot know what a
// reviewer fetched on their own machine, so it says how, not whether.
func (p pins) of(f qualv1.FileRef) string {
	if f.SecretKeyRef == nil {
		return " (pinned by its sha256)"
	}
	key := f.SecretKeyRef.Name + "\x00" + f.SecretKeyRef.Key
	sum, ok := p.now[key]
	switch {
	case !p.round:
		return " (not pinned: no review round records this generation)"
	case !ok:
		return " (not pinned in this round)"
	case sum == "missing":
		return " (missing from the Secret when this round began)"
	}
	out := " " + shortDigest(sum) + " (pinned by the operator for this round"
	if p.hasDecided {
		switch before, was := p.decided[key]; {
		case !was:
			out += "; new since the last decision"
		case before != sum:
			out += "; CHANGED since the last decision"
		}
	}
	return out + ")"
}

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12] + "…"
	}
	return d
}

func materials(w *writer, ms []qualv1.Material, p pins) {
	w.field(0, "Materials", "%d", len(ms))
	for i, m := range ms {
		if attrs := attributes(m); len(attrs) > 0 {
			w.line(1, "%d. %s: %s", i+1, m.Type, strings.Join(attrs, ", "))
		} else {
			w.line(1, "%d. %s", i+1, m.Type)
		}
		if warn := p.checks.expiry(i); warn != "" {
			w.line(2, "%s", warn)
		}
		if m.Type == qualv1.MaterialPriorPlatform {
			priorPlatform(w, m, p)
			continue
		}
		for _, e := range evidence(m, p) {
			w.line(2, "%s", e)
		}
	}
}

// attributes are the declared facts of a material, in the order a reviewer checks them.
func attributes(m qualv1.Material) []string {
	var out []string
	add := func(ok bool, format string, a ...any) {
		if ok {
			out = append(out, fmt.Sprintf(format, a...))
		}
	}
	add(m.Subject != "", "subject %q", m.Subject)
	if m.Sealed != nil {
		add(*m.Sealed, "sealed")
		add(!*m.Sealed, "NOT sealed")
	}
	add(m.ValidUntil != nil, "valid until %s", deref(m.ValidUntil))
	add(m.Platform != "", "%s", m.Platform)
	add(m.Account != "", "account %s", m.Account)
	add(m.Store != "", "store: %s", m.Store)
	add(m.Brand != "", "brand %s", m.Brand)
	add(m.TrademarkNumber != "", "trademark No. %s", m.TrademarkNumber)
	add(m.TrademarkClass != nil, "class %d", deref(m.TrademarkClass))
	add(m.Owner != "", "owner %q", m.Owner)
	if m.AuthorizationLevel != nil {
		out = append(out, authorization(*m.AuthorizationLevel))
	}
	return out
}

func authorization(level int32) string {
	switch level {
	case 0:
		return "trademark owner"
	case 1:
		return "first-level distributor"
	}
	return fmt.Sprintf("level-%d distributor", level)
}

// evidence lists the files and recordings, one per line.
func evidence(m qualv1.Material, p pins) []string {
	var out []string
	for _, f := range m.Files {
		out = append(out, "file: "+FileRef(f)+p.of(f)+p.checks.reuse(p.digestOf(f)))
	}
	for _, f := range m.Recordings {
		out = append(out, "recording: "+FileRef(f)+p.of(f)+p.checks.reuse(p.digestOf(f)))
	}
	if len(m.Recordings) == 0 && needsRecording[m.Type] {
		out = append(out, "recording: <none>")
	}
	return out
}

// declaredFigures are a prior-platform material's declared figures (D27), newest month first.
func declaredFigures(m qualv1.Material) []string {
	var declared []string
	for i, s := range m.MonthlySalesCNY {
		label := fmt.Sprintf("sales, month -%d", i+1)
		if i == 0 {
			label += " (newest)"
		}
		declared = append(declared, fmt.Sprintf("%s: %s", label, cny(s)))
	}
	for _, s := range []struct {
		name string
		q    *resource.Quantity
		ok   bool
	}{
		{"reputation score", m.ReputationScore, m.ReputationScore != nil},
		{"quality score", m.QualityScore, m.QualityScore != nil},
		{"service score", m.ServiceScore, m.ServiceScore != nil},
	} {
		if s.ok {
			declared = append(declared, s.name+": "+score(s.q))
		}
	}
	return declared
}

// priorPlatform puts the declared figures (D27) next to the screenshots and recordings that
// must show them, so a reviewer compares them line by line.
func priorPlatform(w *writer, m qualv1.Material, p pins) {
	declared := declaredFigures(m)
	if len(declared) == 0 {
		declared = []string{"<no figures declared>"}
	}
	proof := evidence(m, p)
	w.line(2, "DECLARED\tEVIDENCE")
	for i := 0; i < max(len(declared), len(proof)); i++ {
		if i < len(proof) {
			w.line(2, "%s\t%s", at(declared, i), proof[i])
		} else {
			w.line(2, "%s", declared[i]) // evidence comes first, so the columns stay aligned
		}
	}
	w.flush()
}

// FileRef renders a file reference: a Secret's key, or an https URL with its digest (D19).
func FileRef(f qualv1.FileRef) string {
	if f.SecretKeyRef != nil {
		return fmt.Sprintf("secret %s, key %s", f.SecretKeyRef.Name, f.SecretKeyRef.Key)
	}
	return fmt.Sprintf("%s sha256:%s", f.URL, f.SHA256)
}

// score prints a declared score as the merchant wrote it: 4.8, not 4800m or 4.800.
func score(q *resource.Quantity) string {
	s := q.AsDec().String()
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s
}
