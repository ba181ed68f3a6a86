// Command kubectl-category is the reviewers' kubectl plugin for restricted-category
// qualification applications: `kubectl category queue|describe|approve|reject|withdraw`.
// Installed on PATH as kubectl-category, kubectl finds it as `kubectl category`.
package main

import (
	"os"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/channelshop/category-operator/cmd/kubectl-category/internal/cmd"
)

func main() {
	// controller-runtime's packages log through a logger a CLI has no use for; unset, it
	// complains on stderr after a while.
	log.SetLogger(logr.Discard())
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	if err := cmd.Run(streams, os.Args[1:]); err != nil {
		os.Exit(1)
	}
}
