// Package describe is `kubectl category describe NAME`: everything a reviewer needs to decide
// one application, on one screen.
package describe

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/output"
)

// Options of `describe`.
type Options struct {
	genericiooptions.IOStreams
	Factory *factory.Factory

	Name   string
	Output string
	// Now is the clock; tests pin it.
	Now func() time.Time
}

// NewCmd returns the describe command.
func NewCmd(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	o := &Options{IOStreams: streams, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "describe NAME [-o json|yaml]",
		Short: "Show an application: merchant, category, materials, findings, decision and history",
		Long: `Show everything a reviewer needs to decide an application: the merchant, the category
with the names merchants see, the review deadline (and why, if it is provisional: counted
across days the operator's calendar does not cover yet), every material with its files and screen
recordings, declared prior-platform figures next to the screenshots that prove them, the
operator's findings, the decision and earlier rounds.

It ends with the command that approves what it showed: the generation and the materials
digest, which approve requires, so an edit or a replaced file after you looked is refused
rather than approved unseen (D17, D19).`,
		Example: `  kubectl category describe acme-gold -n shop-acme`,
		Args:    factory.OneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if err := output.Validate(o.Output); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: f.CompleteApplications(nil),
	}
	output.AddFlag(cmd, &o.Output)
	return cmd
}

// Run reads the application and its policy and prints them.
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
	if o.Output != "" {
		return output.Print(o.Out, o.Output, app)
	}
	v := View{App: app, Now: o.Now(), Calendar: o.Factory.Calendar(ctx, c, o.ErrOut), Flags: o.Factory.ConnectionFlags()}
	policy := &qualv1.CategoryPolicy{}
	switch err := c.Get(ctx, client.ObjectKey{Name: app.Spec.Category.Group}, policy); {
	case err == nil:
		v.Policy = policy
	case apierrors.IsNotFound(err):
		v.PolicyProblem = "no CategoryPolicy " + app.Spec.Category.Group
	default:
		v.PolicyProblem = "cannot read CategoryPolicy " + app.Spec.Category.Group + ": " + err.Error()
	}
	v.Reuse, v.ReuseProblem = reuseReport(ctx, c, app)
	return Render(o.Out, v)
}

// reuseReport reads the operator's FileReuseReport of the application (D34): none is no
// reuse; a reviewer without the permission is told what is missing.
func reuseReport(ctx context.Context, c client.Reader, app *qualv1.CategoryApplication) (*qualv1.FileReuseReport, string) {
	report := &qualv1.FileReuseReport{}
	err := c.Get(ctx, client.ObjectKey{Name: qualv1.FileReuseReportName(app.Namespace, app.Name)}, report)
	switch {
	case err == nil:
		return report, ""
	case apierrors.IsNotFound(err):
		return nil, ""
	case apierrors.IsForbidden(err):
		return nil, "not checked: you may not read filereusereports (the shipped reviewer roles may)"
	}
	return nil, "not checked: " + err.Error()
}
