package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// terminate handles a pod with a deletionTimestamp: its containers get
// their grace period to stop, the final status is written, and the agent
// deletes the pod for good (grace 0, only if it is still the same pod).
// The worker then waits for the watch to report the pod gone.
func (w *podWorker) terminate(ctx context.Context, pod *core.Pod) (time.Duration, error) {
	w.finished = true
	w.probes.stop()
	if w.deleted {
		return 0, nil
	}
	st, err := w.stopAll(ctx, pod, gracePeriod(pod))
	if err != nil {
		return 0, err
	}
	base := w.base(pod)
	if !base.IsTerminal() {
		w.waiting = nil
		if err := w.writeStatus(ctx, base, computeStatus(w.statusInput(base, st, true))); err != nil {
			return 0, err
		}
	}
	uid := pod.UID
	err = w.a.pods.Delete(ctx, pod.Namespace, pod.Name, &meta.DeleteOptions{
		GracePeriodSeconds: ptr(int64(0)),
		Preconditions:      &meta.Preconditions{UID: &uid},
	})
	// NotFound: gone already. Conflict: the name holds a newer pod now.
	if err != nil && !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, errdefs.ErrConflict) {
		return 0, fmt.Errorf("deleting pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	w.deleted = true
	return 0, nil
}

// cleanUp stops and removes whatever the runtime still runs for a pod the
// API no longer has. pod may be a stand-in that only names the pod.
func (w *podWorker) cleanUp(ctx context.Context, pod *core.Pod) error {
	if _, err := w.stopAll(ctx, pod, gracePeriod(pod)); err != nil {
		return err
	}
	sbs, err := w.a.rt.ListSandboxes(ctx, w.uid)
	if err != nil {
		return err
	}
	for _, sb := range sbs {
		if err := w.a.rt.RemovePodSandbox(ctx, sb.ID); err != nil {
			return fmt.Errorf("removing the sandbox of pod %s: %w", w.uid, err)
		}
	}
	if s := w.a.setup; s != nil {
		return s.teardown(w.uid)
	}
	return nil
}

// stopAll stops every running container of the pod, all at once, each
// with the grace period, then the sandboxes; it returns what is left.
func (w *podWorker) stopAll(ctx context.Context, pod *core.Pod, grace time.Duration) (*podState, error) {
	st, err := observe(ctx, w.a.rt, w.uid)
	if err != nil {
		return nil, err
	}
	running := st.running()
	errs := make([]error, len(running))
	var wg sync.WaitGroup
	for i, c := range running {
		w.a.event(pod, core.EventTypeNormal, eventKilling, "Stopping container %s", c.Name)
		wg.Go(func() {
			if err := w.a.rt.StopContainer(ctx, c.ID, grace); err != nil {
				errs[i] = fmt.Errorf("stopping container %s: %w", c.Name, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, sb := range st.sandboxes {
		if sb.Ready {
			if err := w.a.rt.StopPodSandbox(ctx, sb.ID); err != nil {
				return nil, fmt.Errorf("stopping the pod sandbox: %w", err)
			}
		}
	}
	return observe(ctx, w.a.rt, w.uid)
}

// gracePeriod is how long the pod's containers get to stop: what the
// deletion set, else the pod's terminationGracePeriodSeconds.
func gracePeriod(pod *core.Pod) time.Duration {
	secs := int64(core.DefaultTerminationGracePeriodSeconds)
	switch {
	case pod == nil:
	case pod.DeletionGracePeriodSeconds != nil:
		secs = *pod.DeletionGracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		secs = *pod.Spec.TerminationGracePeriodSeconds
	}
	return time.Duration(max(secs, 0)) * time.Second
}
