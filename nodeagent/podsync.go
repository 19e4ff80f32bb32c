package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/nodeagent/containerenv"
)

// syncRunning drives a live pod: sandbox, then init containers one by one,
// then the app containers, restarting what its restart policy asks for;
// then reports the status. It returns when it wants to look again.
func (w *podWorker) syncRunning(ctx context.Context, pod *core.Pod) (time.Duration, error) {
	base := w.base(pod)
	now := w.a.clock.Now()
	if left, ok := deadlineLeft(base, now); ok && left <= 0 {
		return w.exceedDeadline(ctx, base)
	}
	w.waiting = map[string]core.ContainerStateWaiting{}
	st, err := observe(ctx, w.a.rt, w.uid)
	if err != nil {
		return 0, err
	}
	after, convergeErr := w.converge(ctx, pod, st, now)
	if st, err = observe(ctx, w.a.rt, w.uid); err != nil {
		return 0, err
	}
	w.probes.sync(ctx, base, st, st.sandbox())
	status := computeStatus(w.statusInput(base, st, false))
	if err := w.writeStatus(ctx, base, status); err != nil {
		return 0, err
	}
	if status.Phase == core.PodSucceeded || status.Phase == core.PodFailed {
		w.finished = true
		return w.rest(ctx)
	}
	if left, ok := deadlineLeft(base, now); ok {
		after = minPositive(after, left)
	}
	return after, convergeErr
}

// converge starts what should run and is not running, and returns when
// it wants to look again (a back-off ending) or 0.
func (w *podWorker) converge(ctx context.Context, pod *core.Pod, st *podState, now time.Time) (time.Duration, error) {
	spec := &pod.Spec
	sb := st.sandbox()
	if sb == nil {
		if spec.RestartPolicy == core.RestartPolicyNever && st.hasRun() {
			return 0, nil // its containers are done; the phase says how
		}
		attempt := uint32(0)
		if len(st.sandboxes) > 0 {
			attempt = st.sandboxes[0].Attempt + 1
		}
		release, err := w.a.acquireStart(ctx)
		if err != nil {
			return 0, err
		}
		created, err := w.a.rt.RunPodSandbox(ctx, pod, attempt)
		release()
		if err != nil {
			return 0, fmt.Errorf("creating the pod sandbox: %w", err)
		}
		sb = created
	}
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		cur := st.latest(c.Name)
		switch {
		case cur == nil || cur.SandboxID != sb.ID:
			return w.start(ctx, pod, sb, c, true, cur, now)
		case cur.State != ContainerExited:
			return 0, nil // running: wait for it to finish
		case cur.ExitCode == 0:
			continue
		case spec.RestartPolicy == core.RestartPolicyNever:
			return 0, nil // failed for good: the pod fails
		default:
			return w.restart(ctx, pod, sb, c, true, cur, now)
		}
	}
	var after time.Duration
	var errs []error
	for i := range spec.Containers {
		c := &spec.Containers[i]
		cur := st.latest(c.Name)
		switch {
		case cur == nil:
			d, err := w.start(ctx, pod, sb, c, false, nil, now)
			after = minPositive(after, d)
			errs = append(errs, err)
		case cur.State == ContainerRunning && cur.Image != c.Image:
			// The image was changed (the one change a pod's spec allows):
			// replace the container, whatever the restart policy.
			d, err := w.replace(ctx, pod, sb, c, cur, now)
			after = minPositive(after, d)
			errs = append(errs, err)
		case cur.State == ContainerRunning && w.probes.failed(cur.ID) != "":
			errs = append(errs, w.killUnhealthy(ctx, pod, c, cur))
		case cur.State == ContainerRunning || cur.State == ContainerCreated:
		case !shouldRestart(spec.RestartPolicy, cur.ExitCode):
		default:
			d, err := w.restart(ctx, pod, sb, c, false, cur, now)
			after = minPositive(after, d)
			errs = append(errs, err)
		}
	}
	return after, errors.Join(errs...)
}

// shouldRestart applies the restart policy to a container that exited.
func shouldRestart(policy core.RestartPolicy, exitCode int32) bool {
	switch policy {
	case core.RestartPolicyNever:
		return false
	case core.RestartPolicyOnFailure:
		return exitCode != 0
	}
	return true
}

// restart starts an exited container again unless it is in back-off, in
// which case it reports CrashLoopBackOff and when the back-off ends.
func (w *podWorker) restart(ctx context.Context, pod *core.Pod, sb *Sandbox, c *core.Container, init bool, cur *Container, now time.Time) (time.Duration, error) {
	if left, delay := w.backoff.wait(c.Name, cur.FinishedAt, now); left > 0 {
		w.waiting[c.Name] = core.ContainerStateWaiting{
			Reason: ReasonCrashLoopBackOff,
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
				delay, c.Name, pod.Name, pod.Namespace, pod.UID),
		}
		w.a.event(pod, core.EventTypeWarning, eventBackOff, "Back-off restarting failed container %s in pod %s_%s(%s)", c.Name, pod.Name, pod.Namespace, pod.UID)
		return left, nil
	}
	w.backoff.next(c.Name, now)
	return w.start(ctx, pod, sb, c, init, cur, now)
}

// replace stops a running container, giving it its grace period, and
// starts its new spec.
func (w *podWorker) replace(ctx context.Context, pod *core.Pod, sb *Sandbox, c *core.Container, cur *Container, now time.Time) (time.Duration, error) {
	w.a.event(pod, core.EventTypeNormal, eventKilling, "Container %s definition changed, will be restarted", c.Name)
	if err := w.a.rt.StopContainer(ctx, cur.ID, gracePeriod(pod)); err != nil {
		return 0, fmt.Errorf("stopping container %s to change its image: %w", c.Name, err)
	}
	stopped := *cur
	stopped.State = ContainerExited
	return w.start(ctx, pod, sb, c, false, &stopped, now)
}

// start runs a new instance of c after prev (nil for the first), and
// removes the instances before prev: the newest exited one stays, as the
// container's lastState. It returns when to look again if the container
// must wait (for its image to be pullable).
func (w *podWorker) start(ctx context.Context, pod *core.Pod, sb *Sandbox, c *core.Container, init bool, prev *Container, now time.Time) (time.Duration, error) {
	attempt := uint32(0)
	if prev != nil {
		attempt = prev.Attempt + 1
	}
	if ok, after := w.ensureImage(ctx, pod, c, now); !ok {
		return after, nil
	}
	cfg := ContainerConfig{Container: c, Init: init, Attempt: attempt}
	if s := w.a.setup; s != nil {
		warnings, err := s.fill(ctx, pod, sb, w.a.hostIP, &cfg)
		if err != nil {
			// Retried at the next sync, without crash back-off: the
			// missing object may be created any time.
			w.waiting[c.Name] = core.ContainerStateWaiting{Reason: containerenv.ReasonCreateContainerConfigError, Message: err.Error()}
			w.a.event(pod, core.EventTypeWarning, eventFailed, "Error: %v", err)
			return 0, fmt.Errorf("container %s: %w", c.Name, err)
		}
		for _, msg := range warnings {
			w.a.event(pod, core.EventTypeWarning, containerenv.ReasonInvalidEnvironmentVariableNames, "%s", msg)
		}
	}
	release, err := w.a.acquireStart(ctx)
	if err != nil {
		return 0, err
	}
	_, err = w.a.rt.StartContainer(ctx, sb.ID, cfg)
	release()
	if err != nil {
		w.waiting[c.Name] = core.ContainerStateWaiting{Reason: ReasonRunContainerError, Message: err.Error()}
		w.backoff.next(c.Name, now)
		w.a.event(pod, core.EventTypeWarning, eventFailed, "Error: %v", err)
		return 0, fmt.Errorf("starting container %s: %w", c.Name, err)
	}
	w.a.event(pod, core.EventTypeNormal, eventCreated, "Created container %s", c.Name)
	w.a.event(pod, core.EventTypeNormal, eventStarted, "Started container %s", c.Name)
	if prev == nil {
		return 0, nil
	}
	st, err := observe(ctx, w.a.rt, w.uid)
	if err != nil {
		return 0, err
	}
	for _, old := range st.containers[c.Name] {
		if old.Attempt < prev.Attempt && old.State == ContainerExited {
			if err := w.a.rt.RemoveContainer(ctx, old.ID); err != nil {
				return 0, fmt.Errorf("removing an old instance of container %s: %w", c.Name, err)
			}
		}
	}
	return 0, nil
}

// rest keeps a finished pod's sandbox stopped, so that its IP is free,
// and writes nothing: a finished pod's status is final.
func (w *podWorker) rest(ctx context.Context) (time.Duration, error) {
	w.probes.stop()
	st, err := observe(ctx, w.a.rt, w.uid)
	if err != nil {
		return 0, err
	}
	for _, sb := range st.sandboxes {
		if sb.Ready {
			if err := w.a.rt.StopPodSandbox(ctx, sb.ID); err != nil {
				return 0, fmt.Errorf("stopping the sandbox of a finished pod: %w", err)
			}
		}
	}
	return 0, nil
}

// exceedDeadline stops a pod that has been active longer than its
// activeDeadlineSeconds and fails it.
func (w *podWorker) exceedDeadline(ctx context.Context, pod *core.Pod) (time.Duration, error) {
	st, err := w.stopAll(ctx, pod, gracePeriod(pod))
	if err != nil {
		return 0, err
	}
	in := w.statusInput(pod, st, true)
	in.reason, in.message = ReasonDeadlineExceeded, "Pod was active on the node longer than the specified deadline"
	if err := w.writeStatus(ctx, pod, computeStatus(in)); err != nil {
		return 0, err
	}
	w.finished = true
	return 0, nil
}

// deadlineLeft is how long the pod may still be active, if it has an
// activeDeadlineSeconds and has started.
func deadlineLeft(pod *core.Pod, now time.Time) (time.Duration, bool) {
	d := pod.Spec.ActiveDeadlineSeconds
	if d == nil || pod.Status.StartTime == nil {
		return 0, false
	}
	return pod.Status.StartTime.Add(time.Duration(*d) * time.Second).Sub(now), true
}

// base is the pod to compute the status from and write it over: the cached
// pod, unless our own last write is newer than the cache.
func (w *podWorker) base(pod *core.Pod) *core.Pod {
	if w.written != nil && w.written.UID == pod.UID && w.written.Revision() > pod.Revision() {
		return w.written
	}
	return pod
}

func (w *podWorker) statusInput(pod *core.Pod, st *podState, terminal bool) statusInput {
	return statusInput{
		pod:         pod,
		st:          st,
		waiting:     w.waiting,
		hostIP:      w.a.hostIP,
		runtimeName: w.a.runtimeVersion.Name,
		terminal:    terminal,
		probes:      w.probes,
		now:         w.a.clock.Now(),
	}
}

// writeStatus writes status over pod's unless nothing changed. A conflict
// re-reads the pod, and the error makes the worker sync again soon.
func (w *podWorker) writeStatus(ctx context.Context, pod *core.Pod, status core.PodStatus) error {
	if sameStatus(status, pod.Status) {
		return nil
	}
	next := *pod // shallow: only Status differs, and the copy is only encoded
	next.Status = status
	written, err := w.a.pods.UpdateStatus(ctx, &next)
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		return nil // deleted meanwhile: the watch will say so
	case errors.Is(err, errdefs.ErrConflict):
		if fresh, gerr := w.a.pods.Get(ctx, pod.Namespace, pod.Name); gerr == nil {
			w.setIfNewer(fresh)
		}
		return fmt.Errorf("writing the status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	case err != nil:
		return fmt.Errorf("writing the status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	w.written = written
	w.a.statusWrites.Add(1)
	return nil
}

// minPositive is the smaller of two waits, where 0 means none.
func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}
