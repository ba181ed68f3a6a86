// Package decide is `kubectl category approve|reject|withdraw`. The three verbs share one
// write, internal/decision: status.decision = {verdict, reason, message, generation}, through
// the status subresource, guarded by the resourceVersion read, so a decision is only ever made
// on the generation of the spec the reviewer looked at (D17). Who decided and when are
// recorded by the API server's webhook from the authenticated request (D16), never sent by us.
package decide

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/internal/decision"
)

// Resource is how the result line names applications, like kubectl does.
const Resource = "categoryapplication.qualification.channelshop.dev"

// Options of approve, reject and withdraw.
type Options struct {
	genericiooptions.IOStreams
	Factory *factory.Factory

	Verdict qualv1.Verdict
	Name    string
	// Namespace, if set, is the application's namespace instead of the flags' (-n): the
	// console decides applications of many namespaces with one set of flags.
	Namespace string
	Reason    string
	Message   string
	// Generation is the generation the reviewer looked at (--generation); 0 means the one
	// read just before writing, which an approval may not leave out (decision.Named).
	Generation int64
	// MaterialsDigest is the round's materials digest the reviewer looked at
	// (--materials-digest); empty means the one read just before writing (not for approve).
	MaterialsDigest string
	// BeforeWrite, if set, runs between reading the application and writing the decision:
	// a seam for tests to change the application in that window.
	BeforeWrite func(ctx context.Context) error
}

func newCmd(streams genericiooptions.IOStreams, f *factory.Factory, verdict qualv1.Verdict, cmd *cobra.Command) *cobra.Command {
	o := &Options{IOStreams: streams, Factory: f, Verdict: verdict}
	cmd.Args = factory.OneName
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		o.Name = args[0]
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
	cmd.ValidArgsFunction = f.CompleteApplications(candidate(verdict))
	fl := cmd.Flags()
	fl.StringVar(&o.Message, "message", "", "Explanation for the merchant.")
	if verdict != qualv1.VerdictApproved {
		fl.StringVar(&o.Reason, "reason", "", "CamelCase reason automation can match on, e.g. FilingLetterUnreadable (required).")
		fl.Lookup("message").Usage = "Explanation for the merchant: what to fix (required)."
	}
	if verdict == qualv1.VerdictRejected {
		fl.Lookup("reason").Usage = "A code of the rejection reasons of the application's category policy, e.g. FilingLetterUnsealed; " +
			"the merchant reads its title and guidance with your message (D32). A policy without rejection reasons takes any CamelCase reason (required)."
		_ = cmd.RegisterFlagCompletionFunc("reason", f.CompleteRejectionReasons)
	}
	fl.Int64Var(&o.Generation, "generation", 0, "The generation you reviewed (shown by describe); refuse if the application changed since.")
	fl.StringVar(&o.MaterialsDigest, "materials-digest", "", "The materials digest you reviewed (shown by describe); refuse if a file in a Secret changed since.")
	if verdict == qualv1.VerdictApproved {
		fl.Lookup("generation").Usage += " Required."
		fl.Lookup("materials-digest").Usage += " Required."
	}
	// No completion from the cluster for these: a value completed from what is current now
	// would approve what nobody looked at. Nor file names.
	for _, name := range []string{"generation", "materials-digest"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

// candidate narrows name completion to applications the verb can apply to.
func candidate(v qualv1.Verdict) func(*qualv1.CategoryApplication) bool {
	if v == qualv1.VerdictWithdrawn {
		return func(app *qualv1.CategoryApplication) bool {
			return app.Status.Phase == qualv1.PhaseApproved || decision.Listed(app)
		}
	}
	return func(app *qualv1.CategoryApplication) bool { return app.Status.Phase == qualv1.PhaseUnderReview }
}

// Validate checks the flags locally, before anything is read or written.
func (o *Options) Validate() error {
	if o.Generation < 0 {
		return fmt.Errorf("--generation must be positive")
	}
	if o.MaterialsDigest != "" && o.Generation == 0 {
		return fmt.Errorf("--materials-digest needs --generation: both come from what describe showed")
	}
	if o.Verdict == qualv1.VerdictApproved {
		if err := validateMessage(o.Message, false); err != nil {
			return err
		}
		return o.named()
	}
	if err := ValidateReason(o.Reason); err != nil {
		return err
	}
	return validateMessage(o.Message, true)
}

// named refuses an approval that does not name what the reviewer saw (decision.Named), with
// the describe command, in the user's namespace and connection flags, that shows both.
func (o *Options) named() error {
	if decision.Named(qualv1.Decision{Verdict: o.Verdict, Generation: o.Generation, MaterialsDigest: o.MaterialsDigest}) == nil {
		return nil
	}
	var missing []string
	if o.Generation == 0 {
		missing = append(missing, "--generation")
	}
	if o.MaterialsDigest == "" {
		missing = append(missing, "--materials-digest")
	}
	ns, err := o.namespace()
	if err != nil {
		return err
	}
	return fmt.Errorf("approve needs %s: an approval names the generation and the materials digest of what you looked at (D17, D19); "+
		"see them with\n  %s\nwhich ends with the command that approves what it shows", strings.Join(missing, " and "), o.Factory.Command("describe", o.Name, ns))
}

// Run reads the application, refuses locally what the server would refuse, and writes the
// decision through internal/decision; on a conflict (someone wrote meanwhile) it reads again
// and re-checks.
func (o *Options) Run(ctx context.Context) error {
	c, err := o.Factory.Client()
	if err != nil {
		return err
	}
	ns, err := o.namespace()
	if err != nil {
		return err
	}
	app, seen, err := decision.Write(ctx, c, decision.Request{
		Key: client.ObjectKey{Namespace: ns, Name: o.Name}, Verdict: o.Verdict, Reason: o.Reason,
		Message: strings.TrimSpace(o.Message), Generation: o.Generation, MaterialsDigest: o.MaterialsDigest, BeforeWrite: o.BeforeWrite,
	})
	var refusal *decision.Refusal
	if errors.As(err, &refusal) && refusal.LookAgain {
		// The message ends with the describe command: make it the one this user can run.
		if flags := o.Factory.ConnectionFlags(); len(flags) > 0 {
			// Wrapped, so a caller (the console) still sees the refusal.
			return fmt.Errorf("%w %s", refusal, factory.Words(flags...))
		}
	}
	if err != nil {
		return err // server refusals are returned as they are: they are written for reviewers
	}
	fmt.Fprintf(o.Out, "%s/%s %s (generation %d)\n", Resource, app.Name, decision.PastTense(o.Verdict), seen)
	return nil
}

func (o *Options) namespace() (string, error) {
	if o.Namespace != "" {
		return o.Namespace, nil
	}
	return o.Factory.Namespace()
}
