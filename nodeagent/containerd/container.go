package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"syscall"
	"time"

	"github.com/containerd/containerd/v2/client"
	cerrdefs "github.com/containerd/errdefs"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/containerlog"
)

// Labels on every Wharf container, the index ListContainers and a
// restarted agent search by.
const (
	LabelPodNamespace  = "io.wharf.pod.namespace"
	LabelPodName       = "io.wharf.pod.name"
	LabelPodUID        = "io.wharf.pod.uid"
	LabelContainerName = "io.wharf.container.name"
	LabelSandboxID     = "io.wharf.sandbox.id"
	LabelAttempt       = "io.wharf.container.attempt"
	LabelInit          = "io.wharf.container.init"
	LabelImage         = "io.wharf.container.image"
	// labelStartedAt is set once the task has started (RFC 3339).
	labelStartedAt = "io.wharf.container.started-at"
	// The exit of a reaped container (see reap): its code, time (RFC
	// 3339) and reason.
	labelExitCode   = "io.wharf.container.exit-code"
	labelFinishedAt = "io.wharf.container.finished-at"
	labelExitReason = "io.wharf.container.exit-reason"
)

// Exit reasons, as Kubernetes reports them.
const (
	reasonCompleted = "Completed"
	reasonError     = "Error"
)

// StartContainer implements nodeagent.Runtime. The image must be in
// containerd's image store already (PullImage).
func (r *Runtime) StartContainer(ctx context.Context, sandboxID string, cfg nodeagent.ContainerConfig) (_ string, err error) {
	sb, err := r.readSandbox(sandboxID)
	if err != nil {
		return "", err
	}
	if !sb.Ready {
		return "", fmt.Errorf("sandbox %s of pod %s/%s is stopped", sandboxID, sb.PodNamespace, sb.PodName)
	}
	spec := cfg.Container
	img, err := r.localImage(ctx, spec.Image)
	if err != nil {
		return "", fmt.Errorf("container %s of pod %s/%s: %w", spec.Name, sb.PodNamespace, sb.PodName, err)
	}
	opts, err := specOpts(ctx, img, sb, r.sandboxFilesDir(sandboxID), cfg)
	if err != nil {
		return "", fmt.Errorf("container %s of pod %s/%s: %w", spec.Name, sb.PodNamespace, sb.PodName, err)
	}
	id := newID()
	labels := map[string]string{
		LabelPodNamespace:  sb.PodNamespace,
		LabelPodName:       sb.PodName,
		LabelPodUID:        sb.PodUID,
		LabelContainerName: spec.Name,
		LabelSandboxID:     sandboxID,
		LabelAttempt:       strconv.FormatUint(uint64(cfg.Attempt), 10),
		LabelInit:          strconv.FormatBool(cfg.Init),
		LabelImage:         spec.Image,
	}
	c, err := r.client.NewContainer(ctx, id,
		client.WithImage(img),
		client.WithSnapshotter(snapshotter),
		client.WithNewSnapshot(id, img),
		client.WithRuntime(runcRuntime, nil),
		client.WithNewSpec(opts...),
		client.WithContainerLabels(labels),
	)
	if err != nil {
		return "", fmt.Errorf("create container %s of pod %s/%s: %w", spec.Name, sb.PodNamespace, sb.PodName, err)
	}
	cleanup := context.WithoutCancel(ctx)
	defer func() {
		if err != nil {
			err = errors.Join(err, r.RemoveContainer(cleanup, id))
		}
	}()
	task, err := c.NewTask(ctx, r.logIO(id))
	if err != nil {
		return "", fmt.Errorf("create task of container %s of pod %s/%s: %w", spec.Name, sb.PodNamespace, sb.PodName, err)
	}
	if err := task.Start(ctx); err != nil {
		if _, derr := task.Delete(cleanup, client.WithProcessKill); derr != nil && !cerrdefs.IsNotFound(derr) {
			err = errors.Join(err, derr)
		}
		return "", fmt.Errorf("start container %s of pod %s/%s: %w", spec.Name, sb.PodNamespace, sb.PodName, err)
	}
	if _, err := c.SetLabels(ctx, map[string]string{labelStartedAt: time.Now().UTC().Format(time.RFC3339Nano)}); err != nil {
		return "", fmt.Errorf("container %s of pod %s/%s: %w", spec.Name, sb.PodNamespace, sb.PodName, err)
	}
	return id, nil
}

// StopContainer implements nodeagent.Runtime. grace <= 0 sends SIGKILL
// alone.
func (r *Runtime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	c, err := r.client.LoadContainer(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return errdefs.NotFound(errdefs.Resource{Resource: "containers"}, id)
	}
	if err != nil {
		return err
	}
	task, err := c.Task(ctx, nil)
	if cerrdefs.IsNotFound(err) {
		return nil // never started, or already removed
	}
	if err != nil {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	// Wait before signalling, or the exit could come before the waiter.
	exited, err := task.Wait(ctx)
	if err != nil {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	st, err := task.Status(ctx)
	if err != nil {
		return fmt.Errorf("stop container %s: %w", id, err)
	}
	if st.Status == client.Stopped {
		return nil
	}
	if grace > 0 {
		if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("stop container %s: SIGTERM: %w", id, err)
		}
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-exited:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
	}
	if err := task.Kill(ctx, syscall.SIGKILL); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %s: SIGKILL: %w", id, err)
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RemoveContainer implements nodeagent.Runtime: it deletes the task (and
// with it the container's cgroups), the container with its snapshot, and
// its log file.
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	c, err := r.client.LoadContainer(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	task, err := c.Task(ctx, nil)
	switch {
	case cerrdefs.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("remove container %s: %w", id, err)
	default:
		st, err := task.Status(ctx)
		if err != nil {
			return fmt.Errorf("remove container %s: %w", id, err)
		}
		if st.Status == client.Running || st.Status == client.Paused || st.Status == client.Pausing {
			return fmt.Errorf("container %s is running: stop it first", id)
		}
		if _, err := task.Delete(ctx); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("remove container %s: delete task: %w", id, err)
		}
	}
	if err := c.Delete(ctx, client.WithSnapshotCleanup); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	if err := containerlog.Remove(r.LogPath(id)); err != nil {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	return nil
}

// ListContainers implements nodeagent.Runtime.
func (r *Runtime) ListContainers(ctx context.Context, sandboxID string) ([]nodeagent.Container, error) {
	if _, err := r.readSandbox(sandboxID); err != nil {
		return nil, err
	}
	cs, err := r.client.Containers(ctx, fmt.Sprintf("labels.%q==%q", LabelSandboxID, sandboxID))
	if err != nil {
		return nil, fmt.Errorf("list containers of sandbox %s: %w", sandboxID, err)
	}
	out := make([]nodeagent.Container, 0, len(cs))
	for _, c := range cs {
		nc, err := r.describe(ctx, c)
		if cerrdefs.IsNotFound(err) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, nc)
	}
	return out, nil
}

func (r *Runtime) describe(ctx context.Context, c client.Container) (nodeagent.Container, error) {
	info, err := c.Info(ctx, client.WithoutRefreshedMetadata)
	if err != nil {
		return nodeagent.Container{}, err
	}
	l := info.Labels
	attempt, _ := strconv.ParseUint(l[LabelAttempt], 10, 32)
	out := nodeagent.Container{
		ID:        info.ID,
		SandboxID: l[LabelSandboxID],
		PodUID:    l[LabelPodUID],
		Name:      l[LabelContainerName],
		Init:      l[LabelInit] == "true",
		Attempt:   uint32(attempt),
		Image:     l[LabelImage],
		CreatedAt: info.CreatedAt,
		State:     nodeagent.ContainerCreated,
	}
	if img, err := c.Image(ctx); err == nil {
		out.ImageRef = imageRef(img.Name(), img.Target().Digest.String())
	}
	if t, err := time.Parse(time.RFC3339Nano, l[labelStartedAt]); err == nil {
		out.StartedAt = t
	}
	task, err := c.Task(ctx, nil)
	if cerrdefs.IsNotFound(err) {
		exited(&out, l)
		return out, nil
	}
	if err != nil {
		return nodeagent.Container{}, err
	}
	st, err := task.Status(ctx)
	if err != nil {
		return nodeagent.Container{}, err
	}
	switch st.Status {
	case client.Created:
		out.State = nodeagent.ContainerCreated
	case client.Running, client.Paused, client.Pausing:
		out.State = nodeagent.ContainerRunning
	case client.Stopped:
		reason := reasonError
		switch {
		case r.oomKilled(info.ID, l):
			reason = reasonOOMKilled
		case st.ExitStatus == 0:
			reason = reasonCompleted
		}
		l, err = r.reap(ctx, c, task, st, reason)
		if err != nil {
			return nodeagent.Container{}, err
		}
		exited(&out, l)
	default:
		out.State = nodeagent.ContainerUnknown
	}
	return out, nil
}

// reap records an exited container's exit in its labels and deletes its
// task, as containerd's CRI does: the shim and the log writer of a task
// live until it is deleted, and a finished Job's pods would otherwise hold
// two processes (about 17 MB) per container until the pod goes. The
// container stays, with its snapshot and log, for status and --previous.
// The OOM check comes first: the task's cgroup goes with it.
func (r *Runtime) reap(ctx context.Context, c client.Container, task client.Task, st client.Status, reason string) (map[string]string, error) {
	labels, err := c.SetLabels(ctx, map[string]string{
		labelExitCode:   strconv.FormatUint(uint64(st.ExitStatus), 10),
		labelFinishedAt: st.ExitTime.UTC().Format(time.RFC3339Nano),
		labelExitReason: reason,
	})
	if err != nil {
		return nil, fmt.Errorf("record the exit of container %s: %w", c.ID(), err)
	}
	if _, err := task.Delete(ctx); err != nil && !cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("delete the task of exited container %s: %w", c.ID(), err)
	}
	return labels, nil
}

// exited fills in the exit of a container whose task is gone, from the
// labels reap left; without them the container never started.
func exited(out *nodeagent.Container, l map[string]string) {
	code, err := strconv.ParseInt(l[labelExitCode], 10, 32)
	if err != nil {
		return
	}
	out.State = nodeagent.ContainerExited
	out.ExitCode = int32(code)
	out.FinishedAt, _ = time.Parse(time.RFC3339Nano, l[labelFinishedAt])
	out.Reason = l[labelExitReason]
	if l[labelOOMKilled] == "true" {
		out.Reason = reasonOOMKilled
	}
}

// newID returns a container or sandbox ID, 64 hex digits like
// containerd's.
func newID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID keeps IDs read from callers out of paths.
func validID(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
