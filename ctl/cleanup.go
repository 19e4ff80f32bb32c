package ctl

import (
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/containerd"
)

// cleanupFlags are the agent flags that say where a real node keeps what
// it creates on the machine.
var cleanupFlags = []string{"containerd-address", "containerd-namespace", "state-dir", "root-dir", "cni-bridge"}

// newCleanupCommand is `wharf cleanup`: it removes everything a real node
// (`wharf up` or `wharf agent`) left on this machine.
func newCleanupCommand() *cobra.Command {
	cfg := nodeagent.NewConfig()
	var logLevel string
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove everything a real node left on this machine: containers, images, pod networks, state",
		Long: `Remove everything the real node of 'wharf up' or 'wharf agent' left on this
machine, with the same runtime flags: in containerd's namespace
(--containerd-namespace) every task (killed with SIGKILL), container,
snapshot, image, lease and blob, then the namespace itself; every pod's
network namespace and the bridge (--cni-bridge); pod volumes (unmounted
first), --state-dir and --root-dir; and the namespace's empty cgroup
directories. Stop the node first ('make down' does both).

It logs each thing it removes and can be run again: a second run finds
nothing. If containerd does not answer, its objects are skipped with a
warning and the rest is still removed. The API server's state (--data-dir of
'wharf up') is not touched.`,
		Example: `  wharf cleanup
  wharf cleanup --containerd-namespace wharf-dev --state-dir /run/wharf-dev --root-dir /var/lib/wharf-dev`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			return containerd.Cleanup(cmd.Context(), cfg, log)
		},
	}
	// The agent's own flags, so that help and defaults match it.
	agentFlags := pflag.NewFlagSet("agent", pflag.ContinueOnError)
	cfg.AddFlags(agentFlags)
	agentFlags.VisitAll(func(f *pflag.Flag) {
		if slices.Contains(cleanupFlags, f.Name) {
			cmd.Flags().AddFlag(f)
		}
	})
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}
