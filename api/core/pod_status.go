package core

import (
	"time"

	"github.com/wharf/wharf/api/meta"
)

// PodStatus is what the node agent and scheduler observe about a pod.
type PodStatus struct {
	Phase      PodPhase       `json:"phase,omitempty"`
	Conditions []PodCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// Message and Reason explain the phase, e.g. "Evicted".
	Message string `json:"message,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// NominatedNodeName is where a preempting pod expects to run once its
	// victims are gone.
	NominatedNodeName string   `json:"nominatedNodeName,omitempty"`
	HostIP            string   `json:"hostIP,omitempty"`
	HostIPs           []HostIP `json:"hostIPs,omitempty" patchStrategy:"merge" patchMergeKey:"ip"`
	// PodIP is the first of PodIPs, kept for older clients.
	PodIP                 string            `json:"podIP,omitempty"`
	PodIPs                []PodIP           `json:"podIPs,omitempty" patchStrategy:"merge" patchMergeKey:"ip"`
	StartTime             *meta.Time        `json:"startTime,omitempty"`
	InitContainerStatuses []ContainerStatus `json:"initContainerStatuses,omitempty"`
	ContainerStatuses     []ContainerStatus `json:"containerStatuses,omitempty"`
	QOSClass              PodQOSClass       `json:"qosClass,omitempty"`
}

// PodPhase is the coarse summary of where a pod is in its lifecycle.
type PodPhase string

// Pod phases.
const (
	// PodPending: accepted, but not all containers have started (waiting
	// for scheduling, image pulls, init containers).
	PodPending PodPhase = "Pending"
	// PodRunning: bound to a node and at least one container runs.
	PodRunning PodPhase = "Running"
	// PodSucceeded: every container exited 0 and none will restart.
	PodSucceeded PodPhase = "Succeeded"
	// PodFailed: every container has exited and at least one failed.
	PodFailed PodPhase = "Failed"
	// PodUnknown: the node stopped reporting.
	PodUnknown PodPhase = "Unknown"
)

// ConditionStatus is the status of a condition.
type ConditionStatus string

// Condition statuses.
const (
	ConditionTrue    ConditionStatus = "True"
	ConditionFalse   ConditionStatus = "False"
	ConditionUnknown ConditionStatus = "Unknown"
)

// PodConditionType names a pod condition.
type PodConditionType string

// Pod conditions, in the order a pod usually gains them.
const (
	PodScheduled    PodConditionType = "PodScheduled"
	PodInitialized  PodConditionType = "Initialized"
	ContainersReady PodConditionType = "ContainersReady"
	PodReady        PodConditionType = "Ready"
)

// Reasons the scheduler and node agent put in pod conditions and status.
const (
	// PodReasonUnschedulable: the scheduler found no node that fits.
	PodReasonUnschedulable = "Unschedulable"
	// PodReasonSchedulingGated: the pod waits for scheduling gates.
	PodReasonSchedulingGated = "SchedulingGated"
	// NodeUnreachablePodReason: the pod's node stopped reporting, so the
	// pod is being deleted without its agent's confirmation.
	NodeUnreachablePodReason = "NodeLost"
)

// PodCondition is one observed aspect of a pod.
type PodCondition struct {
	Type               PodConditionType `json:"type"`
	Status             ConditionStatus  `json:"status"`
	LastProbeTime      meta.Time        `json:"lastProbeTime,omitempty"`
	LastTransitionTime meta.Time        `json:"lastTransitionTime,omitempty"`
	Reason             string           `json:"reason,omitempty"`
	Message            string           `json:"message,omitempty"`
}

// HostIP is one address of the pod's node.
type HostIP struct {
	IP string `json:"ip"`
}

// PodIP is one address of the pod, one per IP family.
type PodIP struct {
	IP string `json:"ip"`
}

// PodQOSClass is the quality-of-service class derived from requests and
// limits, which decides eviction order and cgroup placement.
type PodQOSClass string

// QoS classes.
const (
	// PodQOSGuaranteed: every container has equal CPU and memory requests
	// and limits.
	PodQOSGuaranteed PodQOSClass = "Guaranteed"
	// PodQOSBurstable: some requests or limits, but not Guaranteed.
	PodQOSBurstable PodQOSClass = "Burstable"
	// PodQOSBestEffort: no CPU or memory requests or limits at all.
	PodQOSBestEffort PodQOSClass = "BestEffort"
)

// ContainerStatus is what the node agent observes about one container.
type ContainerStatus struct {
	Name  string         `json:"name"`
	State ContainerState `json:"state,omitempty"`
	// LastTerminationState is the state of the previous run, kept for
	// `kubectl describe` and the RESTARTS column.
	LastTerminationState ContainerState `json:"lastState,omitempty"`
	Ready                bool           `json:"ready"`
	RestartCount         int32          `json:"restartCount"`
	Image                string         `json:"image"`
	ImageID              string         `json:"imageID"`
	// ContainerID is "<runtime>://<id>".
	ContainerID string `json:"containerID,omitempty"`
	// Started is true once the startup probe has passed (or there is none).
	Started *bool `json:"started,omitempty"`
}

// ContainerState is exactly one of waiting, running or terminated; none set
// means waiting.
type ContainerState struct {
	Waiting    *ContainerStateWaiting    `json:"waiting,omitempty"`
	Running    *ContainerStateRunning    `json:"running,omitempty"`
	Terminated *ContainerStateTerminated `json:"terminated,omitempty"`
}

// ContainerStateWaiting says why a container is not running yet, e.g.
// "ContainerCreating", "ImagePullBackOff", "CrashLoopBackOff".
type ContainerStateWaiting struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ContainerStateRunning says since when a container runs.
type ContainerStateRunning struct {
	StartedAt meta.Time `json:"startedAt,omitempty"`
}

// ContainerStateTerminated describes a container's exit.
type ContainerStateTerminated struct {
	ExitCode    int32     `json:"exitCode"`
	Signal      int32     `json:"signal,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Message     string    `json:"message,omitempty"`
	StartedAt   meta.Time `json:"startedAt,omitempty"`
	FinishedAt  meta.Time `json:"finishedAt,omitempty"`
	ContainerID string    `json:"containerID,omitempty"`
}

// Condition returns the pod's condition of type t, or nil.
func (s *PodStatus) Condition(t PodConditionType) *PodCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

// IsReady reports whether the pod's Ready condition is True.
func (p *Pod) IsReady() bool {
	c := p.Status.Condition(PodReady)
	return c != nil && c.Status == ConditionTrue
}

// ReadySince is when the pod's Ready condition last changed, zero if it
// has none: with IsReady, how long it has been ready.
func (p *Pod) ReadySince() time.Time {
	if c := p.Status.Condition(PodReady); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// MaxRestarts is the highest restartCount of the pod's containers, which
// controllers and kubectl use to rank pods.
func (p *Pod) MaxRestarts() int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n = max(n, c.RestartCount)
	}
	return n
}

// IsTerminal reports whether the pod has finished for good: Succeeded or
// Failed.
func (p *Pod) IsTerminal() bool {
	return p.Status.Phase == PodSucceeded || p.Status.Phase == PodFailed
}
