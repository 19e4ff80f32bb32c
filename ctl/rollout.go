package ctl

import "github.com/spf13/cobra"

// newRolloutCommand is `wharf rollout`: following, pausing, restarting and
// undoing the rollouts of deployments (and daemon sets, where they apply),
// with kubectl's output so that scripts written for kubectl work.
func newRolloutCommand(g *globalOptions, s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Manage the rollout of a resource",
		Long: `Manage the rollout of a deployment (or daemon set): follow it, see its
history, go back to an earlier revision, pause and resume it, or restart its
pods.`,
		Example: `  wharf rollout status deployment/web
  wharf rollout undo deployment/web
  wharf rollout history deployment/web`,
		RunE: runGroup,
	}
	cmd.AddCommand(
		newRolloutHistoryCommand(g, s),
		newRolloutPauseCommand(g, s),
		newRolloutRestartCommand(g, s),
		newRolloutResumeCommand(g, s),
		newRolloutStatusCommand(g, s),
		newRolloutUndoCommand(g, s),
	)
	return cmd
}
