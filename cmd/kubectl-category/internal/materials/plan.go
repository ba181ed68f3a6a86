package materials

import (
	"fmt"
	"strings"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/internal/filekind"
)

// item is one file reference of the application, and what became of it.
type item struct {
	// Material is the 1-based position in spec.materials, as describe numbers them.
	Material int
	Type     qualv1.MaterialType
	// Field is the reference's path inside the material: files[0], recordings[1].
	Field string
	Ref   qualv1.FileRef
	// Base is the file name without extension: material position, type, kind and index.
	Base string

	// Results, filled by fetching.
	File        string // name written in the folder; "" when nothing was kept
	Size        int64
	SHA256      string // "sha256:<hex>" of the bytes read
	ContentType string
	NameSays    string // the name's extension where it disagrees with the content
	Recorded    string // what the operator (Secret) or the spec (URL) pinned for it
	Verified    string // how the bytes were verified; "" when they were not
	Problem     string // why the file was not fetched or not verified
	// WrongKind says, for a file that was read, that its content is not what its place in the
	// material needs (D33, internal/filekind): the operator's rule, applied to these bytes.
	WrongKind string
}

// checkKind applies D33 to the bytes read for the item (their first filekind.SniffLen do).
func (it *item) checkKind(head []byte) {
	recording := strings.HasPrefix(it.Field, "recordings")
	if msg := filekind.Problem(recording, filekind.Sniff(head), "the file"); msg != "" {
		it.WrongKind = msg + " (" + filekind.Rule + ")"
	}
}

// plan lists every file reference of the application's spec, in the order describe shows them.
func plan(app *qualv1.CategoryApplication) []*item {
	var out []*item
	for i, m := range app.Spec.Materials {
		for _, list := range []struct {
			kind string
			refs []qualv1.FileRef
		}{{"files", m.Files}, {"recordings", m.Recordings}} {
			for j, ref := range list.refs {
				kind := "file"
				if list.kind == "recordings" {
					kind = "recording"
				}
				out = append(out, &item{
					Material: i + 1, Type: m.Type, Field: fmt.Sprintf("%s[%d]", list.kind, j), Ref: ref,
					Base: fmt.Sprintf("%02d-%s-%s-%d", i+1, m.Type, kind, j+1),
				})
			}
		}
	}
	return out
}

// source renders where a file comes from.
func (it *item) source() string {
	if it.Ref.SecretKeyRef != nil {
		return fmt.Sprintf("secret %s, key %s", it.Ref.SecretKeyRef.Name, it.Ref.SecretKeyRef.Key)
	}
	return it.Ref.URL
}

// label is how messages name the file: its would-be name and its place in the spec.
func (it *item) label() string {
	return fmt.Sprintf("%s (%d. %s %s, %s)", it.Base, it.Material, it.Type, it.Field, it.source())
}

// recordedDigests are the Secret files' digests the operator recorded for the application's
// current round, by Secret name and key; nil when no round records the current generation.
func recordedDigests(app *qualv1.CategoryApplication) map[qualv1.SecretKeyReference]string {
	st := &app.Status
	if st.MaterialsDigest == "" || st.ObservedGeneration != app.Generation {
		return nil
	}
	out := make(map[qualv1.SecretKeyReference]string, len(st.SecretFiles))
	for _, f := range st.SecretFiles {
		out[qualv1.SecretKeyReference{Name: f.Name, Key: f.Key}] = f.SHA256
	}
	return out
}
