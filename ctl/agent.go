package ctl

import (
	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/apiserver"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/containerd"
)

// newAgentCommand is `wharf agent`: the node agent of this machine on
// containerd, or simulated nodes with --simulate.
func newAgentCommand() *cobra.Command {
	cfg := nodeagent.NewConfig()
	var logLevel string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the node agent of this machine (or simulated nodes with --simulate N)",
		Long: `Run the Wharf node agent: register the node, renew its Lease in
kube-node-lease, run the pods bound to it and report their status.

Without --simulate it runs this machine as one node: containers on the
containerd of --containerd-address (namespace --containerd-namespace), pod
networks on bridge --cni-bridge with addresses from the Node's spec.podCIDR,
else --pod-cidr, else 10.88.0.0/24. It needs root, containerd, runc and the
CNI plugins (Debian packages containerd, runc, containernetworking-plugins).

With --simulate N one process runs N simulated nodes (sim-0001, sim-0002 ...),
whose containers start at once and run until stopped, as kwok does for
Kubernetes. Pod annotations shape them: sim.wharf.dev/fail, exit-code,
run-seconds and ignore-sigterm. The cluster is the one of --kubeconfig
(else $KUBECONFIG, else ~/.wharf/admin.kubeconfig).`,
		Example: `  wharf agent --kubeconfig ~/.wharf/admin.kubeconfig
  wharf agent --kubeconfig ~/.wharf/admin.kubeconfig --simulate 50
  wharf agent --simulate 1000 --node-cpu 8 --node-memory 32Gi --node-labels topology.kubernetes.io/zone=a`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.AgentVersion = apiserver.WharfVersion
			if cfg.Simulate == 0 {
				if err := cfg.UseMachineCapacity(cmd.Flags()); err != nil {
					return err
				}
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			log, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			c, err := agentClient(cmd)
			if err != nil {
				return err
			}
			defer c.Close()
			if cfg.Simulate == 0 {
				return containerd.RunNode(cmd.Context(), c, cfg, log)
			}
			return nodeagent.Run(cmd.Context(), c, cfg, log)
		},
	}
	cfg.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// agentClient connects to the cluster of the root's --kubeconfig and
// --context flags.
func agentClient(cmd *cobra.Command) (*client.Client, error) {
	var flag, context string
	if f := cmd.Flags().Lookup("kubeconfig"); f != nil {
		flag = f.Value.String()
	}
	if f := cmd.Flags().Lookup("context"); f != nil {
		context = f.Value.String()
	}
	path, err := resolveKubeconfig(flag)
	if err != nil {
		return nil, err
	}
	return kubeconfigClient(path, context, "wharf-agent")
}
