package describe

import (
	"context"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
)

// What the reviewers' console shows in the words describe prints, so the two never disagree.

// Attributes are a material's declared facts, in the order a reviewer checks them.
func Attributes(m qualv1.Material) []string { return attributes(m) }

// DeclaredFigures are a prior-platform material's declared figures (D27).
func DeclaredFigures(m qualv1.Material) []string { return declaredFigures(m) }

// DecisionText renders a decision: verdict, generation, reviewer, time, reason and message.
func (v View) DecisionText(d *qualv1.Decision) string { return v.decision(d) }

// Time renders a time in the calendar's zone.
func (v View) Time(t time.Time) string { return v.time(t) }

// ReuseReport reads the application's FileReuseReport as describe does (D34): nil and ""
// when there is none; nil and what is missing when it cannot be read.
func ReuseReport(ctx context.Context, c client.Reader, app *qualv1.CategoryApplication) (*qualv1.FileReuseReport, string) {
	return reuseReport(ctx, c, app)
}

// Evidence marks reused files and expiring documents (D34, D35) in describe's words; build it
// once per view (v.Reuse, v.Policy, v.Now and v.Calendar set).
type Evidence struct {
	pins pins
}

// Evidence of the view.
func (v View) Evidence() Evidence {
	p := newPins(&v.App.Status)
	p.checks = newChecks(v)
	return Evidence{pins: p}
}

// Reused names the applications of other merchants that hold file f too; "" when none do.
func (e Evidence) Reused(f qualv1.FileRef) string {
	return strings.TrimSpace(e.pins.checks.reuse(e.pins.digestOf(f)))
}

// Expiry warns of material i (0-based) expiring within the policy's window; "" otherwise.
func (e Evidence) Expiry(i int) string { return e.pins.checks.expiry(i) }
