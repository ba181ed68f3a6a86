// Package queue is `kubectl category queue`: what waits for a reviewer, soonest deadline
// first, with the working days left; or, with --noncompliant, approvals the policy no longer
// supports (D29).
package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/output"
)

// Options of `queue`.
type Options struct {
	genericiooptions.IOStreams
	Factory *factory.Factory

	AllNamespaces bool
	Filter        Filter
	Output        string
	// Now is the clock; tests pin it.
	Now func() time.Time
}

// NewCmd returns the queue command.
func NewCmd(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	o := &Options{IOStreams: streams, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "queue [-A] [--group GROUP] [--overdue] [--mine | --unclaimed] [--noncompliant] [-o json|yaml]",
		Short: "List applications waiting for a decision, soonest deadline first",
		Long: `List applications under review, soonest review deadline first, with the working days
left (holidays and make-up days from the operator's calendar). Overdue ones say OVERDUE and
how many working days late they are. A deadline marked (provisional) was counted across days
the calendar does not cover yet, and may move when it does (describe says why). CLAIM
names the reviewer working on it and until when (D30, "kubectl category claim"); --mine lists
only your claims, --unclaimed only applications nobody claimed.

With --noncompliant, list instead approved applications that no longer meet their policy
after it changed (D29): candidates for "kubectl category withdraw".

-o json|yaml prints the applications themselves, in queue order, as a CategoryApplicationList.`,
		Example: `  kubectl category queue -A
  kubectl category queue --group jewelry --overdue
  kubectl category queue -A --unclaimed
  kubectl category queue -A --noncompliant`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List applications in all namespaces.")
	cmd.Flags().StringVar(&o.Filter.Group, "group", "", "Only this category group (a CategoryPolicy name), e.g. jewelry.")
	cmd.Flags().BoolVar(&o.Filter.Overdue, "overdue", false, "Only applications past their review deadline.")
	cmd.Flags().BoolVar(&o.Filter.Mine, "mine", false, "Only applications you claimed (D30).")
	cmd.Flags().BoolVar(&o.Filter.Unclaimed, "unclaimed", false, "Only applications nobody claimed (D30).")
	cmd.Flags().BoolVar(&o.Filter.Noncompliant, "noncompliant", false, "List approved applications that no longer comply with their policy (D29) instead.")
	output.AddFlag(cmd, &o.Output)
	_ = cmd.RegisterFlagCompletionFunc("group", f.CompleteGroups)
	return cmd
}

// Validate checks the flags before anything is read.
func (o *Options) Validate() error {
	if o.Filter.Overdue && o.Filter.Noncompliant {
		return fmt.Errorf("--overdue and --noncompliant cannot be combined: approved applications have no deadline")
	}
	if o.Filter.Mine && o.Filter.Unclaimed {
		return fmt.Errorf("--mine and --unclaimed cannot be combined")
	}
	if o.Filter.Noncompliant && (o.Filter.Mine || o.Filter.Unclaimed) {
		return fmt.Errorf("--mine and --unclaimed list applications under review, not --noncompliant approved ones")
	}
	return output.Validate(o.Output)
}

// Run lists, filters, sorts and prints.
func (o *Options) Run(ctx context.Context) error {
	c, err := o.Factory.Client()
	if err != nil {
		return err
	}
	var opts []client.ListOption
	if !o.AllNamespaces {
		ns, err := o.Factory.Namespace()
		if err != nil {
			return err
		}
		opts = append(opts, client.InNamespace(ns))
	}
	if o.Filter.Mine {
		if o.Filter.Me, err = factory.User(ctx, c); err != nil {
			return err
		}
	}
	var list qualv1.CategoryApplicationList
	if err := c.List(ctx, &list, opts...); err != nil {
		return err
	}
	cal := o.Factory.Calendar(ctx, c, o.ErrOut)
	rows := Select(list.Items, o.Filter, o.Now(), cal)
	if o.Output != "" {
		items := make([]qualv1.CategoryApplication, len(rows))
		for i, r := range rows {
			items[i] = *r.App
		}
		return output.Print(o.Out, o.Output, &qualv1.CategoryApplicationList{Items: items})
	}
	if len(rows) == 0 {
		fmt.Fprintln(o.ErrOut, o.nothing())
		return nil
	}
	if o.Filter.Noncompliant {
		return printNoncompliant(o.Out, rows, o.AllNamespaces, cal.Location())
	}
	return printQueue(o.Out, rows, o.AllNamespaces, cal.Location())
}

// nothing says what was empty, like kubectl's "No resources found".
func (o *Options) nothing() string {
	what := "No applications under review"
	if o.Filter.Noncompliant {
		what = "No noncompliant approved applications"
	} else if o.Filter.Overdue {
		what = "No overdue applications"
	}
	if o.Filter.Mine {
		what += " claimed by you"
	} else if o.Filter.Unclaimed {
		what += " unclaimed"
	}
	if o.AllNamespaces {
		return what + "."
	}
	ns, _ := o.Factory.Namespace()
	return what + " in namespace " + ns + "."
}
