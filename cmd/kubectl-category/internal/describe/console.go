package describe

import (
	"time"

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
