package nodeagent

import (
	"context"
	"io"
	"strings"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
)

var podsResource = errdefs.Resource{Resource: "pods"}

// ContainerLogs writes the log of a container of one of this node's pods
// to w: the running or last instance, or with previous the one before,
// as the kubelet picks them from the pod's status.
func (a *Agent) ContainerLogs(ctx context.Context, namespace, pod, container string, previous bool, opts LogOptions, w io.Writer) error {
	p, err := a.ownPod(namespace, pod)
	if err != nil {
		return err
	}
	id, err := logContainerID(p, container, previous)
	if err != nil {
		return err
	}
	return a.rt.ContainerLogs(ctx, id, opts, w)
}

// Exec runs a command in the running instance of a container of one of
// this node's pods.
func (a *Agent) Exec(ctx context.Context, namespace, pod, container string, opts ExecOptions) (int, error) {
	p, err := a.ownPod(namespace, pod)
	if err != nil {
		return 0, err
	}
	cs := findStatus(p, container)
	if cs == nil {
		return 0, errdefs.BadRequest("container %s is not valid for pod %s", container, pod)
	}
	if cs.State.Running == nil || cs.ContainerID == "" {
		return 0, errdefs.BadRequest("container %s in pod %s is not running", container, pod)
	}
	return a.rt.Exec(ctx, runtimeID(cs.ContainerID), opts)
}

// ownPod finds a pod bound to this node in the cache.
func (a *Agent) ownPod(namespace, name string) (*core.Pod, error) {
	if p, ok := a.podCache.Get(namespace, name); ok && p.Spec.NodeName == a.cfg.NodeName {
		return p, nil
	}
	return nil, errdefs.NotFound(podsResource, name)
}

// logContainerID is the kubelet's choice of the instance whose log to
// show.
func logContainerID(p *core.Pod, container string, previous bool) (string, error) {
	cs := findStatus(p, container)
	if cs == nil {
		return "", errdefs.BadRequest("container %s is not valid for pod %s", container, p.Name)
	}
	last := cs.LastTerminationState.Terminated
	switch {
	case previous:
		if last == nil || last.ContainerID == "" {
			return "", errdefs.BadRequest("previous terminated container %q in pod %q not found", container, p.Name)
		}
		return runtimeID(last.ContainerID), nil
	case cs.State.Running != nil && cs.ContainerID != "":
		return runtimeID(cs.ContainerID), nil
	case cs.State.Terminated != nil && cs.State.Terminated.ContainerID != "":
		return runtimeID(cs.State.Terminated.ContainerID), nil
	case last != nil && last.ContainerID != "":
		return runtimeID(last.ContainerID), nil
	case cs.State.Waiting != nil:
		switch cs.State.Waiting.Reason {
		case ReasonErrImagePull:
			return "", errdefs.BadRequest("container %q in pod %q is waiting to start: image can't be pulled", container, p.Name)
		case ReasonImagePullBackOff:
			return "", errdefs.BadRequest("container %q in pod %q is waiting to start: trying and failing to pull image", container, p.Name)
		}
		return "", errdefs.BadRequest("container %q in pod %q is waiting to start: %s", container, p.Name, cs.State.Waiting.Reason)
	}
	return "", errdefs.BadRequest("container %q in pod %q has not started", container, p.Name)
}

// findStatus returns the status of the named container, a waiting one if
// the spec has it but the status does not yet, or nil if the pod has no
// such container.
func findStatus(p *core.Pod, container string) *core.ContainerStatus {
	for _, list := range [][]core.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses} {
		for i := range list {
			if list[i].Name == container {
				return &list[i]
			}
		}
	}
	for _, list := range [][]core.Container{p.Spec.Containers, p.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == container {
				return &core.ContainerStatus{Name: container, State: core.ContainerState{
					Waiting: &core.ContainerStateWaiting{Reason: ReasonContainerCreating}}}
			}
		}
	}
	return nil
}

// runtimeID strips the runtime's scheme from a status containerID
// ("containerd://abc" -> "abc").
func runtimeID(containerID string) string {
	if _, id, ok := strings.Cut(containerID, "://"); ok {
		return id
	}
	return containerID
}
