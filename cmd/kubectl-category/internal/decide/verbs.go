package decide

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
)

// NewCmdApprove returns `approve NAME [--message TEXT]`.
func NewCmdApprove(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	return newCmd(streams, f, qualv1.VerdictApproved, &cobra.Command{
		Use:   "approve NAME [--message TEXT]",
		Short: "Approve an application under review",
		Long: `Approve the current generation of an application under review (D14, D17).

You need the "approve" verb on the categorypolicies object of the application's category
group; nobody approves their own application (D16). The server records you as the reviewer.`,
		Example: `  kubectl category approve acme-gold -n shop-acme --message "materials verified"
  kubectl category approve acme-gold --generation 2   # refuse if it changed after you looked`,
	})
}

// NewCmdReject returns `reject NAME --reason CamelCaseReason --message TEXT`.
func NewCmdReject(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	return newCmd(streams, f, qualv1.VerdictRejected, &cobra.Command{
		Use:   "reject NAME --reason CamelCaseReason --message TEXT",
		Short: "Reject an application under review, saying what to fix",
		Long: `Reject the current generation of an application under review (D13). The merchant
sees the reason and the message, fixes the application and applies it again to resubmit.`,
		Example: `  kubectl category reject acme-gold --reason FilingLetterUnreadable \
      --message "the seal on the filing letter is not legible; upload a sharper photo"`,
	})
}

// NewCmdWithdraw returns `withdraw NAME --reason R --message M`.
func NewCmdWithdraw(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	return newCmd(streams, f, qualv1.VerdictWithdrawn, &cobra.Command{
		Use:   "withdraw NAME --reason CamelCaseReason --message TEXT",
		Short: "Withdraw the approval of an application (D29)",
		Long: `Withdraw an earlier approval of the current generation, e.g. when the merchant no longer
meets a revised standard (D29; see "kubectl category queue --noncompliant"). The operator then
suspends the listing made from the approval.`,
		Example: `  kubectl category withdraw acme-gold --reason StandardRevised \
      --message "the 2025 standard admits only official flagship shops for gold"`,
	})
}
