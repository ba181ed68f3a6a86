package decide

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
)

// NewCmdApprove returns `approve NAME --generation N --materials-digest D [--message TEXT]`.
func NewCmdApprove(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	return newCmd(streams, f, qualv1.VerdictApproved, &cobra.Command{
		Use:   "approve NAME --generation N --materials-digest D [--message TEXT]",
		Short: "Approve the generation and materials you looked at",
		Long: `Approve an application under review: the generation and the materials digest you looked
at, which "kubectl category describe" shows and ends with as a command to copy (D14, D17, D19).
Both are required: if the merchant edited the application or replaced a file in its Secrets
since, the approval is refused instead of approving something nobody saw.

You need the "approve" verb on the categorypolicies object of the application's category
group; nobody approves their own application (D16). The server records you as the reviewer.`,
		Example: `  kubectl category describe acme-gold -n shop-acme   # ends with the command below
  kubectl category approve acme-gold -n shop-acme --generation 1 \
      --materials-digest sha256:3b9a9c6b4242d53fca4e33708e660b6259eb5bc56712f2838467ca7a0d96b483 \
      --message "materials verified"`,
	})
}

// NewCmdReject returns `reject NAME --reason CODE --message TEXT`.
func NewCmdReject(streams genericiooptions.IOStreams, f *factory.Factory) *cobra.Command {
	return newCmd(streams, f, qualv1.VerdictRejected, &cobra.Command{
		Use:   "reject NAME --reason CODE --message TEXT",
		Short: "Reject an application under review, saying what to fix",
		Long: `Reject the current generation of an application under review (D13). The merchant
sees the reason and the message, fixes the application and applies it again to resubmit.

When the application's category policy has rejection reasons (spec.rejectionReasons), the
reason is one of their codes: any other is refused with the list of valid codes, and shell
completion offers them. The merchant then also reads the code's title and guidance, what to
fix, as the policy says them (D32). A policy without rejection reasons takes any CamelCase
reason. The merchant never sees who rejected.`,
		Example: `  kubectl category reject acme-gold --reason FilingLetterUnsealed \
      --message "the seal on the filing letter is missing; stamp it and upload a new photo"`,
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
