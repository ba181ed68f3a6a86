// Package claim is `kubectl category claim|release` (D30): a reviewer says they are working on
// an application, so other reviewers' approvals and rejections are refused until the claim
// ends. The write is internal/decision's WriteClaim: status.claim through the status
// subresource, guarded by the resourceVersion read, as a decision is written.
package claim

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/decide"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/internal/decision"
)

// Options of claim and release.
type Options struct {
	genericiooptions.IOStreams
	Factory *factory.Factory
	Clock   clock.PassiveClock

	Name string
	// Namespace, if set, is the application's namespace instead of the flags' (-n): the
	// console claims applications of many namespaces with one set of flags.
	Namespace string
	// For is how long the claim lasts; 0 releases it.
	For time.Duration
}

// NewCmdClaim returns `claim NAME [--for 30m]`.
func NewCmdClaim(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	o := &Options{IOStreams: streams, Factory: f, Clock: clock.RealClock{}, For: qualv1.DefaultClaimDuration}
	cmd := &cobra.Command{
		Use:   "claim NAME [--for 30m]",
		Short: "Tell other reviewers you are reviewing an application (D30)",
		Long: `Claim an application under review: until the claim ends, other reviewers' approvals and
rejections are refused with your name and the claim's expiry; withdrawals never are. A claim ends
when it expires (--for, at most what the platform allows: the manager's --max-claim-duration,
2h by default), when you or anyone decides the round, when a new round starts, or when you
release it. Claiming again renews your claim.

Only a reviewer who may decide the application may claim it (D16), and nobody takes over or
releases another reviewer's claim.`,
		Example: `  kubectl category claim acme-gold -n shop-acme --for 45m
  kubectl category release acme-gold -n shop-acme`,
		Args: factory.OneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if o.For <= 0 {
				return fmt.Errorf("--for must be positive, e.g. 30m")
			}
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: f.CompleteApplications(func(app *qualv1.CategoryApplication) bool {
			return app.Status.Phase == qualv1.PhaseUnderReview
		}),
	}
	cmd.Flags().DurationVar(&o.For, "for", o.For, "How long the claim lasts, e.g. 30m or 1h (the platform's maximum applies).")
	return cmd
}

// NewCmdRelease returns `release NAME`.
func NewCmdRelease(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	o := &Options{IOStreams: streams, Factory: f, Clock: clock.RealClock{}}
	return &cobra.Command{
		Use:   "release NAME",
		Short: "Release your claim on an application (D30)",
		Long: `Release your claim on an application, so other reviewers may decide it. Only the
reviewer who holds a claim releases it; otherwise it ends by itself (see "claim --help").`,
		Example: `  kubectl category release acme-gold -n shop-acme`,
		Args:    factory.OneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			return o.Run(cmd.Context())
		},
		ValidArgsFunction: f.CompleteApplications(func(app *qualv1.CategoryApplication) bool { return app.Status.Claim != nil }),
	}
}

// Run claims (For > 0) or releases the application as the authenticated user.
func (o *Options) Run(ctx context.Context) error {
	c, err := o.Factory.Client()
	if err != nil {
		return err
	}
	ns := o.Namespace
	if ns == "" {
		if ns, err = o.Factory.Namespace(); err != nil {
			return err
		}
	}
	user, err := factory.User(ctx, c)
	if err != nil {
		return err
	}
	key := client.ObjectKey{Namespace: ns, Name: o.Name}
	app, err := decision.WriteClaim(ctx, c, decision.ClaimRequest{Key: key, Reviewer: user, For: o.For, Clock: o.Clock.Now})
	if err != nil {
		return err // server refusals are returned as they are: they are written for reviewers
	}
	if cl := app.Status.Claim; cl != nil {
		fmt.Fprintf(o.Out, "%s/%s claimed by %s until %s (generation %d)\n", decide.Resource, app.Name, cl.Reviewer, decision.ClaimExpiry(cl), cl.Generation)
		return nil
	}
	fmt.Fprintf(o.Out, "%s/%s released\n", decide.Resource, app.Name)
	return nil
}
