package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/table"
)

// podFixture builds pods for the table tests.
type podFixture struct{ p Pod }

func testPod(name string, containers ...string) *podFixture {
	f := &podFixture{p: Pod{ObjectMeta: meta.ObjectMeta{Name: name, Namespace: "default"}}}
	for _, c := range containers {
		f.p.Spec.Containers = append(f.p.Spec.Containers, Container{Name: c, Image: "x:1"})
	}
	f.p.Status.Phase = PodPending
	return f
}

func (f *podFixture) inits(names ...string) *podFixture {
	for _, n := range names {
		f.p.Spec.InitContainers = append(f.p.Spec.InitContainers, Container{Name: n, Image: "x:1"})
	}
	return f
}

func (f *podFixture) phase(ph PodPhase) *podFixture { f.p.Status.Phase = ph; return f }

func (f *podFixture) reason(r string) *podFixture { f.p.Status.Reason = r; return f }

func (f *podFixture) statuses(s ...ContainerStatus) *podFixture {
	f.p.Status.ContainerStatuses = s
	return f
}

func (f *podFixture) initStatuses(s ...ContainerStatus) *podFixture {
	f.p.Status.InitContainerStatuses = s
	return f
}

func (f *podFixture) condition(t PodConditionType, s ConditionStatus, reason string) *podFixture {
	f.p.Status.Conditions = append(f.p.Status.Conditions, PodCondition{Type: t, Status: s, Reason: reason})
	return f
}

func (f *podFixture) deleting() *podFixture {
	now := meta.Now()
	f.p.DeletionTimestamp = &now
	return f
}

func running(name string, ready bool) ContainerStatus {
	return ContainerStatus{Name: name, Ready: ready, State: ContainerState{Running: &ContainerStateRunning{StartedAt: meta.Now()}}}
}

func waiting(name, reason string) ContainerStatus {
	return ContainerStatus{Name: name, State: ContainerState{Waiting: &ContainerStateWaiting{Reason: reason}}}
}

func terminated(name, reason string, code, signal int32) ContainerStatus {
	return ContainerStatus{Name: name, State: ContainerState{Terminated: &ContainerStateTerminated{Reason: reason, ExitCode: code, Signal: signal}}}
}

func TestPodStatusColumn(t *testing.T) {
	tests := []struct {
		name   string
		pod    *podFixture
		ready  string
		status string
	}{
		{"pending", testPod("p", "a"), "0/1", "Pending"},
		{"running", testPod("p", "a", "b").phase(PodRunning).statuses(running("a", true), running("b", true)), "2/2", "Running"},
		{"one not ready", testPod("p", "a", "b").phase(PodRunning).statuses(running("a", true), running("b", false)), "1/2", "Running"},
		{"creating", testPod("p", "a").statuses(waiting("a", "ContainerCreating")), "0/1", "ContainerCreating"},
		{"crash loop", testPod("p", "a").phase(PodRunning).statuses(waiting("a", "CrashLoopBackOff")), "0/1", "CrashLoopBackOff"},
		{"completed", testPod("p", "a").phase(PodSucceeded).statuses(terminated("a", "Completed", 0, 0)), "0/1", "Completed"},
		{"error", testPod("p", "a").phase(PodFailed).statuses(terminated("a", "Error", 1, 0)), "0/1", "Error"},
		{"exit code", testPod("p", "a").phase(PodFailed).statuses(terminated("a", "", 2, 0)), "0/1", "ExitCode:2"},
		{"signal", testPod("p", "a").phase(PodFailed).statuses(terminated("a", "", 137, 9)), "0/1", "Signal:9"},
		{"first container decides", testPod("p", "a", "b").phase(PodRunning).statuses(waiting("a", "ImagePullBackOff"), waiting("b", "ContainerCreating")),
			"0/2", "ImagePullBackOff"},
		{"completed beside a running ready pod", testPod("p", "a", "b").phase(PodRunning).condition(PodReady, ConditionTrue, "").
			statuses(running("a", true), terminated("b", "Completed", 0, 0)), "1/2", "Running"},
		{"completed beside a running unready pod", testPod("p", "a", "b").phase(PodRunning).condition(PodReady, ConditionFalse, "").
			statuses(running("a", true), terminated("b", "Completed", 0, 0)), "1/2", "NotReady"},
		{"evicted", testPod("p", "a").phase(PodFailed).reason("Evicted"), "0/1", "Evicted"},
		{"scheduling gated", testPod("p", "a").condition(PodScheduled, ConditionFalse, PodReasonSchedulingGated), "0/1", "SchedulingGated"},
		{"unschedulable stays pending", testPod("p", "a").condition(PodScheduled, ConditionFalse, PodReasonUnschedulable), "0/1", "Pending"},
		{"init running", testPod("p", "a").inits("i1", "i2").initStatuses(running("i1", false), waiting("i2", "PodInitializing")).
			statuses(waiting("a", "PodInitializing")), "0/1", "Init:0/2"},
		{"second init running", testPod("p", "a").inits("i1", "i2").initStatuses(terminated("i1", "Completed", 0, 0), running("i2", false)),
			"0/1", "Init:1/2"},
		{"init waiting", testPod("p", "a").inits("i1").initStatuses(waiting("i1", "ImagePullBackOff")), "0/1", "Init:ImagePullBackOff"},
		{"init failed", testPod("p", "a").inits("i1").initStatuses(terminated("i1", "Error", 1, 0)), "0/1", "Init:Error"},
		{"init exit code", testPod("p", "a").inits("i1").initStatuses(terminated("i1", "", 3, 0)), "0/1", "Init:ExitCode:3"},
		{"init signal", testPod("p", "a").inits("i1").initStatuses(terminated("i1", "", 143, 15)), "0/1", "Init:Signal:15"},
		{"init done", testPod("p", "a").phase(PodRunning).inits("i1").initStatuses(terminated("i1", "Completed", 0, 0)).
			statuses(running("a", true)), "1/1", "Running"},
		{"terminating", testPod("p", "a").phase(PodRunning).statuses(running("a", true)).deleting(), "1/1", "Terminating"},
		{"deleted after finishing", testPod("p", "a").phase(PodSucceeded).statuses(terminated("a", "Completed", 0, 0)).deleting(), "0/1", "Completed"},
		{"node lost", testPod("p", "a").phase(PodRunning).reason(NodeUnreachablePodReason).statuses(running("a", true)).deleting(), "1/1", "Unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			row := podRow(&tc.pod.p)
			if got := row[1]; got != tc.ready {
				t.Errorf("READY got %v, want %s", got, tc.ready)
			}
			if got := row[2]; got != tc.status {
				t.Errorf("STATUS got %v, want %s", got, tc.status)
			}
		})
	}
}

func TestPodRestartsColumn(t *testing.T) {
	lastExit := meta.NewTime(time.Now().Add(-5 * time.Minute))
	restarted := func(name string, n int32, finished meta.Time) ContainerStatus {
		s := running(name, true)
		s.RestartCount = n
		if !finished.IsZero() {
			s.LastTerminationState.Terminated = &ContainerStateTerminated{ExitCode: 1, FinishedAt: finished}
		}
		return s
	}
	tests := []struct {
		name string
		pod  *podFixture
		want string
	}{
		{"none", testPod("p", "a").statuses(running("a", true)), "0"},
		{"without a time", testPod("p", "a").statuses(restarted("a", 2, meta.Time{})), "2"},
		{"summed with the latest exit", testPod("p", "a", "b").statuses(
			restarted("a", 2, meta.NewTime(lastExit.Add(-time.Hour))), restarted("b", 3, lastExit)),
			fmt.Sprintf("5 (%s ago)", table.Age(lastExit))},
		{"init restarts while initializing", testPod("p", "a").inits("i").initStatuses(func() ContainerStatus {
			s := waiting("i", "CrashLoopBackOff")
			s.RestartCount = 4
			return s
		}()), "4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := podRow(&tc.pod.p)[3]; got != tc.want {
				t.Errorf("RESTARTS got %v, want %s", got, tc.want)
			}
		})
	}
}

func TestPodRowCells(t *testing.T) {
	created := meta.NewTime(time.Now().Add(-3 * time.Hour))
	f := testPod("web", "a").phase(PodRunning).statuses(running("a", true)).condition("example.com/gate", ConditionTrue, "")
	f.p.CreationTimestamp = created
	f.p.Spec.NodeName = "node-1"
	f.p.Spec.ReadinessGates = []PodReadinessGate{{ConditionType: "example.com/gate"}, {ConditionType: "example.com/other"}}
	f.p.Status.PodIPs = []PodIP{{IP: "10.0.0.5"}, {IP: "fd00::5"}}
	got := podRow(&f.p)
	want := []any{"web", "1/1", "Running", "0", table.Age(created), "10.0.0.5", "node-1", "<none>", "1/2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}

	bare := podRow(&testPod("bare", "a").p)
	if diff := cmp.Diff([]any{"<none>", "<none>", "<none>", "<none>"}, bare[5:]); diff != "" {
		t.Errorf("wide cells of an unscheduled pod (-want +got):\n%s", diff)
	}
	if got := bare[4]; got != "<unknown>" {
		t.Errorf("AGE without a creation time got %v, want <unknown>", got)
	}
}
