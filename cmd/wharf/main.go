// Command wharf is the one Wharf binary: the control plane, the node agent
// and the kubectl-style client.
package main

import (
	"os"

	"github.com/wharf/wharf/ctl"
)

func main() {
	os.Exit(ctl.Main(os.Args[1:]))
}
