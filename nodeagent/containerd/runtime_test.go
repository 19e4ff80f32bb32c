package containerd

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tasks "github.com/containerd/containerd/api/services/tasks/v1"
	cerrdefs "github.com/containerd/errdefs"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/nodeagent"
)

func testPod(name string) *core.Pod {
	return &core.Pod{ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name}}
}

func testContainer(name string, args ...string) nodeagent.ContainerConfig {
	return nodeagent.ContainerConfig{Container: &core.Container{Name: name, Image: env.image, Args: args}}
}

func TestNewFailsWithoutDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := New(ctx, Config{Address: t.TempDir() + "/none.sock", Namespace: testNamespace, StateDir: t.TempDir()})
	if err == nil {
		t.Fatalf("New with no daemon: got no error, want one")
	}
}

func TestVersion(t *testing.T) {
	r := newTestRuntime(t)
	v, err := r.Version(context.Background())
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if v.Name != RuntimeName || v.Version == "" {
		t.Errorf("Version: got %+v, want name %q and a version", v, RuntimeName)
	}
}

// runSandbox starts a sandbox and removes it at the end of the test.
func runSandbox(t *testing.T, r *Runtime, name string) *nodeagent.Sandbox {
	t.Helper()
	sb, err := r.RunPodSandbox(context.Background(), testPod(name), 0)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := r.RemovePodSandbox(context.Background(), sb.ID); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
	})
	return sb
}

// waitExited waits for an exit event of id after which the container has
// exited, as the agent looks again at every event (an OOM kill is told
// before the exit too), and returns the container.
func waitExited(t *testing.T, r *Runtime, events <-chan nodeagent.Event, sb *nodeagent.Sandbox, id string) nodeagent.Container {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Type != nodeagent.EventContainerExited || ev.ContainerID != id {
				continue
			}
			if ev.PodUID != sb.PodUID || ev.SandboxID != sb.ID {
				t.Errorf("exit event: got pod %q sandbox %q, want %q %q", ev.PodUID, ev.SandboxID, sb.PodUID, sb.ID)
			}
			if c := findContainer(t, r, sb.ID, id); c.State == nodeagent.ContainerExited {
				return c
			}
		case <-deadline:
			t.Fatalf("no exit event for %s within 20s", id)
		}
	}
}

func findContainer(t *testing.T, r *Runtime, sandboxID, id string) nodeagent.Container {
	t.Helper()
	cs, err := r.ListContainers(context.Background(), sandboxID)
	if err != nil {
		t.Fatalf("ListContainers: %v", err)
	}
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("ListContainers: %s not among %d containers", id, len(cs))
	return nodeagent.Container{}
}

func TestContainerExitCode(t *testing.T) {
	r := newTestRuntime(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := r.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	sb := runSandbox(t, r, "exit")
	id, err := r.StartContainer(ctx, sb.ID, testContainer("app", "--exit-after", "1s", "--exit-code", "3"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	c := waitExited(t, r, events, sb, id)
	if c.State != nodeagent.ContainerExited || c.ExitCode != 3 || c.Reason != reasonError {
		t.Errorf("container: got state %v exit %d reason %q, want Exited 3 %q", c.State, c.ExitCode, c.Reason, reasonError)
	}
	if c.Name != "app" || c.PodUID != sb.PodUID || c.FinishedAt.IsZero() || c.StartedAt.IsZero() {
		t.Errorf("container: got %+v, want name app, pod %s, start and finish times", c, sb.PodUID)
	}
	if !strings.HasPrefix(c.ImageRef, "wharf.local/wharf-test@sha256:") {
		t.Errorf("ImageRef: got %q, want wharf.local/wharf-test@sha256:...", c.ImageRef)
	}
	b, err := os.ReadFile(r.LogPath(id))
	if err != nil {
		t.Fatalf("log: %v", err)
	}
	if !strings.Contains(string(b), "exit-after") {
		t.Errorf("log: got %q, want the program's exit line", b)
	}
	// Once seen exited, the task is gone (its shim and log writer with
	// it) and the exit is still reported, from the container's labels.
	cc, err := r.Client().LoadContainer(ctx, id)
	if err != nil {
		t.Fatalf("LoadContainer: %v", err)
	}
	if _, err := cc.Task(ctx, nil); !cerrdefs.IsNotFound(err) {
		t.Errorf("task of the exited container: got err %v, want NotFound (reaped)", err)
	}
	if again := findContainer(t, r, sb.ID, id); again.State != nodeagent.ContainerExited || again.ExitCode != 3 ||
		again.Reason != reasonError || !again.FinishedAt.Equal(c.FinishedAt) || !again.StartedAt.Equal(c.StartedAt) {
		t.Errorf("after reaping: got %+v, want it as before: %+v", again, c)
	}
	assertRemoved(t, r, id)
}

func TestStopContainer(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		grace    time.Duration
		wantCode int32
	}{
		{"SIGTERM honoured by the HTTP server", []string{"--addr", "127.0.0.1:0"}, 30 * time.Second, 0},
		{"SIGKILL with no grace", []string{"--sleep"}, 0, 137},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestRuntime(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sb := runSandbox(t, r, "stop")
			id, err := r.StartContainer(ctx, sb.ID, testContainer("app", tc.args...))
			if err != nil {
				t.Fatalf("StartContainer: %v", err)
			}
			waitLog(t, r, id, "msg=")
			if c := findContainer(t, r, sb.ID, id); c.State != nodeagent.ContainerRunning {
				t.Fatalf("state before stop: got %v, want Running", c.State)
			}
			start := time.Now()
			if err := r.StopContainer(ctx, id, tc.grace); err != nil {
				t.Fatalf("StopContainer: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("StopContainer took %s, want well under the grace period", d)
			}
			c := findContainer(t, r, sb.ID, id)
			if c.State != nodeagent.ContainerExited || c.ExitCode != tc.wantCode {
				t.Errorf("after stop: got state %v exit %d, want Exited %d", c.State, c.ExitCode, tc.wantCode)
			}
			if err := r.StopContainer(ctx, id, tc.grace); err != nil {
				t.Errorf("StopContainer of an exited container: got %v, want nil", err)
			}
			assertRemoved(t, r, id)
		})
	}
}

// waitLog waits until the container's log holds want: the program has
// installed its signal handler by then.
func waitLog(t *testing.T, r *Runtime, id, want string) {
	t.Helper()
	var b []byte
	if !poll(10*time.Second, func() bool {
		b, _ = os.ReadFile(r.LogPath(id))
		return strings.Contains(string(b), want)
	}) {
		t.Fatalf("log of %s: got %q, want %q within 10s", id, b, want)
	}
}

func TestListAndRemoveSandbox(t *testing.T) {
	r := newTestRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events, err := r.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	sb, err := r.RunPodSandbox(ctx, testPod("list"), 0)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	other := runSandbox(t, r, "other")
	var ids []string
	for _, name := range []string{"a", "b"} {
		id, err := r.StartContainer(ctx, sb.ID, testContainer(name, "--sleep"))
		if err != nil {
			t.Fatalf("StartContainer: %v", err)
		}
		ids = append(ids, id)
	}
	cs, err := r.ListContainers(ctx, sb.ID)
	if err != nil {
		t.Fatalf("ListContainers: %v", err)
	}
	if len(cs) != 2 {
		t.Errorf("ListContainers: got %d containers, want 2", len(cs))
	}
	if cs, _ := r.ListContainers(ctx, other.ID); len(cs) != 0 {
		t.Errorf("ListContainers of another sandbox: got %d, want 0", len(cs))
	}
	sbs, err := r.ListSandboxes(ctx, sb.PodUID)
	if err != nil || len(sbs) != 1 || sbs[0].ID != sb.ID {
		t.Errorf("ListSandboxes(%s): got %+v, %v, want the one sandbox", sb.PodUID, sbs, err)
	}
	if all, _ := r.ListSandboxes(ctx, ""); len(all) != 2 {
		t.Errorf("ListSandboxes(all): got %d, want 2", len(all))
	}
	if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
		t.Fatalf("RemovePodSandbox: %v", err)
	}
	for _, id := range ids {
		assertGone(t, r, id)
	}
	assertSandboxGone(t, r, sb.ID)
	waitEvent(t, events, nodeagent.Event{Type: nodeagent.EventSandboxStopped, PodUID: sb.PodUID, SandboxID: sb.ID})
	if sbs, _ := r.ListSandboxes(ctx, sb.PodUID); len(sbs) != 0 {
		t.Errorf("ListSandboxes after remove: got %d, want 0", len(sbs))
	}
	if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
		t.Errorf("RemovePodSandbox again: got %v, want nil", err)
	}
}

func TestStartContainerErrors(t *testing.T) {
	r := newTestRuntime(t)
	ctx := context.Background()
	sb := runSandbox(t, r, "errors")
	if _, err := r.StartContainer(ctx, sb.ID, nodeagent.ContainerConfig{Container: &core.Container{Name: "x", Image: "wharf.local/absent:1"}}); err == nil {
		t.Errorf("StartContainer of an absent image: got no error, want one")
	}
	if _, err := r.StartContainer(ctx, newID(), testContainer("x")); err == nil {
		t.Errorf("StartContainer in an unknown sandbox: got no error, want one")
	}
	if cs, _ := r.Client().Containers(ctx); len(cs) != 0 {
		t.Errorf("containers after failed starts: got %d, want 0", len(cs))
	}
}

// assertRemoved removes the container and checks that nothing of it is
// left in containerd.
func assertRemoved(t *testing.T, r *Runtime, id string) {
	t.Helper()
	if err := r.RemoveContainer(context.Background(), id); err != nil {
		t.Fatalf("RemoveContainer: %v", err)
	}
	assertGone(t, r, id)
	if err := r.RemoveContainer(context.Background(), id); err != nil {
		t.Errorf("RemoveContainer again: got %v, want nil", err)
	}
}

func assertGone(t *testing.T, r *Runtime, id string) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.Client().LoadContainer(ctx, id); !cerrdefs.IsNotFound(err) {
		t.Errorf("container %s after remove: got %v, want not found", id, err)
	}
	tl, err := r.Client().TaskService().List(ctx, &tasks.ListTasksRequest{})
	if err != nil {
		t.Fatalf("list tasks: %v", err)
	}
	for _, p := range tl.Tasks {
		if p.ID == id {
			t.Errorf("task %s after remove: got %+v, want none", id, p)
		}
	}
	if _, err := r.Client().SnapshotService(snapshotter).Stat(ctx, id); !cerrdefs.IsNotFound(err) {
		t.Errorf("snapshot %s after remove: got %v, want not found", id, err)
	}
	if _, err := os.Stat(r.LogPath(id)); !os.IsNotExist(err) {
		t.Errorf("log of %s after remove: got %v, want not exist", id, err)
	}
}

// assertSandboxGone checks that nothing of a removed sandbox is left under
// StateDir: neither its record nor its pod files.
func assertSandboxGone(t *testing.T, r *Runtime, id string) {
	t.Helper()
	for _, p := range []string{r.sandboxPath(id), r.sandboxFilesDir(id)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s after RemovePodSandbox: got %v, want not exist", p, err)
		}
	}
}

// waitEvent waits for want among the events.
func waitEvent(t *testing.T, events <-chan nodeagent.Event, want nodeagent.Event) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev == want {
				return
			}
		case <-deadline:
			t.Fatalf("events: got no %+v within 10s", want)
		}
	}
}
