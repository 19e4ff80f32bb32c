package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/remotecommand"
	"github.com/wharf/wharf/apiserver"
)

const execUsage = "exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]"

type execOptions struct {
	container string
	stdin     bool
	tty       bool
	quiet     bool
}

func newExecCommand(g *globalOptions, s streams) *cobra.Command {
	o := &execOptions{}
	cmd := &cobra.Command{
		Use:   execUsage,
		Short: "Execute a command in a container",
		Long: `Execute a command in a container, as kubectl exec does.

The container is -c's, else the one the pod's
kubectl.kubernetes.io/default-container annotation names, else its first.
TYPE/NAME (deployment/web, svc/web...) picks one of the pods it selects.
The command's exit code becomes wharf's.`,
		Example: `  # Run date in pod web's first container
  wharf exec web -- date

  # An interactive shell in container app of a deployment's pod
  wharf exec -it deploy/web -c app -- sh`,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, command, err := execArgs(args, cmd.ArgsLenAtDash())
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), g, s, target, command)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.container, "container", "c", "", "the container to run the command in (default: the pod's default container)")
	fs.BoolVarP(&o.stdin, "stdin", "i", false, "pass stdin to the container")
	fs.BoolVarP(&o.tty, "tty", "t", false, "stdin is a TTY")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "only print output from the remote session")
	return cmd
}

// execArgs splits `POD [--] COMMAND [args...]`.
func execArgs(args []string, dash int) (string, []string, error) {
	if len(args) == 0 || dash == 0 {
		return "", nil, fmt.Errorf("pod or type/name must be specified (usage: wharf %s)", execUsage)
	}
	command := args[1:]
	if dash > 0 {
		if dash > 1 {
			return "", nil, fmt.Errorf("exactly one pod or type/name goes before --, not %q", args[:dash])
		}
		command = args[dash:]
	}
	if len(command) == 0 {
		return "", nil, errors.New("you must specify at least one command for the container")
	}
	return args[0], command, nil
}

func (o *execOptions) run(ctx context.Context, g *globalOptions, s streams, target string, command []string) error {
	sess, err := g.connect()
	if err != nil {
		return err
	}
	cfg := sess.config
	warn := s.errOut
	if o.quiet {
		warn = io.Discard
	}
	pod, err := findPod(ctx, sess, streams{in: s.in, out: s.out, errOut: warn}, target)
	if err != nil {
		return err
	}
	if pod.Status.Phase == core.PodSucceeded || pod.Status.Phase == core.PodFailed {
		return fmt.Errorf("cannot exec into a container in a completed pod; current phase is %s", pod.Status.Phase)
	}
	container := o.container
	if container == "" {
		if container, err = defaultContainer(pod, warn); err != nil {
			return err
		}
	}

	// As kubectl: a TTY needs stdin, and stdin must be a terminal.
	var term *terminal
	if o.stdin && o.tty {
		if term = terminalOf(s.in, s.out); term == nil {
			fmt.Fprintln(warn, "Unable to use a TTY - input is not a terminal or the right kind of file")
		}
	}
	streamOpts := remotecommand.StreamOptions{Stdout: s.out}
	flags := remotecommand.Options{Stdin: o.stdin, Stdout: true, Stderr: term == nil, TTY: term != nil}
	if o.stdin {
		streamOpts.Stdin = s.in
	}
	if term == nil {
		streamOpts.Stderr = s.errOut
	}

	q := url.Values{"command": command, "container": {container}}
	flags.AddTo(q)
	podRes, err := sess.scheme.Lookup("pods")
	if err != nil {
		return err
	}
	tc, err := cfg.TLSConfig()
	if err != nil {
		return err
	}
	header := http.Header{"User-Agent": {"wharf/" + apiserver.WharfVersion}}
	if cfg.Token != "" {
		header.Set("Authorization", "Bearer "+cfg.Token)
	}
	e := &remotecommand.Executor{
		URL:       strings.TrimRight(cfg.Server, "/") + resourcePath(podRes, pod.Namespace, pod.Name) + "/exec?" + q.Encode(),
		Header:    header,
		TLSConfig: tc,
	}
	if term == nil {
		return e.Stream(ctx, streamOpts)
	}

	restore, err := term.makeRaw()
	if err != nil {
		return err
	}
	defer restore()
	sizes, stop := term.watchSize()
	defer stop()
	streamOpts.Resize = sizes
	return e.Stream(ctx, streamOpts)
}

// terminal is the local terminal of an interactive session.
type terminal struct {
	in   int // the terminal stdin reads, put in raw mode
	size int // the terminal whose size the remote one takes
}

// fdOf is the file descriptor behind a stream, if any. It asks through
// SyscallConn, not Fd, which would switch the file to blocking mode.
func fdOf(v any) (int, bool) {
	sc, ok := v.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return 0, false
	}
	return fd, true
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// terminalOf returns the terminal in reads, nil when in is not one. The
// size comes from out when it is a terminal too, as the remote output
// lands there.
func terminalOf(in io.Reader, out io.Writer) *terminal {
	fd, ok := fdOf(in)
	if !ok || !isTerminal(fd) {
		return nil
	}
	t := &terminal{in: fd, size: fd}
	if ofd, ok := fdOf(out); ok && isTerminal(ofd) {
		t.size = ofd
	}
	return t
}

// makeRaw turns off the local line discipline (echo, line editing,
// signals from ^C), as cfmakeraw(3) does, so that every key goes to the
// remote terminal, which has its own. restore puts the settings back.
func (t *terminal) makeRaw() (restore func(), err error) {
	saved, err := unix.IoctlGetTermios(t.in, unix.TCGETS)
	if err != nil {
		return nil, fmt.Errorf("reading the terminal's settings: %w", err)
	}
	raw := *saved
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(t.in, unix.TCSETS, &raw); err != nil {
		return nil, fmt.Errorf("putting the terminal in raw mode: %w", err)
	}
	return func() { unix.IoctlSetTermios(t.in, unix.TCSETS, saved) }, nil //nolint:errcheck // nothing better to do
}

func (t *terminal) currentSize() (remotecommand.TerminalSize, bool) {
	ws, err := unix.IoctlGetWinsize(t.size, unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 {
		return remotecommand.TerminalSize{}, false
	}
	return remotecommand.TerminalSize{Width: ws.Col, Height: ws.Row}, true
}

// watchSize sends the terminal's size now and after each SIGWINCH, the
// latest one when the session falls behind. stop ends the watch.
func (t *terminal) watchSize() (sizes <-chan remotecommand.TerminalSize, stop func()) {
	ch := make(chan remotecommand.TerminalSize, 1)
	offer := func() {
		sz, ok := t.currentSize()
		if !ok {
			return
		}
		// The watch is ch's only sender, so the slot it empties stays free.
		select {
		case ch <- sz:
		default:
			select {
			case <-ch:
			default:
			}
			ch <- sz
		}
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	offer()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-winch:
				offer()
			}
		}
	})
	return ch, func() {
		signal.Stop(winch)
		close(done)
		wg.Wait()
	}
}
