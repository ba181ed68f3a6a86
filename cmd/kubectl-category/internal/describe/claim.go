package describe

// claim shows who is reviewing the round (D30): while the claim stands, only they may approve
// or reject. Nothing is printed when nobody claimed it.
func claim(w *writer, v View) {
	c := v.App.Status.Claim
	if c == nil {
		return
	}
	w.field(0, "Claimed by", "%s until %s (generation %d; until then only they may approve or reject)",
		c.Reviewer, v.time(c.ExpiresAt.Time), c.Generation)
}
