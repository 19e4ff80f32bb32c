package streaming

import (
	"context"
	"net/http"
	"sync"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/remotecommand"
	"github.com/wharf/wharf/nodeagent"
)

// serveExec runs a command in a container over the remotecommand
// protocol, on WebSocket (kubectl 1.30 and later, wharf) or SPDY/3.1
// (kubectl 1.29 and earlier).
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	if !s.sessions.add() {
		writeError(w, errdefs.ServiceUnavailable("the node agent is shutting down"))
		return
	}
	defer s.sessions.done()
	ns, pod, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	q := r.URL.Query()
	cmd := q["command"]
	if len(cmd) == 0 {
		writeError(w, errdefs.BadRequest("you must specify at least one command for the container"))
		return
	}
	opts, err := remotecommand.ParseOptions(q)
	if err != nil {
		writeError(w, err)
		return
	}
	log := s.log.With("namespace", ns, "pod", pod, "container", container)
	log.Debug("exec session starting", "command", cmd, "tty", opts.TTY)
	err = remotecommand.ServeExec(w, r, opts, func(ctx context.Context, st remotecommand.Streams) (int, error) {
		eo := nodeagent.ExecOptions{Cmd: cmd, TTY: st.TTY, Stdin: st.Stdin, Stdout: st.Stdout, Stderr: st.Stderr}
		if st.Resize == nil {
			return s.backend.Exec(ctx, ns, pod, container, eo)
		}
		ctx, cancel := context.WithCancel(ctx)
		sizes := make(chan nodeagent.TerminalSize, 1)
		eo.Resize = sizes
		var wg sync.WaitGroup
		wg.Go(func() { relaySizes(ctx, st.Resize, sizes) })
		code, err := s.backend.Exec(ctx, ns, pod, container, eo)
		cancel()
		wg.Wait()
		return code, err
	})
	log.Debug("exec session over", "err", err)
}

// relaySizes passes terminal sizes on in the runtime's type until in is
// closed or ctx ends, replacing a size the runtime has not taken yet with
// a newer one (it is out's only sender, so the slot it empties stays free).
func relaySizes(ctx context.Context, in <-chan remotecommand.TerminalSize, out chan nodeagent.TerminalSize) {
	defer close(out)
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-in:
			if !ok {
				return
			}
			v := nodeagent.TerminalSize{Width: sz.Width, Height: sz.Height}
			select {
			case out <- v:
			default:
				select {
				case <-out:
				default:
				}
				out <- v
			}
		}
	}
}
