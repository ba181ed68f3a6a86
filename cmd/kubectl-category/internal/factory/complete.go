package factory

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/escape"
)

// CompleteApplications completes the first argument with the names of applications in the
// namespace that keep returns true for (nil: all). Completion never prints errors: a shell
// would show them as candidates.
func (f *Factory) CompleteApplications(keep func(*qualv1.CategoryApplication) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, err := f.Client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ns, err := f.Namespace()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var list qualv1.CategoryApplicationList
		if err := c.List(cmd.Context(), &list, client.InNamespace(ns)); err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for i := range list.Items {
			app := &list.Items[i]
			if strings.HasPrefix(app.Name, toComplete) && (keep == nil || keep(app)) {
				out = append(out, app.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteGroups completes a category group: the names of the CategoryPolicies.
func (f *Factory) CompleteGroups(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	c, err := f.Client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var list qualv1.CategoryPolicyList
	if err := c.List(cmd.Context(), &list); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, p := range list.Items {
		if strings.HasPrefix(p.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(p.Name, escape.Text(p.Spec.DisplayName)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// OneName requires exactly one application name, saying where to find one.
func OneName(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("%s needs exactly one application NAME (got %d); `kubectl category queue` lists them", cmd.CommandPath(), len(args))
	}
	return nil
}

// CompleteRejectionReasons completes reject's --reason with the codes of the catalogue of the
// application's policy, each with its title (D32). A policy without a catalogue offers none:
// its reasons are the reviewer's own words.
func (f *Factory) CompleteRejectionReasons(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) != 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := f.Client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ns, err := f.Namespace()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	app := &qualv1.CategoryApplication{}
	if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: args[0]}, app); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	policy := &qualv1.CategoryPolicy{}
	if err := c.Get(cmd.Context(), client.ObjectKey{Name: app.Spec.Category.Group}, policy); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, r := range policy.Spec.RejectionReasons {
		if strings.HasPrefix(r.Code, toComplete) {
			out = append(out, cobra.CompletionWithDesc(r.Code, escape.Text(r.Title)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
