// Package output prints API objects for -o json|yaml the way kubectl does: with apiVersion and
// kind, without managedFields.
package output

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/factory"
)

// Formats are the values -o accepts; "" is the human view.
var Formats = []string{"json", "yaml"}

// AddFlag adds -o/--output with shell completion.
func AddFlag(cmd *cobra.Command, to *string) {
	cmd.Flags().StringVarP(to, "output", "o", "", "Output format: json or yaml. Default: a view for humans.")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(Formats, cobra.ShellCompDirectiveNoFileComp))
}

// Validate refuses an unknown format before anything is read.
func Validate(format string) error {
	switch format {
	case "", "json", "yaml":
		return nil
	}
	return fmt.Errorf("unknown output format %q: use -o json or -o yaml", format)
}

// Print writes obj (an object or a list) as json or yaml.
func Print(w io.Writer, format string, obj runtime.Object) error {
	// Typed clients drop apiVersion/kind on decode; printers and readers of the output need them.
	if err := setKind(obj); err != nil {
		return err
	}
	if meta.IsListType(obj) {
		if err := meta.EachListItem(obj, setKind); err != nil {
			return err
		}
	}
	var p printers.ResourcePrinter = &printers.JSONPrinter{}
	if format == "yaml" {
		p = &printers.YAMLPrinter{}
	}
	return (&printers.OmitManagedFieldsPrinter{Delegate: p}).PrintObj(obj, w)
}

func setKind(obj runtime.Object) error {
	gvk, err := apiutil.GVKForObject(obj, factory.Scheme)
	if err != nil {
		return err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}
