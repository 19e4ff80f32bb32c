package containerd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/volume"
)

// TestAgentRestart proves the agent's own lifecycle on real containerd: a
// new agent adopts the running containers of the pods that still exist
// (same container, same process, no restart, no call that changes them),
// removes everything of a pod deleted while no agent ran, and once the
// last pod is deleted nothing of any pod is left.
func TestAgentRestart(t *testing.T) {
	if env == nil {
		t.Skip("no containerd")
	}
	if testing.Short() {
		t.Skip("starts an API server and real containers")
	}
	// A node of its own: containerd namespace, bridge and directories
	// (cleanupTestConfig), so that Cleanup can empty it all at the end
	// without touching what other tests run.
	cfg := cleanupTestConfig(t, env.address)
	cfg.NodeName = "restart-node"
	cfg.NodeIP = "127.0.0.1"
	cfg.PodCIDR = fmt.Sprintf("10.253.%d.0/24", randomByte())
	cfg.SyncFrequency = time.Second
	cfg.AgentVersion = "v0.0.0-test"
	t.Cleanup(func() { _ = Cleanup(context.Background(), cfg, nil) }) // after a failure; a no-op after success
	importImageInto(t, cfg.ContainerdNamespace)

	c := apiservertest.Start(t).Client
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pods := apiclient.For[core.Pod](c)

	first := startAgent(ctx, t, c, cfg)
	for _, name := range []string{"a", "b"} {
		if _, err := pods.Create(ctx, "default", restartTestPod(name, cfg.NodeName)); err != nil {
			t.Fatalf("create pod %s: %v", name, err)
		}
	}
	a := observeRunningPod(ctx, t, first.rt.Runtime, pods, "a")
	b := observeRunningPod(ctx, t, first.rt.Runtime, pods, "b")
	first.stop()

	// While no agent runs, pod a goes from the API at once.
	if err := pods.Delete(ctx, "default", "a", &meta.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatalf("delete pod a with grace 0: %v", err)
	}
	if _, err := pods.Get(ctx, "default", "a"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("pod a after delete with grace 0: got %v, want not found", err)
	}

	restarted := time.Now()
	second := startAgent(ctx, t, c, cfg)
	rt := second.rt
	leases := apiclient.For[coordination.Lease](c)
	waitFor(t, "the node lease renewed by the new agent", func() bool {
		l, err := leases.Get(ctx, nodeagent.NodeLeaseNamespace, cfg.NodeName)
		return err == nil && l.Spec.RenewTime != nil && l.Spec.RenewTime.After(restarted)
	})
	// Each sync of a running pod lists its sandboxes twice: at the fifth
	// listing the new agent has finished two syncs of pod b, the first
	// (which adopts) and a resync.
	waitFor(t, "two syncs of pod b by the new agent", func() bool { return rt.looks(b.uid) >= 5 })
	assertPodRemoved(ctx, t, rt, cfg, a)

	if got := rt.changesTo(b.uid, b.sandboxID, b.containerID); len(got) != 0 {
		t.Errorf("runtime calls of the new agent that change pod b: got %q, want none", got)
	}
	if got := rt.changesTo("StartContainer", "RunPodSandbox"); len(got) != 0 {
		t.Errorf("containers or sandboxes the new agent started: got %q, want none", got)
	}
	now := observeRunningPod(ctx, t, rt.Runtime, pods, "b")
	if now.containerID != b.containerID || now.sandboxID != b.sandboxID || now.ip != b.ip {
		t.Errorf("pod b after the restart: got container %s, sandbox %s, IP %s; want %s, %s, %s (adopted)",
			now.containerID, now.sandboxID, now.ip, b.containerID, b.sandboxID, b.ip)
	}
	if now.task != b.task || now.shim != b.shim {
		t.Errorf("pod b's processes after the restart: got task %v, shim %v; want task %v, shim %v", now.task, now.shim, b.task, b.shim)
	}
	if !now.startedAt.Equal(b.startedAt) {
		t.Errorf("pod b's startedAt after the restart: got %s, want %s", now.startedAt, b.startedAt)
	}
	if n := bridgePortCount(t, cfg.CNIBridge); n != 1 {
		t.Errorf("veths on bridge %s with only pod b left: got %d, want 1", cfg.CNIBridge, n)
	}
	httpGet(t, b.ip, "/")

	if err := pods.Delete(ctx, "default", "b", nil); err != nil {
		t.Fatalf("delete pod b: %v", err)
	}
	waitFor(t, "pod b gone from the API", func() bool {
		_, err := pods.Get(ctx, "default", "b")
		return errors.Is(err, errdefs.ErrNotFound)
	})
	assertPodRemoved(ctx, t, rt, cfg, b)
	if n := bridgePortCount(t, cfg.CNIBridge); n != 0 {
		t.Errorf("veths on bridge %s after both pods went: got %d, want none", cfg.CNIBridge, n)
	}
	if cs, err := rt.Client().Containers(ctx); err != nil || len(cs) != 0 {
		t.Errorf("containers in namespace %s after both pods went: got %d, %v; want none", cfg.ContainerdNamespace, len(cs), err)
	}

	network := rt.Network()
	second.stop()
	if err := network.Close(); err != nil {
		t.Errorf("network Close: %v", err)
	}
	if _, err := net.InterfaceByName(cfg.CNIBridge); err == nil {
		t.Errorf("bridge %s after Close: present, want gone", cfg.CNIBridge)
	}
	// What the agents left for Cleanup must be the node's own (its image,
	// namespace, directories), nothing of a pod.
	var logs bytes.Buffer
	if err := Cleanup(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("Cleanup: %v\nlog:\n%s", err, logs.String())
	}
	for _, kind := range []string{"task", "container", "netns", "bridge", "pod-volumes", "mount"} {
		if strings.Contains(logs.String(), "kind="+kind+" ") {
			t.Errorf("Cleanup after both pods went: removed a %s, want none left by the agent; log:\n%s", kind, logs.String())
		}
	}
	assertNoPath(t, cfg.StateDir)
	assertNoPath(t, cfg.RootDir)
}

// restartTestPod serves HTTP until stopped, with a tmpfs emptyDir, whose
// mount must go with the pod.
func restartTestPod(name, node string) *core.Pod {
	grace := int64(5)
	return &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: name},
		Spec: core.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: &grace,
			Containers: []core.Container{{
				Name:         "web",
				Image:        env.image,
				VolumeMounts: []core.VolumeMount{{Name: "scratch", MountPath: "/scratch"}},
			}},
			Volumes: []core.Volume{{Name: "scratch", VolumeSource: core.VolumeSource{
				EmptyDir: &core.EmptyDirVolumeSource{Medium: core.StorageMediumMemory},
			}}},
		},
	}
}

// importImageInto puts the test image in namespace ns, where the node's
// agents find it present and pull nothing.
func importImageInto(t *testing.T, ns string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.New(env.address, client.WithDefaultNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := os.Open(filepath.Join(env.dir, "img", "wharf-test-1.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := c.Import(ctx, f); err != nil {
		t.Fatalf("import test image: %v", err)
	}
}

// agentRun is one agent running the node until stop.
type agentRun struct {
	rt   *recordingRuntime
	stop func()
}

// startAgent runs a new agent over a new Runtime, as the wharf binary
// does; stop (also at the end of the test) ends it, waits for it and
// closes its connection to containerd, leaving containers and networks
// running for the next agent.
func startAgent(ctx context.Context, t *testing.T, c *apiclient.Client, cfg nodeagent.Config) *agentRun {
	t.Helper()
	r, err := New(ctx, ConfigFor(cfg))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	rt := &recordingRuntime{Runtime: r, lists: map[string]int{}}
	agentCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- nodeagent.RunNode(agentCtx, c, cfg, rt, nil) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("RunNode: got %v, want nil", err)
			}
			_ = r.Close()
		})
	}
	t.Cleanup(stop)
	return &agentRun{rt: rt, stop: stop}
}

// recordingRuntime notes what an agent asks of the runtime: how often it
// looks at each pod, and every call that changes something, so that the
// test tells adoption from a restart that happens to look alike.
type recordingRuntime struct {
	*Runtime

	mu      sync.Mutex
	lists   map[string]int // ListSandboxes calls by pod UID
	changes []string       // "Method argument"
}

func (r *recordingRuntime) looks(podUID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lists[podUID]
}

// changesTo returns the changing calls that mention any of words.
func (r *recordingRuntime) changesTo(words ...string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.changes {
		if slices.ContainsFunc(words, func(w string) bool { return strings.Contains(c, w) }) {
			out = append(out, c)
		}
	}
	return out
}

func (r *recordingRuntime) changed(method, arg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, method+" "+arg)
}

func (r *recordingRuntime) ListSandboxes(ctx context.Context, podUID string) ([]nodeagent.Sandbox, error) {
	r.mu.Lock()
	r.lists[podUID]++
	r.mu.Unlock()
	return r.Runtime.ListSandboxes(ctx, podUID)
}

func (r *recordingRuntime) RunPodSandbox(ctx context.Context, pod *core.Pod, attempt uint32) (*nodeagent.Sandbox, error) {
	r.changed("RunPodSandbox", pod.UID)
	return r.Runtime.RunPodSandbox(ctx, pod, attempt)
}

func (r *recordingRuntime) StopPodSandbox(ctx context.Context, id string) error {
	r.changed("StopPodSandbox", id)
	return r.Runtime.StopPodSandbox(ctx, id)
}

func (r *recordingRuntime) RemovePodSandbox(ctx context.Context, id string) error {
	r.changed("RemovePodSandbox", id)
	return r.Runtime.RemovePodSandbox(ctx, id)
}

func (r *recordingRuntime) StartContainer(ctx context.Context, sandboxID string, cfg nodeagent.ContainerConfig) (string, error) {
	r.changed("StartContainer", sandboxID)
	return r.Runtime.StartContainer(ctx, sandboxID, cfg)
}

func (r *recordingRuntime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	r.changed("StopContainer", id)
	return r.Runtime.StopContainer(ctx, id, grace)
}

func (r *recordingRuntime) RemoveContainer(ctx context.Context, id string) error {
	r.changed("RemoveContainer", id)
	return r.Runtime.RemoveContainer(ctx, id)
}

// runningPod is what a Running pod holds on the node.
type runningPod struct {
	name, uid, ip          string
	sandboxID, containerID string
	startedAt              time.Time
	// task is the container's process, shim its parent.
	task, shim process
}

// observeRunningPod waits until the pod is Running and Ready with an IP
// and one running container, and reads what it holds from the API, the
// runtime and /proc.
func observeRunningPod(ctx context.Context, t *testing.T, rt *Runtime, pods *apiclient.Resource[core.Pod, *core.Pod], name string) runningPod {
	t.Helper()
	p := waitPod(t, pods, name, func(p *core.Pod) bool {
		return p.Status.Phase == core.PodRunning && p.Status.PodIP != "" && p.IsReady()
	})
	if len(p.Status.ContainerStatuses) != 1 {
		t.Fatalf("pod %s containerStatuses: got %d, want 1", name, len(p.Status.ContainerStatuses))
	}
	cst := p.Status.ContainerStatuses[0]
	if cst.State.Running == nil || cst.RestartCount != 0 || !cst.Ready {
		t.Errorf("pod %s container status: got state %+v, restartCount %d, ready %t; want running, 0, true", name, cst.State, cst.RestartCount, cst.Ready)
	}
	sbs, err := rt.ListSandboxes(ctx, p.UID)
	if err != nil || len(sbs) != 1 {
		t.Fatalf("pod %s ListSandboxes: got %d, %v, want 1", name, len(sbs), err)
	}
	cs, err := rt.ListContainers(ctx, sbs[0].ID)
	if err != nil || len(cs) != 1 {
		t.Fatalf("pod %s ListContainers: got %d, %v, want 1", name, len(cs), err)
	}
	if want := RuntimeName + "://" + cs[0].ID; cst.ContainerID != want {
		t.Errorf("pod %s containerID: got %s, want %s", name, cst.ContainerID, want)
	}
	ctr, err := rt.Client().LoadContainer(ctx, cs[0].ID)
	if err != nil {
		t.Fatalf("pod %s LoadContainer: %v", name, err)
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		t.Fatalf("pod %s task: %v", name, err)
	}
	tp, ppid := readProcess(t, int(task.Pid()))
	shim, _ := readProcess(t, ppid)
	rp := runningPod{
		name: name, uid: p.UID, ip: p.Status.PodIP,
		sandboxID: sbs[0].ID, containerID: cs[0].ID,
		task: tp, shim: shim,
	}
	if cst.State.Running != nil {
		rp.startedAt = cst.State.Running.StartedAt.Time
	}
	return rp
}

// process names one process: a PID with its start time, which tells it
// from a later process given the same PID.
type process struct {
	pid   int
	start uint64 // clock ticks after boot
}

func (p process) String() string { return fmt.Sprintf("%d (started at tick %d)", p.pid, p.start) }

// readProcess reads the process's start time and parent from
// /proc/PID/stat.
func readProcess(t *testing.T, pid int) (process, int) {
	t.Helper()
	f, err := procStat(pid)
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	ppid, _ := strconv.Atoi(f[1])
	start, _ := strconv.ParseUint(f[19], 10, 64)
	return process{pid: pid, start: start}, ppid
}

// procStat returns the fields of /proc/PID/stat after the command name
// (which may hold spaces): state first.
func procStat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 20 {
		return nil, fmt.Errorf("/proc/%d/stat: malformed %q", pid, b)
	}
	return f, nil
}

// alive: the process runs still. A zombie counts as gone: a shim is
// reparented to PID 1, which in a container may never reap it.
func (p process) alive() bool {
	f, err := procStat(p.pid)
	return err == nil && f[0] != "Z" && f[19] == strconv.FormatUint(p.start, 10)
}

// assertPodRemoved waits until nothing of pod p is left on the node: its
// sandbox record and files, container, task, snapshot and log, processes,
// network namespace, address lease and volumes (tmpfs unmounted).
func assertPodRemoved(ctx context.Context, t *testing.T, rt *recordingRuntime, cfg nodeagent.Config, p runningPod) {
	t.Helper()
	podDir := filepath.Join(cfg.RootDir, "pods", p.uid)
	netnsDir := filepath.Join(cfg.StateDir, "network", "netns", p.uid)
	waitFor(t, "the sandbox, network, volumes and processes of pod "+p.name+" removed", func() bool {
		sbs, err := rt.Runtime.ListSandboxes(ctx, p.uid)
		if err != nil || len(sbs) != 0 {
			return false
		}
		uids, err := rt.Network().List()
		if err != nil || slices.Contains(uids, p.uid) {
			return false
		}
		if _, err := os.Lstat(podDir); !errors.Is(err, fs.ErrNotExist) {
			return false
		}
		return !p.task.alive() && !p.shim.alive()
	})
	assertGone(t, rt.Runtime, p.containerID)
	assertSandboxGone(t, rt.Runtime, p.sandboxID)
	for _, dir := range []string{podDir, netnsDir} {
		if points, err := volume.MountPointsUnder(dir); err != nil || len(points) != 0 {
			t.Errorf("mounts under %s after pod %s went: got %v, %v; want none", dir, p.name, points, err)
		}
	}
	if leases := ipamLeases(t, cfg); slices.Contains(leases, p.ip) {
		t.Errorf("address leases after pod %s went: got %v, want no %s", p.name, leases, p.ip)
	}
}

// ipamLeases lists the addresses host-local holds: one file per address.
func ipamLeases(t *testing.T, cfg nodeagent.Config) []string {
	t.Helper()
	var ips []string
	err := filepath.WalkDir(filepath.Join(cfg.StateDir, "network", "ipam"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if net.ParseIP(d.Name()) != nil {
			ips = append(ips, d.Name())
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("address leases: %v", err)
	}
	return ips
}

func bridgePortCount(t *testing.T, bridge string) int {
	t.Helper()
	ports, err := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif"))
	if err != nil {
		t.Fatalf("ports of bridge %s: %v", bridge, err)
	}
	return len(ports)
}
