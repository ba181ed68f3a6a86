// Command kit makes what `make e2e` (hack/e2e/run.sh) needs and no package provides:
//
//	kit pki -dir D -host-ip IP -node NAME -service-ip IP [-api-port PORT]
//	    a CA, the serving and client certificates of a single-node cluster, the service-account
//	    key pair and one kubeconfig per user (admin, components, the test's reviewer and an
//	    outsider without any role);
//	kit image -o FILE -name REF -entrypoint PATH [-user UID:GID] FILE=PATH_IN_IMAGE ...
//	    a single-layer OCI image archive for `ctr images import`, from static binaries.
//
// Both are Go so that the test needs no openssl, registry or container engine beyond containerd.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kit pki|image [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "pki":
		err = runPKI(os.Args[2:])
	case "image":
		err = runImage(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want pki or image", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kit:", err)
		os.Exit(1)
	}
}
