package nodeagent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Waiting reasons and pod reasons the agent reports, as the kubelet words
// them.
const (
	ReasonContainerCreating = "ContainerCreating"
	ReasonPodInitializing   = "PodInitializing"
	ReasonCrashLoopBackOff  = "CrashLoopBackOff"
	ReasonRunContainerError = "RunContainerError"
	ReasonDeadlineExceeded  = "DeadlineExceeded"

	reasonContainersNotInitialized = "ContainersNotInitialized"
	reasonContainersNotReady       = "ContainersNotReady"
	reasonPodCompleted             = "PodCompleted"
	reasonReadinessGatesNotReady   = "ReadinessGatesNotReady"
)

// statusInput is everything a pod's status is computed from.
type statusInput struct {
	// pod is the pod as last written: spec, and the status to carry over.
	pod *core.Pod
	st  *podState
	// waiting says why a container is not running, as the last sync
	// decided (CrashLoopBackOff, RunContainerError).
	waiting     map[string]core.ContainerStateWaiting
	hostIP      string
	runtimeName string
	// terminal says the pod is stopping for good (deleted, or past its
	// deadline): its phase must become Succeeded or Failed.
	terminal bool
	// reason and message say why the agent ended the pod (it ran past its
	// deadline): the pod has Failed.
	reason, message string
	// probes says which running containers have started and are ready;
	// nil passes them all.
	probes *podProbes
	now    time.Time
}

// computeStatus is the pod status the agent reports: what the agent owns
// (phase, its conditions, IPs, start time, container statuses) is computed;
// everything else is carried over from the pod's current status.
func computeStatus(in statusInput) core.PodStatus {
	old := &in.pod.Status
	s := meta.DeepCopy(*old)
	now := meta.NewTime(in.now)
	spec := &in.pod.Spec

	s.HostIP = in.hostIP
	s.HostIPs = []core.HostIP{{IP: in.hostIP}}
	switch sb := in.st.sandbox(); {
	case spec.HostNetwork:
		s.PodIP = in.hostIP
	case sb != nil && sb.IP != "":
		s.PodIP = sb.IP
	}
	if s.PodIP != "" {
		s.PodIPs = []core.PodIP{{IP: s.PodIP}}
	}
	if s.StartTime == nil {
		s.StartTime = &now
	}
	if s.QOSClass == "" {
		s.QOSClass = core.ComputePodQOS(spec)
	}
	if in.reason != "" {
		s.Reason, s.Message = in.reason, in.message
	}

	initDone := true
	s.InitContainerStatuses = nil
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		cs := containerStatus(c, in, ReasonPodInitializing)
		s.InitContainerStatuses = append(s.InitContainerStatuses, cs)
		if !succeeded(cs) {
			initDone = false
		}
	}
	appWaiting := ReasonContainerCreating
	if !initDone {
		appWaiting = ReasonPodInitializing
	}
	s.ContainerStatuses = nil
	for i := range spec.Containers {
		s.ContainerStatuses = append(s.ContainerStatuses, containerStatus(&spec.Containers[i], in, appWaiting))
	}

	switch {
	case in.pod.IsTerminal():
		// A pod that finished never runs again.
	case in.reason != "":
		s.Phase = core.PodFailed
	default:
		s.Phase = podPhase(spec, s.InitContainerStatuses, s.ContainerStatuses, in.terminal)
	}
	s.Conditions = podConditions(in.pod, &s, now)
	return s
}

// containerStatus reports one container from its newest instance and the
// worker's waiting reason. notStarted is the waiting reason of a container
// that never ran.
func containerStatus(c *core.Container, in statusInput, notStarted string) core.ContainerStatus {
	cs := core.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptr(false)}
	insts := in.st.containers[c.Name]
	if in.st.sandbox() == nil && len(insts) == 0 {
		notStarted = ReasonContainerCreating
	}
	w, hasWaiting := in.waiting[c.Name]
	if len(insts) == 0 {
		if !hasWaiting {
			w = core.ContainerStateWaiting{Reason: notStarted}
		}
		cs.State.Waiting = &w
		return cs
	}
	cur := &insts[0]
	cs.RestartCount = int32(cur.Attempt)
	cs.Image, cs.ImageID = cur.Image, cur.ImageRef
	cs.ContainerID = in.runtimeName + "://" + cur.ID
	switch cur.State {
	case ContainerRunning:
		cs.State.Running = &core.ContainerStateRunning{StartedAt: meta.NewTime(cur.StartedAt)}
		// A running container of a live sandbox is ready once its
		// startup and readiness probes, if any, have passed.
		started, ready := in.probes.status(c, cur.ID)
		sb := in.st.sandbox()
		cs.Ready = sb != nil && sb.ID == cur.SandboxID && !in.terminal && ready
		cs.Started = ptr(started)
	case ContainerExited:
		t := terminated(in.runtimeName, cur)
		if hasWaiting {
			cs.State.Waiting = &w
			cs.LastTerminationState.Terminated = t
		} else {
			cs.State.Terminated = t
		}
	default:
		if !hasWaiting {
			w = core.ContainerStateWaiting{Reason: ReasonContainerCreating}
		}
		cs.State.Waiting = &w
	}
	if cs.LastTerminationState.Terminated == nil && len(insts) > 1 && insts[1].State == ContainerExited {
		cs.LastTerminationState.Terminated = terminated(in.runtimeName, &insts[1])
	}
	return cs
}

func terminated(runtimeName string, c *Container) *core.ContainerStateTerminated {
	return &core.ContainerStateTerminated{
		ExitCode:    c.ExitCode,
		Reason:      c.Reason,
		Message:     c.Message,
		StartedAt:   meta.NewTime(c.StartedAt),
		FinishedAt:  meta.NewTime(c.FinishedAt),
		ContainerID: runtimeName + "://" + c.ID,
	}
}

func succeeded(cs core.ContainerStatus) bool {
	return cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
}

// failed reports a container whose last run failed, whether it now waits
// to restart or not.
func failed(cs core.ContainerStatus) bool {
	switch {
	case cs.State.Terminated != nil:
		return cs.State.Terminated.ExitCode != 0
	case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
		return cs.LastTerminationState.Terminated.ExitCode != 0
	}
	return false
}

// podPhase sums the containers up as the kubelet does. A container that
// waits to restart counts as stopped, not as waiting: a crash-looping pod
// with restartPolicy Always is Running. terminal forces a final phase.
func podPhase(spec *core.PodSpec, inits, apps []core.ContainerStatus, terminal bool) core.PodPhase {
	pendingInit := false
	for _, cs := range inits {
		if succeeded(cs) {
			continue
		}
		if failed(cs) && spec.RestartPolicy == core.RestartPolicyNever {
			return core.PodFailed
		}
		pendingInit = true
	}
	if pendingInit {
		if terminal {
			return core.PodFailed
		}
		return core.PodPending
	}
	var running, waiting, stopped, ok int
	for _, cs := range apps {
		switch {
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				ok++
			}
		case cs.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case terminal && running == 0 && waiting == 0 && stopped == ok:
		return core.PodSucceeded
	case terminal:
		return core.PodFailed
	case waiting > 0:
		return core.PodPending
	case running > 0:
		return core.PodRunning
	case stopped > 0:
		switch {
		case spec.RestartPolicy == core.RestartPolicyAlways:
			return core.PodRunning // restarting
		case stopped == ok:
			return core.PodSucceeded
		case spec.RestartPolicy == core.RestartPolicyNever:
			return core.PodFailed
		}
		return core.PodRunning // OnFailure: restarting the failed ones
	}
	return core.PodPending
}

// podConditions returns the conditions of s: the four the agent owns,
// first, in the kubelet's order, then any others the pod has, unchanged. A
// condition keeps its lastTransitionTime while its status stays the same.
func podConditions(pod *core.Pod, s *core.PodStatus, now meta.Time) []core.PodCondition {
	old := pod.Status.Conditions
	var unready, incomplete []string
	for _, cs := range s.InitContainerStatuses {
		if !succeeded(cs) {
			incomplete = append(incomplete, cs.Name)
		}
	}
	for _, cs := range s.ContainerStatuses {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}

	initialized := core.PodCondition{Type: core.PodInitialized, Status: core.ConditionTrue}
	if len(incomplete) > 0 {
		initialized = core.PodCondition{Type: core.PodInitialized, Status: core.ConditionFalse,
			Reason:  reasonContainersNotInitialized,
			Message: fmt.Sprintf("containers with incomplete status: [%s]", strings.Join(incomplete, " "))}
	}
	containersReady := core.PodCondition{Type: core.ContainersReady, Status: core.ConditionTrue}
	switch {
	case s.Phase == core.PodSucceeded:
		containersReady = core.PodCondition{Type: core.ContainersReady, Status: core.ConditionFalse, Reason: reasonPodCompleted}
	case len(unready) > 0:
		containersReady = core.PodCondition{Type: core.ContainersReady, Status: core.ConditionFalse,
			Reason:  reasonContainersNotReady,
			Message: fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " "))}
	}
	ready := containersReady
	ready.Type = core.PodReady
	if ready.Status == core.ConditionTrue {
		if msg := readinessGatesMessage(pod); msg != "" {
			ready = core.PodCondition{Type: core.PodReady, Status: core.ConditionFalse, Reason: reasonReadinessGatesNotReady, Message: msg}
		}
	}
	scheduled := core.PodCondition{Type: core.PodScheduled, Status: core.ConditionTrue}
	if c := pod.Status.Condition(core.PodScheduled); c != nil {
		scheduled = *c
	}

	out := make([]core.PodCondition, 0, len(old)+4)
	for _, c := range []core.PodCondition{initialized, ready, containersReady, scheduled} {
		out = append(out, keepTransition(c, old, now))
	}
	for _, c := range old {
		switch c.Type {
		case core.PodInitialized, core.PodReady, core.ContainersReady, core.PodScheduled:
		default:
			out = append(out, c)
		}
	}
	return out
}

// keepTransition stamps c with the time its status last changed.
func keepTransition(c core.PodCondition, old []core.PodCondition, now meta.Time) core.PodCondition {
	for _, o := range old {
		if o.Type == c.Type && o.Status == c.Status {
			if !o.LastTransitionTime.IsZero() {
				c.LastTransitionTime = o.LastTransitionTime
				c.LastProbeTime = o.LastProbeTime
				return c
			}
			break
		}
	}
	c.LastTransitionTime = now
	return c
}

// readinessGatesMessage explains the first readiness gate that is not
// True, or returns "".
func readinessGatesMessage(pod *core.Pod) string {
	for _, g := range pod.Spec.ReadinessGates {
		c := pod.Status.Condition(g.ConditionType)
		switch {
		case c == nil:
			return fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", g.ConditionType)
		case c.Status != core.ConditionTrue:
			return fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %s", g.ConditionType, c.Status)
		}
	}
	return ""
}

// sameStatus compares two statuses as the server would store them, so that
// nil and empty lists or maps do not count as a change.
func sameStatus(a, b core.PodStatus) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func ptr[T any](v T) *T { return &v }
