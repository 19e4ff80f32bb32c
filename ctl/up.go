package ctl

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/apiserver"
	"github.com/wharf/wharf/controller"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/containerd"
	"github.com/wharf/wharf/scheduler"
)

// simulationFlags are agent flags that only simulated nodes read; `wharf
// up` runs one real node, so it hides them and refuses them if given.
var simulationFlags = []string{"simulate", "node-name-prefix", "run-duration"}

// newUpCommand is `wharf up`: the whole of Wharf on this machine in one
// process, `wharf server` and `wharf agent` (a real node on containerd)
// together, the agent joining once the API server is ready.
func newUpCommand() *cobra.Command {
	cfg := apiserver.NewConfig()
	mcfg := controller.NewManagerConfig()
	scfg := scheduler.NewConfig()
	acfg := nodeagent.NewConfig()
	acfg.NodeIP = nodeagent.DefaultNodeIP
	var logLevel string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run Wharf on this machine: the control plane with this machine as its node",
		Long: `Run the control plane (what 'wharf server' runs) and, once the API server is
ready, this machine as a node on containerd (what 'wharf agent' runs), in
one process. The agent's client uses the admin kubeconfig the server writes
in --data-dir; the node's address is 127.0.0.1 unless --node-ip says
otherwise.

It needs root, a running containerd (--containerd-address), runc and the
CNI plugins: 'make up' installs and starts them. If the agent cannot run,
for instance because containerd does not answer, the command stops with
the agent's error. On SIGTERM everything stops; containers keep running
and the next 'wharf up' adopts them. 'wharf cleanup' removes them and
everything else the node left on the machine.`,
		Example: `  wharf up --data-dir ~/.wharf
  wharf up --port 0 --agent-port 0 --log-level debug`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range simulationFlags {
				if cmd.Flags().Changed(name) {
					return fmt.Errorf("--%s: wharf up runs this machine as one real node; simulated nodes are 'wharf agent --simulate N' beside 'wharf server'", name)
				}
			}
			acfg.AgentVersion = apiserver.WharfVersion
			if err := acfg.UseMachineCapacity(cmd.Flags()); err != nil {
				return err
			}
			if err := acfg.Validate(); err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			if err := scfg.Validate(); err != nil {
				return err
			}
			// The agent would find out only after the API server has
			// started, and after a connect timeout.
			if _, err := os.Stat(acfg.ContainerdAddress); err != nil {
				return fmt.Errorf("containerd at %s does not answer: is it running? Start it with `systemctl start containerd` (Debian package containerd) or 'make up', or point --containerd-address at its socket: %w", acfg.ContainerdAddress, err)
			}
			log, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			agent := func(ctx context.Context, kubeconfig string) error {
				c, err := kubeconfigClient(kubeconfig, "", "wharf-agent")
				if err != nil {
					return fmt.Errorf("node agent: %w", err)
				}
				defer c.Close()
				if err := containerd.RunNode(ctx, c, acfg, log.With("component", "agent")); err != nil {
					return fmt.Errorf("node agent: %w", err)
				}
				return nil
			}
			return runControlPlane(cmd.Context(), apiserver.New(cfg, log), mcfg, scfg, log, agent)
		},
	}
	fs := cmd.Flags()
	cfg.AddFlags(fs)
	mcfg.AddFlags(fs)
	scfg.AddFlags(fs)
	acfg.AddFlags(fs)
	for _, name := range simulationFlags {
		_ = fs.MarkHidden(name)
	}
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}
