package nodeagent

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
)

// simPod starts pod's sandbox and first container on a fresh simulated
// runtime with a fake clock.
func simPod(t *testing.T, pod *core.Pod) (*Simulated, *fakeClock, string) {
	t.Helper()
	clock := newFakeClock()
	rt := NewSimulated(5*time.Second, clock)
	ctx := context.Background()
	if err := rt.UpdatePodCIDR(ctx, "10.128.0.0/24"); err != nil {
		t.Fatal(err)
	}
	sb, err := rt.RunPodSandbox(ctx, pod, 0)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rt.StartContainer(ctx, sb.ID, ContainerConfig{Container: &pod.Spec.Containers[0]})
	if err != nil {
		t.Fatal(err)
	}
	return rt, clock, id
}

func containerByID(t *testing.T, rt *Simulated, id string) Container {
	t.Helper()
	sbs, _ := rt.ListSandboxes(context.Background(), "")
	for _, sb := range sbs {
		cs, _ := rt.ListContainers(context.Background(), sb.ID)
		for _, c := range cs {
			if c.ID == id {
				return c
			}
		}
	}
	t.Fatalf("container %s not found", id)
	return Container{}
}

func TestSimulatedContainerLifetimes(t *testing.T) {
	tests := []struct {
		name     string
		pod      *core.Pod
		after    time.Duration
		wantRun  bool // still running after `after`
		wantCode int32
		wantMsg  bool
	}{
		{name: "Always runs on", pod: testPod("p").obj(), after: time.Hour, wantRun: true},
		{name: "Never exits 0 after the run duration", pod: testPod("p").policy(core.RestartPolicyNever).obj(), after: 5 * time.Second},
		{name: "Never runs until the run duration", pod: testPod("p").policy(core.RestartPolicyNever).obj(), after: 4 * time.Second, wantRun: true},
		{name: "OnFailure with an exit code", pod: testPod("p").policy(core.RestartPolicyOnFailure).annotate(AnnotationExitCode, "3").obj(),
			after: 5 * time.Second, wantCode: 3},
		{name: "run-seconds overrides the run duration", pod: testPod("p").policy(core.RestartPolicyNever).annotate(AnnotationRunSeconds, "0.5").obj(),
			after: 500 * time.Millisecond},
		{name: "run-seconds makes an Always container exit too", pod: testPod("p").annotate(AnnotationRunSeconds, "2").obj(),
			after: 2 * time.Second},
		{name: "fail exits 1 at once", pod: testPod("p").annotate(AnnotationFail, "true").obj(), after: 0, wantCode: 1},
		{name: "a malformed annotation fails and says why", pod: testPod("p").annotate(AnnotationExitCode, "three").obj(),
			after: 0, wantCode: exitCodeBadConfig, wantMsg: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, clock, id := simPod(t, tt.pod)
			clock.Step(tt.after)
			c := containerByID(t, rt, id)
			if tt.wantRun {
				if c.State != ContainerRunning {
					t.Fatalf("after %s: got state %s, want Running", tt.after, c.State)
				}
				return
			}
			if c.State != ContainerExited || c.ExitCode != tt.wantCode || c.Reason != exitReason(tt.wantCode) {
				t.Fatalf("after %s: got %s exit %d %q, want Exited exit %d", tt.after, c.State, c.ExitCode, c.Reason, tt.wantCode)
			}
			if !c.FinishedAt.Equal(c.StartedAt.Add(tt.after)) {
				t.Errorf("finishedAt %v, want %v", c.FinishedAt, c.StartedAt.Add(tt.after))
			}
			if tt.wantMsg != (c.Message != "") {
				t.Errorf("message %q: want one: %v", c.Message, tt.wantMsg)
			}
		})
	}
}

func TestSimulatedStop(t *testing.T) {
	t.Run("stops at once on SIGTERM", func(t *testing.T) {
		rt, _, id := simPod(t, testPod("p").obj())
		if err := rt.StopContainer(context.Background(), id, 30*time.Second); err != nil {
			t.Fatal(err)
		}
		if c := containerByID(t, rt, id); c.State != ContainerExited || c.ExitCode != 0 {
			t.Errorf("got %s exit %d, want Exited 0", c.State, c.ExitCode)
		}
	})
	t.Run("ignoring SIGTERM takes the grace period", func(t *testing.T) {
		rt, clock, id := simPod(t, testPod("p").annotate(AnnotationIgnoreSIGTERM, "true").obj())
		done := make(chan error, 1)
		go func() { done <- rt.StopContainer(context.Background(), id, 30*time.Second) }()
		// The kill is scheduled once StopContainer has run; wait for that.
		deadline := time.Now().Add(10 * time.Second)
		for !pendingKill(rt, id) {
			if time.Now().After(deadline) {
				t.Fatal("StopContainer never scheduled the kill")
			}
			time.Sleep(time.Millisecond) // polling a condition, with a deadline
		}
		clock.Step(29 * time.Second)
		if c := containerByID(t, rt, id); c.State != ContainerRunning {
			t.Fatalf("29s into a 30s grace period: got %s, want Running", c.State)
		}
		clock.Step(time.Second)
		if c := containerByID(t, rt, id); c.State != ContainerExited || c.ExitCode != exitCodeKilled {
			t.Fatalf("after the grace period: got %s exit %d, want Exited %d", c.State, c.ExitCode, exitCodeKilled)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("StopContainer did not return after the kill")
		}
	})
	t.Run("a missing container", func(t *testing.T) {
		rt, _, _ := simPod(t, testPod("p").obj())
		if err := rt.StopContainer(context.Background(), "nope", time.Second); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("got %v, want NotFound", err)
		}
	})
}

func pendingKill(rt *Simulated, id string) bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return !rt.containers[id].killAt.IsZero()
}

func TestSimulatedSandboxIPs(t *testing.T) {
	ctx := context.Background()
	rt := NewSimulated(time.Second, newFakeClock())
	if _, err := rt.RunPodSandbox(ctx, testPod("early").obj(), 0); err == nil {
		t.Fatal("a sandbox before the pod CIDR is known: got no error, want one")
	}
	if err := rt.UpdatePodCIDR(ctx, "10.128.0.0/29"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var ids []string
	for i := 0; i < 5; i++ {
		sb, err := rt.RunPodSandbox(ctx, testPod("p").obj(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if seen[sb.IP] || !netip.MustParsePrefix("10.128.0.0/29").Contains(netip.MustParseAddr(sb.IP)) {
			t.Fatalf("sandbox %d: got IP %s, want a fresh one in 10.128.0.0/29 (have %v)", i, sb.IP, seen)
		}
		seen[sb.IP] = true
		ids = append(ids, sb.ID)
	}
	if _, err := rt.RunPodSandbox(ctx, testPod("p").obj(), 0); err == nil {
		t.Fatal("a sixth sandbox in a /29: got no error, want the range to be full")
	}
	if sb, err := rt.RunPodSandbox(ctx, testPod("h").hostNetwork().obj(), 0); err != nil || sb.IP != "" {
		t.Fatalf("host-network sandbox: got %+v %v, want no IP", sb, err)
	}
	if err := rt.StopPodSandbox(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RunPodSandbox(ctx, testPod("p").obj(), 0); err != nil {
		t.Fatalf("after stopping a sandbox its IP is free again: %v", err)
	}
	// A new agent sets the CIDR again: addresses held stay held.
	fresh := NewSimulated(time.Second, newFakeClock())
	_ = fresh.UpdatePodCIDR(ctx, "10.128.0.0/29")
	first, _ := fresh.RunPodSandbox(ctx, testPod("p").obj(), 0)
	_ = fresh.UpdatePodCIDR(ctx, "10.128.0.0/28")
	for i := 0; i < 12; i++ {
		sb, err := fresh.RunPodSandbox(ctx, testPod("p").obj(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if sb.IP == first.IP {
			t.Fatalf("got %s, which an existing sandbox holds", sb.IP)
		}
	}
}

func TestSimulatedEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := newFakeClock()
	rt := NewSimulated(time.Second, clock)
	_ = rt.UpdatePodCIDR(ctx, "10.128.0.0/24")
	events, err := rt.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pod := testPod("p").policy(core.RestartPolicyNever).obj()
	sb, _ := rt.RunPodSandbox(ctx, pod, 0)
	id, _ := rt.StartContainer(ctx, sb.ID, ContainerConfig{Container: &pod.Spec.Containers[0]})
	clock.Step(time.Second)
	_ = rt.StopPodSandbox(ctx, sb.ID)
	want := []Event{
		{Type: EventContainerStarted, PodUID: pod.UID, SandboxID: sb.ID, ContainerID: id},
		{Type: EventContainerExited, PodUID: pod.UID, SandboxID: sb.ID, ContainerID: id},
		{Type: EventSandboxStopped, PodUID: pod.UID, SandboxID: sb.ID},
	}
	for i, w := range want {
		select {
		case got := <-events:
			if got != w {
				t.Fatalf("event %d: got %+v, want %+v", i, got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("event %d: none after 10s, want %+v", i, w)
		}
	}
	cancel()
	select {
	case _, ok := <-events:
		if ok {
			t.Fatal("got an event after ctx ended, want the channel closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the events channel was not closed after ctx ended")
	}
}

func TestImageRef(t *testing.T) {
	tests := map[string]string{
		"nginx:1.27":                  "nginx@sha256:",
		"registry:5000/app":           "registry:5000/app@sha256:",
		"busybox@sha256:0123456789ab": "busybox@sha256:0123456789ab",
	}
	for image, prefix := range tests {
		if got := imageRef(image); len(got) < len(prefix) || got[:len(prefix)] != prefix {
			t.Errorf("imageRef(%q) = %q, want a reference starting %q", image, got, prefix)
		}
	}
}
