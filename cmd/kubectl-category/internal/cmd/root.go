// Package cmd assembles the verbs under one root command that works both as the
// kubectl-category binary and as `kubectl category`.
package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/claim"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/console"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/decide"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/describe"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/escape"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/materials"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/queue"
)

// Version is the plugin's release, stamped by `make dist` (-ldflags -X); `--version` prints it.
var Version = "dev"

// NewCmdCategory returns the root command; all output goes to streams.
func NewCmdCategory(streams genericiooptions.IOStreams) *cobra.Command {
	f := factory.New(streams.ErrOut)
	root := &cobra.Command{
		Use:   "kubectl-category",
		Short: "Review restricted-category qualification applications",
		Long: `Review restricted-category qualification applications (CategoryApplication).

  queue      applications waiting for a decision, soonest deadline first
  describe   everything a reviewer needs to decide one application
  materials  fetch and verify its files (photos, scans, recordings) into a folder
  approve    approve the generation you looked at
  reject     reject it, with a CamelCase reason and a message for the merchant
  withdraw   withdraw an earlier approval (D29)
  claim      tell other reviewers you are reviewing one (D30); release ends it
  console    all of the above in a web browser, served from this machine with your credentials

Decisions are recorded by the API server with your authenticated user name; you need the
"approve" verb on the category group's categorypolicies object.`,
		Version:       Version,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl category"},
		SilenceUsage:  true,
		SilenceErrors: true, // Run prints errors the way kubectl does
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)

	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help' for usage", err, c.CommandPath())
	})
	f.ConfigFlags.AddFlags(root.PersistentFlags())
	root.PersistentFlags().StringVar(&f.CalendarNamespace, "calendar-namespace", f.CalendarNamespace,
		"Namespace of the operator's working-day calendar ConfigMap.")
	root.PersistentFlags().StringVar(&f.CalendarConfigMap, "calendar-configmap", f.CalendarConfigMap,
		"Name of the operator's working-day calendar ConfigMap; weekends only if it is missing.")

	root.AddCommand(
		queue.NewCmd(streams, f),
		describe.NewCmd(streams, f),
		materials.NewCmd(streams, f),
		decide.NewCmdApprove(streams, f),
		decide.NewCmdReject(streams, f),
		decide.NewCmdWithdraw(streams, f),
		claim.NewCmdClaim(streams, f),
		claim.NewCmdRelease(streams, f),
		console.NewCmd(streams, f),
	)
	return root
}

// Run executes the command line and prints a failure to ErrOut: API errors the way kubectl
// prints them (the webhook's refusals are already written for reviewers), others as "error: ...".
func Run(streams genericiooptions.IOStreams, args []string) error {
	root := NewCmdCategory(streams)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil {
		fmt.Fprintln(streams.ErrOut, errorLine(err))
	}
	return err
}

// errorLine is escaped (escape.Lines): the server's refusals quote what merchants and
// reviewers wrote.
func errorLine(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if reason := status.Status().Reason; reason != "" {
			return escape.Lines(fmt.Sprintf("Error from server (%s): %v", reason, err))
		}
		return escape.Lines(fmt.Sprintf("Error from server: %v", err))
	}
	return escape.Lines("error: " + err.Error())
}
