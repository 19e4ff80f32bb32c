package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
)

// scriptedRuntime is the simulated runtime with exec results and an image
// store the test controls, for the agent's probe and pull logic.
type scriptedRuntime struct {
	*Simulated
	execCode atomic.Int32

	mu      sync.Mutex
	present map[string]bool
	pullErr error
	pulls   int
}

func newScriptedRuntime() *scriptedRuntime {
	return &scriptedRuntime{Simulated: NewSimulated(time.Second, nil), present: map[string]bool{}}
}

func (r *scriptedRuntime) Exec(context.Context, string, ExecOptions) (int, error) {
	return int(r.execCode.Load()), nil
}

func (r *scriptedRuntime) ImagePresent(_ context.Context, image string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.present[image], nil
}

func (r *scriptedRuntime) PullImage(_ context.Context, image string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pulls++
	if r.pullErr != nil {
		return r.pullErr
	}
	r.present[image] = true
	return nil
}

func (r *scriptedRuntime) pullCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pulls
}

func execProbe(failureThreshold int32) *core.Probe {
	return &core.Probe{
		ProbeHandler:     core.ProbeHandler{Exec: &core.ExecAction{Command: []string{"check"}}},
		PeriodSeconds:    1,
		TimeoutSeconds:   1,
		SuccessThreshold: 1,
		FailureThreshold: failureThreshold,
	}
}

func probing(a *Agent) { a.probing = true }

func containerStatusOf(p *core.Pod) core.ContainerStatus {
	if len(p.Status.ContainerStatuses) == 0 {
		return core.ContainerStatus{}
	}
	return p.Status.ContainerStatuses[0]
}

func TestReadinessProbe(t *testing.T) {
	c := startServer(t)
	rt := newScriptedRuntime()
	rt.execCode.Store(1)
	startAgentWith(t, c, testConfig("node-a"), rt, probing)
	pod := testPod("web").onNode("node-a").obj()
	pod.Spec.Containers[0].ReadinessProbe = execProbe(1)
	createPod(t, c, pod)

	notReady := func(p *core.Pod) bool {
		cs := containerStatusOf(p)
		return p.Status.Phase == core.PodRunning && cs.State.Running != nil && !cs.Ready && !p.IsReady()
	}
	waitPod(t, c, "default", "web", waitLong, "Running but not Ready while its readiness probe fails", notReady)
	rt.execCode.Store(0)
	waitPod(t, c, "default", "web", waitLong, "Ready once its readiness probe passes", isRunningAndReady)
	rt.execCode.Store(1)
	p := waitPod(t, c, "default", "web", waitLong, "not Ready again once the probe fails", notReady)
	if cs := containerStatusOf(p); cs.RestartCount != 0 {
		t.Errorf("a failing readiness probe restarted the container: restartCount %d, want 0", cs.RestartCount)
	}
}

func TestLivenessProbeRestartsContainer(t *testing.T) {
	c := startServer(t)
	rt := newScriptedRuntime()
	rt.execCode.Store(1)
	startAgentWith(t, c, testConfig("node-a"), rt, probing)
	pod := testPod("web").onNode("node-a").obj()
	pod.Spec.Containers[0].LivenessProbe = execProbe(1)
	createPod(t, c, pod)

	waitPod(t, c, "default", "web", waitLong, "restarted by its failing liveness probe", func(p *core.Pod) bool {
		return containerStatusOf(p).RestartCount >= 1
	})
	rt.execCode.Store(0)
	p := waitPod(t, c, "default", "web", waitLong, "Running once the probe passes", func(p *core.Pod) bool {
		return containerStatusOf(p).State.Running != nil
	})
	if last := containerStatusOf(p).LastTerminationState.Terminated; last == nil {
		t.Errorf("lastState.terminated: got nil, want the killed instance")
	}
}

func TestStartupProbeHoldsReadiness(t *testing.T) {
	c := startServer(t)
	rt := newScriptedRuntime()
	rt.execCode.Store(1)
	startAgentWith(t, c, testConfig("node-a"), rt, probing)
	pod := testPod("web").onNode("node-a").obj()
	pod.Spec.Containers[0].StartupProbe = execProbe(100)
	createPod(t, c, pod)

	p := waitPod(t, c, "default", "web", waitLong, "running, not started", func(p *core.Pod) bool {
		cs := containerStatusOf(p)
		return cs.State.Running != nil && cs.Started != nil && !*cs.Started && !cs.Ready
	})
	if p.IsReady() {
		t.Errorf("pod Ready before its startup probe passed")
	}
	rt.execCode.Store(0)
	waitPod(t, c, "default", "web", waitLong, "started and Ready", func(p *core.Pod) bool {
		cs := containerStatusOf(p)
		return cs.Started != nil && *cs.Started && cs.Ready && p.IsReady()
	})
}

func TestImagePullPolicy(t *testing.T) {
	tests := []struct {
		name      string
		policy    core.PullPolicy
		present   bool
		pullErr   error
		want      string // waiting reason, or "" for running
		wantPulls bool
	}{
		{name: "never, absent", policy: core.PullNever, want: ReasonErrImageNeverPull},
		{name: "never, present", policy: core.PullNever, present: true},
		{name: "if not present, present", policy: core.PullIfNotPresent, present: true},
		{name: "if not present, pulled", policy: core.PullIfNotPresent, wantPulls: true},
		{name: "if not present, pull fails", policy: core.PullIfNotPresent, pullErr: errors.New("registry unreachable"), want: "pull", wantPulls: true},
		{name: "always, present", policy: core.PullAlways, present: true, wantPulls: true},
	}
	c := startServer(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newScriptedRuntime()
			rt.pullErr = tt.pullErr
			node := fmt.Sprintf("node-%d", i)
			startAgent(t, c, testConfig(node), rt)
			pod := testPod(node).onNode(node).obj()
			pod.Spec.Containers[0].ImagePullPolicy = tt.policy
			rt.present[pod.Spec.Containers[0].Image] = tt.present
			createPod(t, c, pod)
			p := waitPod(t, c, "default", node, waitLong, "to settle", func(p *core.Pod) bool {
				cs := containerStatusOf(p)
				switch {
				case tt.want == "":
					return cs.State.Running != nil
				case tt.want == "pull":
					return cs.State.Waiting != nil && (cs.State.Waiting.Reason == ReasonErrImagePull || cs.State.Waiting.Reason == ReasonImagePullBackOff)
				}
				return cs.State.Waiting != nil && cs.State.Waiting.Reason == tt.want
			})
			if got := rt.pullCount(); (got > 0) != tt.wantPulls {
				t.Errorf("pulls: got %d, want some: %v (%s)", got, tt.wantPulls, describePod(p))
			}
		})
	}
}
