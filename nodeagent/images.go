package nodeagent

import (
	"context"
	"fmt"
	"time"

	"github.com/wharf/wharf/api/core"
)

// Waiting reasons of a container whose image is not there, as the
// kubelet's image manager reports them.
const (
	ReasonErrImagePull      = "ErrImagePull"
	ReasonImagePullBackOff  = "ImagePullBackOff"
	ReasonErrImageNeverPull = "ErrImageNeverPull"
	ReasonInvalidImageName  = "InvalidImageName"
)

// ensureImage makes c's image present as its imagePullPolicy says: Never
// uses what is there, IfNotPresent pulls what is missing, Always pulls
// every time a container starts (a pull of what is there is cheap). When
// the image cannot be had, it records why the container waits and returns
// when to try again; a failed pull backs off per image as crashes do, and
// a successful one ends the back-off.
func (w *podWorker) ensureImage(ctx context.Context, pod *core.Pod, c *core.Container, now time.Time) (ready bool, after time.Duration) {
	if c.Image == "" {
		w.waiting[c.Name] = core.ContainerStateWaiting{Reason: ReasonInvalidImageName, Message: "container " + c.Name + " names no image"}
		return false, 0
	}
	present, err := w.a.rt.ImagePresent(ctx, c.Image)
	if err != nil {
		w.waiting[c.Name] = core.ContainerStateWaiting{Reason: ReasonErrImagePull, Message: err.Error()}
		return false, 0
	}
	policy := c.ImagePullPolicy
	switch {
	case policy == core.PullNever && !present:
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		w.waiting[c.Name] = core.ContainerStateWaiting{Reason: ReasonErrImageNeverPull, Message: msg}
		w.a.event(pod, core.EventTypeWarning, ReasonErrImageNeverPull, "%s", msg)
		return false, 0
	case policy == core.PullNever || (present && policy != core.PullAlways):
		w.a.event(pod, core.EventTypeNormal, eventPulled, "Container image %q already present on machine", c.Image)
		return true, 0
	}
	if left := w.pullBackoff.waitSinceLast(c.Image, now); left > 0 {
		msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
		w.waiting[c.Name] = core.ContainerStateWaiting{Reason: ReasonImagePullBackOff, Message: msg}
		w.a.event(pod, core.EventTypeNormal, eventBackOff, "%s", msg)
		return false, left
	}
	w.a.event(pod, core.EventTypeNormal, eventPulling, "Pulling image %q", c.Image)
	start := w.a.clock.Now()
	if err := w.a.rt.PullImage(ctx, c.Image); err != nil {
		if ctx.Err() != nil {
			return false, 0
		}
		failedAt := w.a.clock.Now()
		w.pullBackoff.next(c.Image, failedAt)
		w.waiting[c.Name] = core.ContainerStateWaiting{Reason: ReasonErrImagePull, Message: err.Error()}
		w.a.event(pod, core.EventTypeWarning, eventFailed, "Failed to pull image %q: %v", c.Image, err)
		w.a.event(pod, core.EventTypeWarning, eventFailed, "Error: %s", ReasonErrImagePull)
		return false, w.pullBackoff.waitSinceLast(c.Image, failedAt)
	}
	w.pullBackoff.reset(c.Image)
	w.a.event(pod, core.EventTypeNormal, eventPulled, "Successfully pulled image %q in %s", c.Image, w.a.clock.Now().Sub(start).Round(time.Millisecond))
	return true, 0
}
