// Package factory turns the standard kubectl flags into what the verbs need: a
// controller-runtime client, the namespace and the working-day calendar. No verb loads a
// kubeconfig by hand, so --kubeconfig, --context, --as, -n ... behave as in kubectl.
package factory

import (
	"io"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	qualv1 "github.com/channelshop/category-operator/api/v1alpha1"
	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/escape"
)

// Scheme knows the built-in types (ConfigMaps for the calendar) and the operator's API.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(qualv1.AddToScheme(Scheme))
}

// Defaults of the calendar flags: where the operator keeps its calendar.
const (
	DefaultCalendarNamespace = "category-operator-system"
	DefaultCalendarConfigMap = "category-operator-calendar"
)

// Factory is shared by every verb of one invocation.
type Factory struct {
	ConfigFlags *genericclioptions.ConfigFlags
	// Warnings receives the API server's warnings, as kubectl prints them ("Warning: ...").
	Warnings io.Writer
	// CalendarNamespace/CalendarConfigMap name the operator's working-day calendar.
	CalendarNamespace string
	CalendarConfigMap string
}

// New returns a factory with kubectl's flags and the operator's calendar location; server
// warnings go to warnings (the ErrOut stream).
func New(warnings io.Writer) *Factory {
	return &Factory{
		ConfigFlags:       genericclioptions.NewConfigFlags(true),
		Warnings:          warnings,
		CalendarNamespace: DefaultCalendarNamespace,
		CalendarConfigMap: DefaultCalendarConfigMap,
	}
}

// Client builds a client from the flags' rest config.
func (f *Factory) Client() (client.Client, error) {
	cfg, err := f.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.UserAgent = "kubectl-category"
	// Without a handler controller-runtime logs warnings through its logger, which a CLI
	// does not print.
	cfg.WarningHandler = escapedWarnings{rest.NewWarningWriter(f.Warnings, rest.WarningWriterOptions{Deduplicate: true})}
	return client.New(cfg, client.Options{Scheme: Scheme})
}

// escapedWarnings prints the server's warnings escaped (escape.Text): a webhook's warning may
// quote what a merchant wrote.
type escapedWarnings struct{ rest.WarningHandler }

func (w escapedWarnings) HandleWarningHeader(code int, agent, message string) {
	w.WarningHandler.HandleWarningHeader(code, agent, escape.Text(message))
}

// Namespace is -n, else the kubeconfig context's namespace, else "default".
func (f *Factory) Namespace() (string, error) {
	ns, _, err := f.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}
