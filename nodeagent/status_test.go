package nodeagent

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func readySandbox() *Sandbox {
	return &Sandbox{ID: "sb1", PodUID: "uid", Ready: true, IP: "10.128.0.7", CreatedAt: t0}
}

// stateOf is the runtime's view of a pod: a sandbox (nil for none) and
// container instances, in any order.
func stateOf(sb *Sandbox, cs ...Container) *podState {
	st := &podState{containers: map[string][]Container{}}
	if sb != nil {
		st.sandboxes = []Sandbox{*sb}
	}
	for _, c := range cs {
		st.containers[c.Name] = append(st.containers[c.Name], c)
	}
	for _, l := range st.containers {
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && l[j].Attempt > l[j-1].Attempt; j-- {
				l[j], l[j-1] = l[j-1], l[j]
			}
		}
	}
	return st
}

func runningC(name string, attempt uint32) Container {
	return Container{ID: fmt.Sprintf("%s-%d", name, attempt), SandboxID: "sb1", Name: name, Attempt: attempt,
		Image: "img", ImageRef: "img@sha256:1", State: ContainerRunning, StartedAt: t0}
}

func exitedC(name string, attempt uint32, code int32) Container {
	c := runningC(name, attempt)
	c.State, c.ExitCode, c.FinishedAt, c.Reason = ContainerExited, code, t0.Add(time.Second), exitReason(code)
	return c
}

// summary is the part of a status the tests look at, in a form that
// reads well in a diff.
type summary struct {
	Phase      core.PodPhase
	Conditions map[core.PodConditionType]string // "True", or "False/Reason"
	Containers []string                         // "app running ready restarts=0"
	PodIP      string
}

func summarize(s core.PodStatus) summary {
	out := summary{Phase: s.Phase, Conditions: map[core.PodConditionType]string{}, PodIP: s.PodIP}
	for _, c := range s.Conditions {
		v := string(c.Status)
		if c.Reason != "" {
			v += "/" + c.Reason
		}
		out.Conditions[c.Type] = v
	}
	describe := func(prefix string, cs core.ContainerStatus) string {
		d := prefix + cs.Name
		switch {
		case cs.State.Running != nil:
			d += " running"
		case cs.State.Terminated != nil:
			d += fmt.Sprintf(" exited:%d", cs.State.Terminated.ExitCode)
		case cs.State.Waiting != nil:
			d += " waiting:" + cs.State.Waiting.Reason
		}
		if t := cs.LastTerminationState.Terminated; t != nil {
			d += fmt.Sprintf(" last:%d", t.ExitCode)
		}
		if cs.Ready {
			d += " ready"
		}
		return d + fmt.Sprintf(" restarts=%d", cs.RestartCount)
	}
	for _, cs := range s.InitContainerStatuses {
		out.Containers = append(out.Containers, describe("init:", cs))
	}
	for _, cs := range s.ContainerStatuses {
		out.Containers = append(out.Containers, describe("", cs))
	}
	return out
}

func conds(initialized, ready, containersReady string) map[core.PodConditionType]string {
	return map[core.PodConditionType]string{
		core.PodInitialized: initialized, core.PodReady: ready, core.ContainersReady: containersReady, core.PodScheduled: "True",
	}
}

func TestComputeStatus(t *testing.T) {
	crashLoop := map[string]core.ContainerStateWaiting{"app": {Reason: ReasonCrashLoopBackOff, Message: "back-off 20s"}}
	tests := []struct {
		name     string
		pod      *core.Pod
		st       *podState
		waiting  map[string]core.ContainerStateWaiting
		terminal bool
		reason   string
		want     summary
	}{{
		name: "no sandbox yet",
		pod:  testPod("p").obj(),
		st:   stateOf(nil),
		want: summary{Phase: core.PodPending, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app waiting:ContainerCreating restarts=0"}},
	}, {
		name: "running and ready",
		pod:  testPod("p").obj(),
		st:   stateOf(readySandbox(), runningC("app", 0)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "True", "True"),
			Containers: []string{"app running ready restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "host network pods have the node's IP",
		pod:  testPod("p").hostNetwork().obj(),
		st:   stateOf(&Sandbox{ID: "sb1", Ready: true}, runningC("app", 0)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "True", "True"),
			Containers: []string{"app running ready restarts=0"}, PodIP: "192.168.1.10"},
	}, {
		name: "one of two containers still starting",
		pod:  testPod("p").containers("a", "b").obj(),
		st:   stateOf(readySandbox(), runningC("a", 0)),
		want: summary{Phase: core.PodPending, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"a running ready restarts=0", "b waiting:ContainerCreating restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name:    "crash loop with restartPolicy Always is Running",
		pod:     testPod("p").obj(),
		st:      stateOf(readySandbox(), exitedC("app", 2, 1), exitedC("app", 1, 1)),
		waiting: crashLoop,
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app waiting:CrashLoopBackOff last:1 restarts=2"}, PodIP: "10.128.0.7"},
	}, {
		name: "restarted container shows its last run",
		pod:  testPod("p").obj(),
		st:   stateOf(readySandbox(), runningC("app", 3), exitedC("app", 2, 1)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "True", "True"),
			Containers: []string{"app running last:1 ready restarts=3"}, PodIP: "10.128.0.7"},
	}, {
		name: "Never: a failed container fails the pod",
		pod:  testPod("p").policy(core.RestartPolicyNever).obj(),
		st:   stateOf(readySandbox(), exitedC("app", 0, 3)),
		want: summary{Phase: core.PodFailed, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app exited:3 restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "Never: one failed while another runs is still Running",
		pod:  testPod("p").policy(core.RestartPolicyNever).containers("a", "b").obj(),
		st:   stateOf(readySandbox(), exitedC("a", 0, 3), runningC("b", 0)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"a exited:3 restarts=0", "b running ready restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "OnFailure: all exited 0 is Succeeded",
		pod:  testPod("p").policy(core.RestartPolicyOnFailure).obj(),
		st:   stateOf(readySandbox(), exitedC("app", 0, 0)),
		want: summary{Phase: core.PodSucceeded, Conditions: conds("True", "False/PodCompleted", "False/PodCompleted"),
			Containers: []string{"app exited:0 restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "OnFailure: a failed container about to restart keeps the pod Running",
		pod:  testPod("p").policy(core.RestartPolicyOnFailure).obj(),
		st:   stateOf(readySandbox(), exitedC("app", 0, 1)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app exited:1 restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "Always: all exited 0 restarts, so Running",
		pod:  testPod("p").obj(),
		st:   stateOf(readySandbox(), exitedC("app", 0, 0)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app exited:0 restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "init container running: Pending, app waits PodInitializing",
		pod:  testPod("p").initContainers("setup").obj(),
		st:   stateOf(readySandbox(), runningC("setup", 0)),
		want: summary{Phase: core.PodPending, Conditions: conds("False/ContainersNotInitialized", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"init:setup running ready restarts=0", "app waiting:PodInitializing restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "init done, app running",
		pod:  testPod("p").initContainers("setup").obj(),
		st:   stateOf(readySandbox(), exitedC("setup", 0, 0), runningC("app", 0)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "True", "True"),
			Containers: []string{"init:setup exited:0 restarts=0", "app running ready restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "Never: a failed init container fails the pod",
		pod:  testPod("p").policy(core.RestartPolicyNever).initContainers("setup").obj(),
		st:   stateOf(readySandbox(), exitedC("setup", 0, 1)),
		want: summary{Phase: core.PodFailed, Conditions: conds("False/ContainersNotInitialized", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"init:setup exited:1 restarts=0", "app waiting:PodInitializing restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "Always: a crash-looping init container keeps the pod Pending",
		pod:  testPod("p").initContainers("setup").obj(),
		st:   stateOf(readySandbox(), exitedC("setup", 1, 1)),
		waiting: map[string]core.ContainerStateWaiting{
			"setup": {Reason: ReasonCrashLoopBackOff},
		},
		want: summary{Phase: core.PodPending, Conditions: conds("False/ContainersNotInitialized", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"init:setup waiting:CrashLoopBackOff last:1 restarts=1", "app waiting:PodInitializing restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name:     "deleted: containers stopped cleanly is Succeeded",
		pod:      testPod("p").obj(),
		st:       stateOf(&Sandbox{ID: "sb1"}, exitedC("app", 0, 0)),
		terminal: true,
		want: summary{Phase: core.PodSucceeded, Conditions: conds("True", "False/PodCompleted", "False/PodCompleted"),
			Containers: []string{"app exited:0 restarts=0"}},
	}, {
		name:     "deleted: a killed container makes it Failed",
		pod:      testPod("p").obj(),
		st:       stateOf(&Sandbox{ID: "sb1"}, exitedC("app", 0, exitCodeKilled)),
		terminal: true,
		want: summary{Phase: core.PodFailed, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app exited:137 restarts=0"}},
	}, {
		name:     "deleted before anything ran is Failed",
		pod:      testPod("p").obj(),
		st:       stateOf(nil),
		terminal: true,
		want: summary{Phase: core.PodFailed, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app waiting:ContainerCreating restarts=0"}},
	}, {
		name:   "past its deadline: Failed, whatever the exit codes",
		pod:    testPod("p").obj(),
		st:     stateOf(&Sandbox{ID: "sb1"}, exitedC("app", 0, 0)),
		reason: ReasonDeadlineExceeded,
		want: summary{Phase: core.PodFailed, Conditions: conds("True", "False/ContainersNotReady", "False/ContainersNotReady"),
			Containers: []string{"app exited:0 restarts=0"}},
	}, {
		name: "a finished pod keeps its phase",
		pod:  testPod("p").status(core.PodStatus{Phase: core.PodSucceeded, PodIP: "10.128.0.9"}).obj(),
		st:   stateOf(nil),
		want: summary{Phase: core.PodSucceeded, Conditions: conds("True", "False/PodCompleted", "False/PodCompleted"),
			Containers: []string{"app waiting:ContainerCreating restarts=0"}, PodIP: "10.128.0.9"},
	}, {
		name: "a readiness gate not yet set keeps the pod unready",
		pod:  testPod("p").readinessGate("example.com/lb").obj(),
		st:   stateOf(readySandbox(), runningC("app", 0)),
		want: summary{Phase: core.PodRunning, Conditions: conds("True", "False/ReadinessGatesNotReady", "True"),
			Containers: []string{"app running ready restarts=0"}, PodIP: "10.128.0.7"},
	}, {
		name: "a readiness gate set True lets it be ready",
		pod: testPod("p").readinessGate("example.com/lb").status(core.PodStatus{Conditions: []core.PodCondition{
			{Type: "example.com/lb", Status: core.ConditionTrue}}}).obj(),
		st: stateOf(readySandbox(), runningC("app", 0)),
		want: summary{Phase: core.PodRunning, Conditions: map[core.PodConditionType]string{
			core.PodInitialized: "True", core.PodReady: "True", core.ContainersReady: "True", core.PodScheduled: "True", "example.com/lb": "True"},
			Containers: []string{"app running ready restarts=0"}, PodIP: "10.128.0.7"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := computeStatus(statusInput{pod: tt.pod, st: tt.st, waiting: tt.waiting, hostIP: "192.168.1.10",
				runtimeName: SimulatedRuntimeName, terminal: tt.terminal, reason: tt.reason, now: t0.Add(time.Minute)})
			if diff := cmp.Diff(tt.want, summarize(got)); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestComputeStatusFields(t *testing.T) {
	now := t0.Add(time.Minute)
	got := computeStatus(statusInput{pod: testPod("p").obj(), st: stateOf(readySandbox(), runningC("app", 1), exitedC("app", 0, 2)),
		hostIP: "192.168.1.10", runtimeName: SimulatedRuntimeName, now: now})
	cs := got.ContainerStatuses[0]
	want := core.ContainerStatus{
		Name:  "app",
		State: core.ContainerState{Running: &core.ContainerStateRunning{StartedAt: meta.NewTime(t0)}},
		LastTerminationState: core.ContainerState{Terminated: &core.ContainerStateTerminated{
			ExitCode: 2, Reason: "Error", StartedAt: meta.NewTime(t0), FinishedAt: meta.NewTime(t0.Add(time.Second)),
			ContainerID: "simulated://app-0"}},
		Ready:        true,
		RestartCount: 1,
		Image:        "img",
		ImageID:      "img@sha256:1",
		ContainerID:  "simulated://app-1",
		Started:      ptr(true),
	}
	if diff := cmp.Diff(want, cs); diff != "" {
		t.Errorf("container status (-want +got):\n%s", diff)
	}
	if got.HostIP != "192.168.1.10" || len(got.HostIPs) != 1 || got.PodIP != "10.128.0.7" || len(got.PodIPs) != 1 {
		t.Errorf("addresses: got hostIP %q %v podIP %q %v, want 192.168.1.10 and 10.128.0.7", got.HostIP, got.HostIPs, got.PodIP, got.PodIPs)
	}
	if got.StartTime == nil || !got.StartTime.Equal(meta.NewTime(now).Time) {
		t.Errorf("startTime: got %v, want %v", got.StartTime, now)
	}
	if got.QOSClass != core.PodQOSBestEffort {
		t.Errorf("qosClass: got %q, want BestEffort", got.QOSClass)
	}
}

// TestConditionTransitionTimes: a condition keeps its lastTransitionTime
// while its status holds and takes the current time when it flips.
func TestConditionTransitionTimes(t *testing.T) {
	before := meta.NewTime(t0)
	now := t0.Add(time.Hour)
	old := core.PodStatus{StartTime: &before, Conditions: []core.PodCondition{
		{Type: core.PodScheduled, Status: core.ConditionTrue, LastTransitionTime: before},
		{Type: core.PodInitialized, Status: core.ConditionTrue, LastTransitionTime: before},
		{Type: core.ContainersReady, Status: core.ConditionTrue, LastTransitionTime: before},
		{Type: core.PodReady, Status: core.ConditionTrue, LastTransitionTime: before},
	}}
	got := computeStatus(statusInput{pod: testPod("p").status(old).obj(), st: stateOf(readySandbox(), exitedC("app", 0, 1)),
		runtimeName: SimulatedRuntimeName, now: now})
	want := map[core.PodConditionType]time.Time{
		core.PodScheduled: t0, core.PodInitialized: t0, core.ContainersReady: now, core.PodReady: now,
	}
	for typ, at := range want {
		c := got.Condition(typ)
		if c == nil || !c.LastTransitionTime.Equal(at) {
			t.Errorf("%s lastTransitionTime: got %v, want %v", typ, c, at)
		}
	}
	if !got.StartTime.Equal(t0) {
		t.Errorf("startTime: got %v, want it kept at %v", got.StartTime, t0)
	}
	// Computing again from what was computed changes nothing.
	again := computeStatus(statusInput{pod: testPod("p").status(got).obj(), st: stateOf(readySandbox(), exitedC("app", 0, 1)),
		runtimeName: SimulatedRuntimeName, now: now.Add(time.Minute)})
	if !sameStatus(again, got) {
		t.Errorf("recomputing a status changed it:\n%s", cmp.Diff(got, again))
	}
}
