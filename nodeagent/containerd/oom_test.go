package containerd

import (
	"context"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/nodeagent"
)

// memoryHog is the test image allocating more than its memory limit at
// start.
func memoryHog() nodeagent.ContainerConfig {
	cfg := testContainer("hog", "--sleep", "--alloc-mb", "100")
	cfg.Container.Resources.Limits = core.ResourceList{core.ResourceMemory: resource.MustParse("32Mi")}
	return cfg
}

// TestOOMKilled checks that a container over its memory limit is reported
// OOMKilled: marked from the OOM event while the agent listens, and found
// from its cgroup when nobody listened.
func TestOOMKilled(t *testing.T) {
	t.Run("with events", func(t *testing.T) {
		r := newTestRuntime(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		events, err := r.Events(ctx)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		sb := runSandbox(t, r, "oom")
		id, err := r.StartContainer(ctx, sb.ID, memoryHog())
		if err != nil {
			t.Fatalf("StartContainer: %v", err)
		}
		c := waitExited(t, r, events, sb, id)
		if c.State != nodeagent.ContainerExited || c.Reason != reasonOOMKilled || c.ExitCode != 137 {
			t.Errorf("container: got state %v reason %q exit %d, want Exited %q 137", c.State, c.Reason, c.ExitCode, reasonOOMKilled)
		}
		// The OOM event may come after the exit event: wait for its mark.
		ctr, err := r.Client().LoadContainer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var labels map[string]string
		if !poll(10*time.Second, func() bool {
			labels, err = ctr.Labels(ctx)
			return err == nil && labels[labelOOMKilled] == "true"
		}) {
			t.Fatalf("labels: got %v, %v, want %s=true within 10s", labels, err, labelOOMKilled)
		}
		assertRemoved(t, r, id)
	})
	t.Run("without events", func(t *testing.T) {
		r := newTestRuntime(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sb := runSandbox(t, r, "oom-unseen")
		id, err := r.StartContainer(ctx, sb.ID, memoryHog())
		if err != nil {
			t.Fatalf("StartContainer: %v", err)
		}
		c := waitState(t, r, sb.ID, id, nodeagent.ContainerExited)
		if c.Reason != reasonOOMKilled || c.ExitCode != 137 {
			t.Errorf("container: got reason %q exit %d, want %q 137", c.Reason, c.ExitCode, reasonOOMKilled)
		}
		assertRemoved(t, r, id)
	})
}

// waitState polls the container until it is in state want.
func waitState(t *testing.T, r *Runtime, sandboxID, id string, want nodeagent.ContainerState) nodeagent.Container {
	t.Helper()
	var c nodeagent.Container
	if !poll(20*time.Second, func() bool { c = findContainer(t, r, sandboxID, id); return c.State == want }) {
		t.Fatalf("container %s: got state %v, want %v within 20s", id, c.State, want)
	}
	return c
}
