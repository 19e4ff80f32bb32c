package containerd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	cerrdefs "github.com/containerd/errdefs"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
)

const (
	// execDrainTimeout bounds the wait for an exec'd process's output
	// once it has exited: a child it left in the background may hold
	// stdout open for ever.
	execDrainTimeout = 2 * time.Second
	// execKillTimeout bounds the wait for a process killed because the
	// caller went away.
	execKillTimeout = 10 * time.Second
)

// Exec implements nodeagent.Runtime, as the CRI's exec does: the process
// runs with the container's own process spec (environment, working
// directory, user, capabilities) and opts.Cmd as its arguments. It is
// deleted once it has exited; when ctx ends first it is killed.
//
// Exec returns once the output has been written to opts' writers (a
// Write that blocks holds it up) and no later than execDrainTimeout after
// the process exited, should a child it left hold its output open. Stdin is
// read by a goroutine that may outlive Exec until a Read returns: the
// caller ends it by closing what the reader reads from.
func (r *Runtime) Exec(ctx context.Context, id string, opts nodeagent.ExecOptions) (int, error) {
	if len(opts.Cmd) == 0 {
		return -1, errdefs.BadRequest("exec in container %s: no command", id)
	}
	if !validID(id) {
		return -1, errdefs.NotFound(errdefs.Resource{Resource: "containers"}, id)
	}
	c, err := r.client.LoadContainer(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return -1, errdefs.NotFound(errdefs.Resource{Resource: "containers"}, id)
	}
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	task, err := c.Task(ctx, nil)
	if cerrdefs.IsNotFound(err) {
		return -1, errdefs.BadRequest("container %s is not running: it has not started", id)
	}
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	st, err := task.Status(ctx)
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	if st.Status != client.Running {
		return -1, errdefs.BadRequest("container %s is not running (%s)", id, st.Status)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	if spec.Process == nil {
		return -1, fmt.Errorf("exec in container %s: its spec has no process", id)
	}
	pspec := *spec.Process
	pspec.Args = opts.Cmd
	pspec.Terminal = opts.TTY
	pspec.ConsoleSize = nil
	if opts.TTY && !slices.ContainsFunc(pspec.Env, func(kv string) bool { return strings.HasPrefix(kv, "TERM=") }) {
		pspec.Env = append(slices.Clip(pspec.Env), "TERM=xterm")
	}

	stdinDone := make(chan struct{})
	var streams []cio.Opt
	var stdin io.Reader
	if opts.Stdin != nil {
		stdin = &eofReader{r: opts.Stdin, done: stdinDone}
	}
	// containerd 1.6's shim fails to start a process given a stdout
	// FIFO without a stderr one: an output nobody reads is discarded.
	stdout, stderr := orDiscard(opts.Stdout), orDiscard(opts.Stderr)
	if opts.TTY {
		// A terminal has one output; the shim ignores a stderr FIFO.
		streams = append(streams, cio.WithStreams(stdin, stdout, nil), cio.WithTerminal)
	} else {
		streams = append(streams, cio.WithStreams(stdin, stdout, stderr))
	}
	streams = append(streams, cio.WithFIFODir(fifoDir(r.cfg.StateDir)))

	// The process outlives a cancelled ctx until it is killed and
	// deleted, which must still reach containerd.
	bg := context.WithoutCancel(ctx)
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	proc, err := task.Exec(ctx, newExecID(), &pspec, cio.NewCreator(streams...))
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	defer func() {
		// Kills the process if it still runs, then closes and removes
		// the FIFOs.
		dctx, cancel := context.WithTimeout(bg, execKillTimeout)
		defer cancel()
		_, _ = proc.Delete(dctx, client.WithProcessKill)
	}()
	waitCtx, stopWait := context.WithCancel(bg)
	defer stopWait()
	exited, err := proc.Wait(waitCtx)
	if err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}
	// Not cancelled half-way: a process started in the shim but not known
	// to have started here could not be killed.
	if err := proc.Start(bg); err != nil {
		return -1, fmt.Errorf("exec in container %s: %w", id, err)
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(done)
	if opts.Stdin != nil {
		// The shim keeps the stdin FIFO open itself, so that the process
		// sees EOF only when told.
		wg.Go(func() {
			select {
			case <-stdinDone:
				_ = proc.CloseIO(bg, client.WithStdinCloser)
			case <-done:
			}
		})
	}
	if opts.TTY && opts.Resize != nil {
		wg.Go(func() {
			for {
				select {
				case size, ok := <-opts.Resize:
					if !ok {
						return
					}
					_ = proc.Resize(bg, uint32(size.Width), uint32(size.Height))
				case <-done:
					return
				}
			}
		})
	}

	select {
	case status := <-exited:
		code, _, err := status.Result()
		if err != nil {
			return -1, fmt.Errorf("exec in container %s: %w", id, err)
		}
		drainIO(proc.IO(), execDrainTimeout)
		return int(code), nil
	case <-ctx.Done():
		if err := proc.Kill(bg, syscall.SIGKILL); err != nil && !cerrdefs.IsNotFound(err) {
			return -1, errors.Join(fmt.Errorf("exec in container %s: %w", id, ctx.Err()), err)
		}
		select {
		case <-exited:
		case <-time.After(execKillTimeout):
		}
		return -1, fmt.Errorf("exec in container %s: %w", id, ctx.Err())
	}
}

// drainIO waits until the process's output has been copied to the
// caller's writers, or timeout has passed.
func drainIO(pio cio.IO, timeout time.Duration) {
	drained := make(chan struct{})
	go func() {
		pio.Wait()
		close(drained)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		// Cancel closes the FIFOs, which ends the copies.
		pio.Cancel()
		<-drained
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// eofReader closes done once r has returned its last byte (EOF or an
// error), so that Exec can close the process's stdin.
type eofReader struct {
	r    io.Reader
	done chan struct{}
	once sync.Once
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.once.Do(func() { close(e.done) })
	}
	return n, err
}

// newExecID names an exec'd process; containerd wants it unique within
// the task and at most 76 characters.
func newExecID() string { return "exec-" + newID()[:24] }
