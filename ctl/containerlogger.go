package ctl

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/nodeagent/containerlog"
)

// newContainerLoggerCommand is the process containerd's shim starts for
// each container the node agent runs, to write the container's log file
// (containerlog.Main). People do not run it: it is hidden, and it takes its
// arguments as the shim gives them, unparsed by cobra.
func newContainerLoggerCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "container-logger [--max-size BYTES] PATH",
		Short:              "Write a container's stdout and stderr to its log file (run by containerd's shim)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			if code := containerlog.Main(args); code != 0 {
				return fmt.Errorf("container-logger: exit status %d", code)
			}
			return nil
		},
	}
}
