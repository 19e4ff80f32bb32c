package containerd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	cerrdefs "github.com/containerd/errdefs"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/containerlog"
)

// exitCheckInterval is how long a follower trusts its last look at the
// task: it asks at every end of the file it reaches.
const exitCheckInterval = 500 * time.Millisecond

// logIO is where a new task's stdout and stderr go: to the logger process
// the shim starts, or, with no logger configured, raw into the log file.
func (r *Runtime) logIO(id string) cio.Creator {
	if len(r.cfg.Logger) == 0 {
		return cio.LogFile(r.LogPath(id))
	}
	return containerlog.BinaryCreator(r.cfg.Logger, r.LogPath(id))
}

// ContainerLogs implements nodeagent.Runtime. The log of an exited
// container stays readable until the container is removed; with Follow,
// it is written until the task has stopped and the file is read to its
// end.
func (r *Runtime) ContainerLogs(ctx context.Context, containerID string, opts nodeagent.LogOptions, w io.Writer) error {
	notFound := errdefs.NotFound(errdefs.Resource{Resource: "containers"}, containerID)
	if !validID(containerID) {
		return notFound
	}
	c, err := r.client.LoadContainer(ctx, containerID)
	if cerrdefs.IsNotFound(err) {
		return notFound
	}
	if err != nil {
		return fmt.Errorf("logs of container %s: %w", containerID, err)
	}
	ro := containerlog.ReadOptions{
		Follow:     opts.Follow,
		TailLines:  opts.TailLines,
		Since:      opts.Since,
		Timestamps: opts.Timestamps,
		LimitBytes: opts.LimitBytes,
	}
	t := taskWatch{c: c}
	return containerlog.Read(ctx, r.LogPath(containerID), ro, w, func() bool { return t.exited(ctx) })
}

// taskWatch tells whether a container's task has stopped, asking
// containerd at most once per exitCheckInterval.
type taskWatch struct {
	c       client.Container
	checked time.Time
	stopped bool
}

func (t *taskWatch) exited(ctx context.Context) bool {
	if t.stopped || time.Since(t.checked) < exitCheckInterval {
		return t.stopped
	}
	t.checked = time.Now()
	task, err := t.c.Task(ctx, nil)
	if err == nil {
		var st client.Status
		st, err = task.Status(ctx)
		t.stopped = err == nil && st.Status == client.Stopped
	}
	// A task that is gone, or a container removed, writes no more. Other
	// errors (containerd restarting) are asked again later.
	if cerrdefs.IsNotFound(err) {
		t.stopped = true
	}
	return t.stopped
}
