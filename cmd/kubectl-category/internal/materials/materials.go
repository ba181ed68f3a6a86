// Package materials is `kubectl category materials NAME`: fetches every file of an
// application's current round into a folder, verifies each against what was pinned for the
// round, and writes an index, so a reviewer sees the bytes they decide on.
package materials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/describe"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/internal/filekind"
)

// Options of `materials`.
type Options struct {
	genericiooptions.IOStreams
	Factory *factory.Factory

	Name      string
	OutputDir string
	// AllowPrivate lets URL files come from private networks (RFC 1918, CGNAT, unique local).
	AllowPrivate bool
	// AllowLoopback (hidden, for tests) lets URL files come from loopback addresses.
	AllowLoopback bool
	// URLCAFile (hidden, for tests) adds a PEM CA bundle to the system's for URL files.
	URLCAFile   string
	MaxSizeFlag string
	MaxSize     int64
	Timeout     time.Duration
	// Now is the clock; tests pin it.
	Now func() time.Time
}

// NewCmd returns the materials command.
func NewCmd(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	o := &Options{IOStreams: streams, Factory: f, MaxSizeFlag: "512Mi", Timeout: 5 * time.Minute, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "materials NAME [--output-dir DIR]",
		Short: "Fetch and verify every file of an application's current round into a folder",
		Long: `Fetch every file of an application's current round into a folder (default: NAME-generation-N),
one file per reference, named by material position, type and index, with an extension taken
from the content (never from the merchant's names; .bin for anything a viewer should not open),
and write index.md listing each file with its material, size, sha256 and what was recorded for it.

Secret files are read with your own credentials and kept only if their sha256 is the digest the
operator recorded for the round (status.secretFiles); reading them needs the opt-in ClusterRole
category-reviewer-materials bound in the application's namespace. URL files are downloaded over
https (no proxy, redirects only to the same host, --max-size, --download-timeout) and kept only if
their sha256 is the one the spec pins. Link-local, cloud-metadata, unspecified, multicast and
reserved addresses are always refused; private networks unless --allow-private.

Nothing is opened, rendered or executed. A file that fails is named on stderr, the others are
still fetched, and the command exits non-zero.`,
		Example: `  kubectl category materials acme-gold -n shop-acme
  kubectl category materials acme-gold -n shop-acme --output-dir ~/reviews/acme-gold`,
		Args: factory.OneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: f.CompleteApplications(nil),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.OutputDir, "output-dir", "", "Folder to write the files to; must not exist or be empty (default NAME-generation-N).")
	fl.BoolVar(&o.AllowPrivate, "allow-private", false, "Allow URL files on private networks (RFC 1918, CGNAT, unique-local IPv6).")
	fl.StringVar(&o.MaxSizeFlag, "max-size", o.MaxSizeFlag, "Largest URL file to download, as a quantity (512Mi, 2Gi).")
	fl.DurationVar(&o.Timeout, "download-timeout", o.Timeout, "Longest time to download one URL file.")
	fl.BoolVar(&o.AllowLoopback, "allow-loopback", false, "Allow URL files on loopback addresses (tests).")
	fl.StringVar(&o.URLCAFile, "url-ca-file", "", "PEM CA certificates trusted for URL files, besides the system's (tests).")
	_ = fl.MarkHidden("allow-loopback")
	_ = fl.MarkHidden("url-ca-file")
	return cmd
}

// Validate checks the flags.
func (o *Options) Validate() error {
	q, err := resource.ParseQuantity(o.MaxSizeFlag)
	if err != nil || q.Sign() <= 0 {
		return fmt.Errorf("--max-size %q: must be a positive quantity such as 512Mi", o.MaxSizeFlag)
	}
	o.MaxSize = q.Value()
	if o.Timeout <= 0 {
		return fmt.Errorf("--download-timeout %s: must be positive", o.Timeout)
	}
	return nil
}

// Run fetches, verifies and writes every file, then the index; any file that failed makes it
// return an error after the others were fetched.
func (o *Options) Run(ctx context.Context) error {
	c, err := o.Factory.Client()
	if err != nil {
		return err
	}
	ns, err := o.Factory.Namespace()
	if err != nil {
		return err
	}
	app := &qualv1.CategoryApplication{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: o.Name}, app); err != nil {
		return err
	}
	dir := o.OutputDir
	if dir == "" {
		dir = fmt.Sprintf("%s-generation-%d", app.Name, app.Generation)
	}
	if err := newFolder(dir); err != nil {
		return err
	}
	items := plan(app)
	recorded := recordedDigests(app)
	round := fmt.Sprintf("Review round of generation %d, materials digest %s: Secret files are compared with the digests the operator recorded for it (status.secretFiles); URL files with the sha256 the spec pins.",
		app.Generation, app.Status.MaterialsDigest)
	if recorded == nil {
		round = fmt.Sprintf("No review round records generation %d (phase %s; or the operator has not processed it yet): "+
			"Secret files are kept as they are now, NOT verified; URL files are compared with the sha256 the spec pins.", app.Generation, orNone(string(app.Status.Phase)))
		fmt.Fprintf(o.ErrOut, "Warning: %s/%s: %s\n", ns, app.Name, round)
	}

	hint := ""
	if o.fetchSecretFiles(ctx, c, ns, dir, items, recorded) {
		hint = grantHint(ns)
	}
	if err := o.fetchURLFiles(ctx, dir, items); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, IndexFile), func(w io.Writer) error {
		return writeIndex(w, app, items, o.Now(), round, hint)
	}); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "Materials of %s/%s, generation %d, in %s (index: %s)\n", ns, app.Name, app.Generation, dir, IndexFile)
	if err := printSummary(o.Out, o.ErrOut, items); err != nil {
		return err
	}
	if hint != "" {
		fmt.Fprintln(o.ErrOut, hint)
	}
	failed, unverified, wrongKind := 0, 0, 0
	for _, it := range items {
		switch {
		case it.Problem != "":
			failed++
		case it.Verified == "":
			unverified++
		}
		if it.Problem == "" && it.WrongKind != "" {
			wrongKind++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files were not fetched and verified; see above and %s", failed, len(items), filepath.Join(dir, IndexFile))
	}
	if wrongKind > 0 {
		return fmt.Errorf("%d of %d files are not what their material needs (%s); see above and %s", wrongKind, len(items), filekind.Rule, filepath.Join(dir, IndexFile))
	}
	if unverified == 0 {
		if next := describe.NextCommand(app, o.Factory.ConnectionFlags()); next != "" {
			fmt.Fprintf(o.Out, "Every file is the one recorded for this round. To decide: %s\n", next)
		}
	}
	return nil
}

// fetchURLFiles downloads the URL files one after another.
func (o *Options) fetchURLFiles(ctx context.Context, dir string, items []*item) error {
	var urls []*item
	for _, it := range items {
		if it.Ref.SecretKeyRef == nil {
			urls = append(urls, it)
		}
	}
	if len(urls) == 0 {
		return nil
	}
	roots, err := loadRoots(o.URLCAFile)
	if err != nil {
		return fmt.Errorf("--url-ca-file: %w", err)
	}
	hc := newHTTPClient(addressPolicy{allowPrivate: o.AllowPrivate, allowLoopback: o.AllowLoopback}, roots)
	for _, it := range urls {
		o.download(ctx, hc, dir, it)
	}
	return nil
}

// newFolder creates dir, or accepts it when it exists and is empty: files of an earlier run
// would be mistaken for this one's.
func newFolder(dir string) error {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o755); err != nil {
		return err
	}
	err := os.Mkdir(dir, 0o700)
	if err == nil || !errors.Is(err, os.ErrExist) {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s already exists and is not empty: remove it or choose another --output-dir", dir)
	}
	return nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
