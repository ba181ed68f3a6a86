// Command pause is the Pod sandbox ("pause") image of `make e2e`: it holds the Pod's namespaces
// and does nothing until it is told to stop. Built static, so the image is this one file.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
}
