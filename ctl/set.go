package ctl

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newSetCommand is `wharf set`: verbs that change one aspect of existing
// objects, as kubectl's set does.
func newSetCommand(g *globalOptions, s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Set specific features on objects",
		Long:  `Change one aspect of existing objects, such as the images of their containers.`,
		RunE:  runGroup,
	}
	cmd.AddCommand(newSetImageCommand(g, s))
	return cmd
}

// runGroup runs a command that only groups subcommands: help, or an
// error naming what was not understood.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return cmd.Help()
}
