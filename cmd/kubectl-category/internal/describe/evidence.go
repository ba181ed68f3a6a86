package describe

import (
	"fmt"
	"strings"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/requirements"
)

// checks are what the operator and the policy say of the evidence beyond the findings, shown
// next to the files and materials they concern: files other merchants' applications hold too
// (D34), and documents about to expire (D35).
type checks struct {
	// reused are the report's files by digest; nil when there is no report.
	reused map[string]qualv1.ReusedFile
	// expiring are the materials within the policy's warning window, by index.
	expiring map[int]requirements.ExpiringMaterial
	window   int
}

func newChecks(v View) checks {
	c := checks{window: requirements.ExpiryWarningDays(v.Policy), expiring: map[int]requirements.ExpiringMaterial{}}
	if v.Reuse != nil {
		c.reused = make(map[string]qualv1.ReusedFile, len(v.Reuse.Files))
		for _, f := range v.Reuse.Files {
			c.reused[f.SHA256] = f
		}
	}
	var loc *time.Location // the engine's zone, unless the operator's calendar names one
	if v.Calendar != nil {
		loc = v.Calendar.Location()
	}
	for _, e := range requirements.Expiring(v.App, v.Policy, v.Now, loc) {
		c.expiring[e.Index] = e
	}
	return c
}

// expiry warns of material i expiring within the window (D35); "" when it does not.
func (c checks) expiry(i int) string {
	e, ok := c.expiring[i]
	if !ok {
		return ""
	}
	when := fmt.Sprintf("in %d days", e.DaysLeft)
	switch e.DaysLeft {
	case 0:
		when = "at the end of today"
	case 1:
		when = "in 1 day"
	}
	return fmt.Sprintf("WARNING: expires %s (validUntil %s), within the policy's %d-day warning window (D35)", when, e.ValidUntil, c.window)
}

// reuse marks a file whose digest applications of other AppIDs hold too, naming them (D34).
func (c checks) reuse(digest string) string {
	f, ok := c.reused[digest]
	if !ok || digest == "" {
		return ""
	}
	names := make([]string, 0, len(f.Applications))
	for _, a := range f.Applications {
		names = append(names, fmt.Sprintf("%s/%s (AppID %s)", a.Namespace, a.Name, a.AppID))
	}
	out := " REUSED by other merchants (D34): " + strings.Join(names, ", ")
	if more := int(f.Total) - len(names); more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}

// digestOf is a file's sha256 as the report names it: recorded for the round (Secret file) or
// pinned in the spec (URL file); "" when none is known.
func (p pins) digestOf(f qualv1.FileRef) string {
	if f.SecretKeyRef == nil {
		if f.SHA256 == "" {
			return ""
		}
		return "sha256:" + f.SHA256
	}
	return p.now[f.SecretKeyRef.Name+"\x00"+f.SecretKeyRef.Key]
}
