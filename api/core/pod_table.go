package core

import (
	"fmt"
	"strconv"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/table"
)

func podColumns() []meta.TableColumnDefinition {
	return []meta.TableColumnDefinition{
		table.NameColumn(),
		table.Column("Ready", table.TypeString, "The aggregate readiness state of this pod for accepting traffic."),
		table.Column("Status", table.TypeString, "The aggregate status of the containers in this pod."),
		table.Column("Restarts", table.TypeString, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		table.AgeColumn(),
		table.Wide("IP", table.TypeString, "IP address allocated to the pod. Routable at least within the cluster."),
		table.Wide("Node", table.TypeString, "NodeName is the node the pod is bound to."),
		table.Wide("Nominated Node", table.TypeString, "The node the pod is expected to run on once the pods it preempts are gone."),
		table.Wide("Readiness Gates", table.TypeString, "The readiness gates of the pod that are True, out of all of them."),
	}
}

// podRow renders a pod as `kubectl get pods` does.
func podRow(p *Pod) []any {
	s := podSummary(p)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, table.Age(s.lastRestart))
	}
	ip := p.Status.PodIP
	if len(p.Status.PodIPs) > 0 {
		ip = p.Status.PodIPs[0].IP
	}
	return []any{
		p.Name,
		fmt.Sprintf("%d/%d", s.ready, len(p.Spec.Containers)),
		s.status,
		restarts,
		table.Age(p.CreationTimestamp),
		table.OrNone(ip),
		table.OrNone(p.Spec.NodeName),
		table.OrNone(p.Status.NominatedNodeName),
		readinessGatesCell(p),
	}
}

type podRowSummary struct {
	status      string
	ready       int
	restarts    int
	lastRestart meta.Time
}

// podSummary computes the STATUS, READY and RESTARTS cells the way
// kubectl's pod printer does: the phase (or status reason), overridden by
// the first unfinished init container ("Init:1/3", "Init:CrashLoopBackOff"),
// else by the last app container that is waiting or terminated, and by
// "Terminating" once the pod is being deleted.
func podSummary(p *Pod) podRowSummary {
	var s podRowSummary
	s.status = string(p.Status.Phase)
	if p.Status.Reason != "" {
		s.status = p.Status.Reason
	}
	if c := p.Status.Condition(PodScheduled); c != nil && c.Reason == PodReasonSchedulingGated {
		s.status = PodReasonSchedulingGated
	}

	initializing := false
	for i, c := range p.Status.InitContainerStatuses {
		s.countRestarts(c)
		state := c.State
		switch {
		case state.Terminated != nil && state.Terminated.ExitCode == 0:
			continue
		case state.Terminated != nil:
			switch {
			case state.Terminated.Reason != "":
				s.status = "Init:" + state.Terminated.Reason
			case state.Terminated.Signal != 0:
				s.status = fmt.Sprintf("Init:Signal:%d", state.Terminated.Signal)
			default:
				s.status = fmt.Sprintf("Init:ExitCode:%d", state.Terminated.ExitCode)
			}
		case state.Waiting != nil && state.Waiting.Reason != "" && state.Waiting.Reason != "PodInitializing":
			s.status = "Init:" + state.Waiting.Reason
		default:
			s.status = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if initialized := p.Status.Condition(PodInitialized); !initializing || (initialized != nil && initialized.Status == ConditionTrue) {
		// Restarts of finished init containers no longer show once the
		// app containers are up.
		s.restarts, s.lastRestart = 0, meta.Time{}
		hasRunning := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := p.Status.ContainerStatuses[i]
			s.countRestarts(c)
			state := c.State
			switch {
			case state.Waiting != nil && state.Waiting.Reason != "":
				s.status = state.Waiting.Reason
			case state.Terminated != nil && state.Terminated.Reason != "":
				s.status = state.Terminated.Reason
			case state.Terminated != nil && state.Terminated.Signal != 0:
				s.status = fmt.Sprintf("Signal:%d", state.Terminated.Signal)
			case state.Terminated != nil:
				s.status = fmt.Sprintf("ExitCode:%d", state.Terminated.ExitCode)
			case c.Ready && state.Running != nil:
				hasRunning = true
				s.ready++
			}
		}
		// One container completed while another still runs: the pod runs.
		if s.status == "Completed" && hasRunning {
			if p.IsReady() {
				s.status = "Running"
			} else {
				s.status = "NotReady"
			}
		}
	}

	switch {
	case p.DeletionTimestamp != nil && p.Status.Reason == NodeUnreachablePodReason:
		s.status = "Unknown"
	case p.DeletionTimestamp != nil && !p.IsTerminal():
		s.status = "Terminating"
	}
	return s
}

func (s *podRowSummary) countRestarts(c ContainerStatus) {
	s.restarts += int(c.RestartCount)
	if t := c.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(s.lastRestart.Time) {
		s.lastRestart = t.FinishedAt
	}
}

// readinessGatesCell is "<none>" or how many of the pod's readiness gates
// are True, "1/2".
func readinessGatesCell(p *Pod) string {
	if len(p.Spec.ReadinessGates) == 0 {
		return table.None
	}
	n := 0
	for _, g := range p.Spec.ReadinessGates {
		if c := p.Status.Condition(g.ConditionType); c != nil && c.Status == ConditionTrue {
			n++
		}
	}
	return fmt.Sprintf("%d/%d", n, len(p.Spec.ReadinessGates))
}
