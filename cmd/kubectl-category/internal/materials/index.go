package materials

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/escape"
)

// IndexFile is the name of the index written next to the files.
const IndexFile = "index.md"

// writeIndex renders the Markdown index: every reference, what was kept, its size, digest and
// content type, what the operator or the spec recorded for it, and how it was verified.
func writeIndex(w io.Writer, app *qualv1.CategoryApplication, items []*item, now time.Time, round, hint string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Materials of %s/%s, generation %d\n\n", app.Namespace, app.Name, app.Generation)
	fmt.Fprintf(&b, "Fetched %s by `kubectl category materials`. Phase %s. %s\n\n",
		now.UTC().Format(time.RFC3339), orNone(string(app.Status.Phase)), round)
	b.WriteString("Files kept here were verified before they were written; a file that failed is listed without a name. " +
		"Extensions come from the content, not from the merchant's names; `.bin` is content no viewer should open.\n\n")
	if hint != "" {
		b.WriteString(hint + "\n\n")
	}
	b.WriteString("| file | material | source | size (bytes) | sha256 | content | recorded for it | result |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, it := range items {
		content := it.content()
		size := ""
		if it.SHA256 != "" {
			size = fmt.Sprint(it.Size)
		}
		fmt.Fprintf(&b, "| %s | %d. %s %s | %s | %s | %s | %s | %s | %s |\n",
			cell(orDash(it.File)), it.Material, it.Type, it.Field, cell(it.source()), size, cell(it.SHA256),
			cell(content), cell(it.Recorded), cell(it.result()))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// result is the outcome of one file in a few words.
func (it *item) result() string {
	switch {
	case it.Problem != "":
		return "FAILED: " + it.Problem
	case it.Verified != "":
		return "verified: " + it.Verified
	}
	return "NOT VERIFIED: " + it.Recorded
}

// printSummary prints one line per file for the terminal; problems go to errOut, each naming
// the file.
func printSummary(out, errOut io.Writer, items []*item) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MATERIAL\tFILE\tSIZE\tCONTENT\tVERIFIED")
	for _, it := range items {
		verified := "FAILED (below)"
		switch {
		case it.Problem != "":
		case it.Verified != "":
			verified = "yes: " + it.Verified
		default:
			verified = "NO: " + it.Recorded
		}
		size, content := "-", "-"
		if it.File != "" {
			size, content = humanSize(it.Size), it.content()
		}
		fmt.Fprintf(tw, "%d. %s %s\t%s\t%s\t%s\t%s\n", it.Material, it.Type, it.Field, orDash(it.File), size, escape.Text(content), escape.Text(verified))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, it := range items {
		if it.Problem != "" {
			fmt.Fprintf(errOut, "%s: %s\n", escape.Text(it.label()), escape.Text(it.Problem))
		} else if it.WrongKind != "" {
			fmt.Fprintf(errOut, "%s: %s\n", escape.Text(it.label()), escape.Text(it.WrongKind))
		}
	}
	return nil
}

// content is the content type a file was saved by, with what its name says where that
// disagrees, and the D33 mark where it is not what its material needs.
func (it *item) content() string {
	content := it.ContentType
	if it.NameSays != "" {
		content += " (name says " + it.NameSays + ")"
	}
	if it.WrongKind != "" {
		content += " WRONG KIND (D33, below)"
	}
	return content
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// cell makes text safe inside a Markdown table cell: escaped (escape.Text), so a server's or a
// merchant's text cannot drive the reviewer's terminal or viewer nor break a line of the index,
// and with its pipes escaped.
func cell(s string) string {
	return strings.ReplaceAll(escape.Text(s), "|", `\|`)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
