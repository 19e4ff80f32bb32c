package nodeagent

import (
	"context"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
)

// testWorker is a pod worker over a simulated runtime and a fake clock,
// without an API server: enough to drive converge.
func testWorker(t *testing.T, pod *core.Pod) (*podWorker, *Simulated, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	rt := NewSimulated(time.Minute, clock)
	if err := rt.UpdatePodCIDR(context.Background(), "10.128.0.0/24"); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig("node-a")
	cfg.BackoffBase, cfg.BackoffMax = 10*time.Second, 40*time.Second
	a := &Agent{cfg: cfg, rt: rt, clock: clock, log: testLog()}
	return newPodWorker(a, pod.UID), rt, clock
}

// converge runs one round of the worker and returns the runtime's view
// after it and when the worker wants to look again.
func converge(t *testing.T, w *podWorker, pod *core.Pod, clock *fakeClock) (*podState, time.Duration) {
	t.Helper()
	ctx := context.Background()
	w.waiting = map[string]core.ContainerStateWaiting{}
	st, err := observe(ctx, w.a.rt, w.uid)
	if err != nil {
		t.Fatal(err)
	}
	after, err := w.converge(ctx, pod, st, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st, err = observe(ctx, w.a.rt, w.uid); err != nil {
		t.Fatal(err)
	}
	return st, after
}

func TestConvergeRestartsWithBackoff(t *testing.T) {
	pod := testPod("crasher").annotate(AnnotationFail, "true").obj()
	w, _, clock := testWorker(t, pod)

	steps := []struct {
		name        string
		step        time.Duration // clock moves before the round
		wantAttempt uint32        // newest instance after the round
		wantState   ContainerState
		wantAfter   time.Duration // 0: no back-off pending
		wantKept    int           // instances the runtime keeps
	}{
		{name: "first start", wantAttempt: 0, wantState: ContainerRunning, wantKept: 1},
		{name: "first crash restarts at once", wantAttempt: 1, wantState: ContainerRunning, wantKept: 2},
		{name: "second crash waits 10s", wantAttempt: 1, wantState: ContainerExited, wantAfter: 10 * time.Second, wantKept: 2},
		{name: "still waiting 4s later", step: 4 * time.Second, wantAttempt: 1, wantState: ContainerExited, wantAfter: 6 * time.Second, wantKept: 2},
		{name: "restarted when the back-off ends", step: 6 * time.Second, wantAttempt: 2, wantState: ContainerRunning, wantKept: 2},
		{name: "third crash waits 20s", wantAttempt: 2, wantState: ContainerExited, wantAfter: 20 * time.Second, wantKept: 2},
	}
	for _, s := range steps {
		// Let the previous start's immediate exit happen, then move on.
		clock.Step(0)
		clock.Step(s.step)
		st, after := converge(t, w, pod, clock)
		cur := st.latest("app")
		if cur == nil || cur.Attempt != s.wantAttempt || (cur.State == ContainerRunning) != (s.wantState == ContainerRunning) {
			t.Fatalf("%s: newest instance %+v, want attempt %d %s", s.name, cur, s.wantAttempt, s.wantState)
		}
		if after != s.wantAfter {
			t.Fatalf("%s: look again in %s, want %s", s.name, after, s.wantAfter)
		}
		if got := len(st.containers["app"]); got != s.wantKept {
			t.Fatalf("%s: the runtime keeps %d instances, want %d (the newest and the one before)", s.name, got, s.wantKept)
		}
		if s.wantAfter > 0 && w.waiting["app"].Reason != ReasonCrashLoopBackOff {
			t.Fatalf("%s: waiting reason %q, want %s", s.name, w.waiting["app"].Reason, ReasonCrashLoopBackOff)
		}
	}
}

func TestConvergeRestartPolicy(t *testing.T) {
	tests := []struct {
		policy      core.RestartPolicy
		exitCode    string
		wantRestart bool
	}{
		{core.RestartPolicyAlways, "0", true},
		{core.RestartPolicyAlways, "1", true},
		{core.RestartPolicyOnFailure, "0", false},
		{core.RestartPolicyOnFailure, "1", true},
		{core.RestartPolicyNever, "0", false},
		{core.RestartPolicyNever, "1", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+" exit "+tt.exitCode, func(t *testing.T) {
			pod := testPod("p").policy(tt.policy).annotate(AnnotationExitCode, tt.exitCode).annotate(AnnotationRunSeconds, "1").obj()
			w, _, clock := testWorker(t, pod)
			converge(t, w, pod, clock)
			clock.Step(time.Second)
			st, _ := converge(t, w, pod, clock)
			restarted := st.latest("app").Attempt == 1
			if restarted != tt.wantRestart {
				t.Errorf("restarted: got %v, want %v", restarted, tt.wantRestart)
			}
		})
	}
}

func TestConvergeRunsInitContainersInOrder(t *testing.T) {
	pod := testPod("p").initContainers("one", "two").obj()
	w, _, clock := testWorker(t, pod)
	want := [][]string{{"one"}, {"one", "two"}, {"one", "two", "app"}}
	for i, names := range want {
		st, _ := converge(t, w, pod, clock)
		if len(st.containers) != len(names) {
			t.Fatalf("round %d: started %v, want %v", i, keys(st.containers), names)
		}
		for _, n := range names {
			if st.latest(n) == nil {
				t.Fatalf("round %d: %s not started, want %v", i, n, names)
			}
		}
		clock.Step(time.Minute) // the init container finishes
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
