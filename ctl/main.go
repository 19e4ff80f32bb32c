package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/errdefs"
)

// Main runs the wharf command line with args (without the program name) and
// returns the process exit code: 0, or 1 after printing what went wrong.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, streams{in: os.Stdin, out: os.Stdout, errOut: os.Stderr})
}

// streams are where a command reads and writes; tests pass buffers.
type streams struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
}

func run(ctx context.Context, args []string, s streams) int {
	root := newRootCommand(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	// A command run by exec that failed: its exit code is wharf's, as
	// kubectl exec does ("command terminated with exit code N").
	var exit interface{ ExitCode() int }
	if errors.As(err, &exit) {
		fmt.Fprintln(s.errOut, err)
		return exit.ExitCode()
	}
	for _, e := range flatten(err) {
		fmt.Fprintln(s.errOut, errorLine(e))
	}
	return 1
}

func newRootCommand(s streams) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "wharf",
		Short: "Wharf runs containers the way Kubernetes does",
		Long: `Wharf is a container orchestrator that speaks the Kubernetes API.

The client commands (apply, get, describe, delete, create) work like kubectl's
against the cluster of the current kubeconfig: --kubeconfig, else $KUBECONFIG,
else the admin kubeconfig of a local 'wharf server' (~/.wharf/admin.kubeconfig).`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.errOut)
	// A mistyped flag is a usage error: name the help that explains it.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	g.addFlags(root.PersistentFlags())
	root.AddCommand(
		newServerCommand(),
		newAgentCommand(),
		newApplyCommand(g, s),
		newGetCommand(g, s),
		newDescribeCommand(g, s),
		newDeleteCommand(g, s),
		newCreateCommand(g, s),
		newVersionCommand(g, s),
		newRolloutCommand(g, s),
		newScaleCommand(g, s),
		newSetCommand(g, s),
		newLogsCommand(g, s),
		newExecCommand(g, s),
		newUpCommand(),
		newCleanupCommand(),
		newContainerLoggerCommand(),
	)
	return root
}

// flatten splits errors.Join results so that each failure gets its own line.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// errorLine renders err the way kubectl does: API errors as
// "Error from server (Reason): message", everything else as "error: message".
// A line break in a message would split one error over several lines, and a
// script reading stderr line by line would miscount; it becomes "; ".
func errorLine(err error) string {
	var apiErr *errdefs.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Reason == "":
		return "Error from server: " + oneLine(err.Error())
	case errors.As(err, &apiErr):
		return fmt.Sprintf("Error from server (%s): %s", apiErr.Reason, oneLine(err.Error()))
	case errors.Is(err, syscall.ECONNREFUSED):
		host := "the server"
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil {
				host = "the server " + u.Host
			}
		}
		return fmt.Sprintf("error: the connection to %s was refused - is Wharf running? ('wharf server' or 'make up' starts it)", host)
	case errors.Is(err, context.Canceled):
		return "error: interrupted"
	}
	return "error: " + oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return strings.ReplaceAll(s, "\n", "; ")
}
