package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

const waitLong = 30 * time.Second

func createPod(t *testing.T, c *client.Client, p *core.Pod) *core.Pod {
	t.Helper()
	p.UID = ""
	created, err := client.For[core.Pod](c).Create(context.Background(), p.Namespace, p)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func isRunningAndReady(p *core.Pod) bool {
	return p.Status.Phase == core.PodRunning && p.IsReady() && p.Status.PodIP != ""
}

func TestNodeRegistersAndRenewsLease(t *testing.T) {
	c := startServer(t)
	ctx := context.Background()
	nodes, leases := client.For[core.Node](c), client.For[coordination.Lease](c)

	// node-b exists already, with a label and a taint of its own.
	_, err := nodes.Create(ctx, "", &core.Node{
		ObjectMeta: meta.ObjectMeta{Name: "node-b", Labels: map[string]string{"keep": "me"}},
		Spec:       core.NodeSpec{Taints: []core.Taint{{Key: "dedicated", Value: "x", Effect: core.TaintEffectNoSchedule}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"node-a", "node-b"} {
		startAgent(t, c, testConfig(name), NewSimulated(time.Second, nil))
	}
	for _, name := range []string{"node-a", "node-b"} {
		var n *core.Node
		waitFor(t, waitLong, name+" Ready", func() (bool, string) {
			var err error
			if n, err = nodes.Get(ctx, "", name); err != nil {
				return false, err.Error()
			}
			return n.Ready(), "not Ready"
		})
		wantLabels := map[string]string{LabelHostname: name, LabelOS: "linux", "zone": "test"}
		for k, v := range wantLabels {
			if n.Labels[k] != v {
				t.Errorf("%s label %s: got %q, want %q", name, k, n.Labels[k], v)
			}
		}
		if n.Labels[LabelArch] == "" {
			t.Errorf("%s has no %s label", name, LabelArch)
		}
		cap := n.Status.Capacity
		if cap.CPU().MilliValue() != 4000 || cap.Memory().Value() != 16<<30 || cap.Pods().Value() != 110 {
			t.Errorf("%s capacity: got %v, want cpu 4, memory 16Gi, pods 110", name, cap)
		}
		if got := n.Status.Allocatable.Pods(); got.Value() != 110 {
			t.Errorf("%s allocatable pods: got %s, want 110", name, got.String())
		}
		if ip := n.Address(core.NodeInternalIP); ip != "10.0.0.1" {
			t.Errorf("%s InternalIP: got %q, want 10.0.0.1", name, ip)
		}
		if n.Spec.PodCIDR != "10.128.0.0/24" {
			t.Errorf("%s podCIDR: got %q, want 10.128.0.0/24", name, n.Spec.PodCIDR)
		}
		info := n.Status.NodeInfo
		if info.ContainerRuntimeVersion != "simulated://0.1.0" || info.KubeletVersion != "v0.0.0-test" || info.OperatingSystem != "linux" {
			t.Errorf("%s nodeInfo: got %+v", name, info)
		}
		if rc := n.Condition(core.NodeReady); rc.LastHeartbeatTime.IsZero() || rc.LastTransitionTime.IsZero() || rc.Reason != reasonKubeletReady {
			t.Errorf("%s Ready condition: got %+v, want heartbeat and transition times", name, rc)
		}

		var l *coordination.Lease
		waitFor(t, waitLong, name+" lease", func() (bool, string) {
			var err error
			l, err = leases.Get(ctx, NodeLeaseNamespace, name)
			if err != nil {
				return false, err.Error()
			}
			return l.Spec.RenewTime != nil, "no renewTime"
		})
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != name || l.Spec.LeaseDurationSeconds == nil || *l.Spec.LeaseDurationSeconds != 2 {
			t.Errorf("%s lease spec: got %+v, want holder %s, duration 2", name, l.Spec, name)
		}
		if len(l.OwnerReferences) != 1 || l.OwnerReferences[0].Kind != "Node" || l.OwnerReferences[0].UID != n.UID {
			t.Errorf("%s lease owners: got %+v, want the Node (uid %s)", name, l.OwnerReferences, n.UID)
		}
		first := l.Spec.RenewTime.Time
		waitFor(t, waitLong, name+" lease renewed", func() (bool, string) {
			l, err := leases.Get(ctx, NodeLeaseNamespace, name)
			if err != nil {
				return false, err.Error()
			}
			return l.Spec.RenewTime.After(first), "renewTime " + l.Spec.RenewTime.String()
		})
	}
	b, err := nodes.Get(ctx, "", "node-b")
	if err != nil {
		t.Fatal(err)
	}
	if b.Labels["keep"] != "me" || len(b.Spec.Taints) != 1 {
		t.Errorf("the existing node lost what the agent does not own: labels %v taints %v", b.Labels, b.Spec.Taints)
	}
}

// TestNodeReadyRestored: when something else marks the node not ready
// (the node lifecycle controller, after missed renewals), the agent puts
// Ready=True back at once.
func TestNodeReadyRestored(t *testing.T) {
	c := startServer(t)
	ctx := context.Background()
	nodes := client.For[core.Node](c)
	startAgent(t, c, testConfig("node-a"), NewSimulated(time.Second, nil))
	var n *core.Node
	waitFor(t, waitLong, "node Ready", func() (bool, string) {
		var err error
		n, err = nodes.Get(ctx, "", "node-a")
		return err == nil && n.Ready(), "not Ready"
	})
	n.Condition(core.NodeReady).Status = core.ConditionUnknown
	if _, err := nodes.UpdateStatus(ctx, n); err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitLong, "node Ready again", func() (bool, string) {
		n, err := nodes.Get(ctx, "", "node-a")
		return err == nil && n.Ready(), "not Ready"
	})
}

func TestPodRunsAndIsReady(t *testing.T) {
	c := startServer(t)
	a := startAgent(t, c, testConfig("node-a"), NewSimulated(time.Second, nil))
	createPod(t, c, testPod("web").onNode("node-a").containers("app", "sidecar").obj())
	p := waitPod(t, c, "default", "web", waitLong, "Running and Ready", isRunningAndReady)

	if !netip.MustParsePrefix("10.128.0.0/24").Contains(netip.MustParseAddr(p.Status.PodIP)) {
		t.Errorf("podIP %s is not in the node's pod CIDR 10.128.0.0/24", p.Status.PodIP)
	}
	if p.Status.HostIP != "10.0.0.1" || p.Status.StartTime == nil {
		t.Errorf("got hostIP %q startTime %v, want 10.0.0.1 and a start time", p.Status.HostIP, p.Status.StartTime)
	}
	for _, typ := range []core.PodConditionType{core.PodScheduled, core.PodInitialized, core.ContainersReady, core.PodReady} {
		if c := p.Status.Condition(typ); c == nil || c.Status != core.ConditionTrue || c.LastTransitionTime.IsZero() {
			t.Errorf("condition %s: got %+v, want True with a transition time", typ, c)
		}
	}
	if len(p.Status.ContainerStatuses) != 2 {
		t.Fatalf("got %d container statuses, want 2", len(p.Status.ContainerStatuses))
	}
	for _, cs := range p.Status.ContainerStatuses {
		if !cs.Ready || cs.Started == nil || !*cs.Started || cs.State.Running == nil || cs.RestartCount != 0 ||
			!strings.HasPrefix(cs.ContainerID, "simulated://") || cs.ImageID == "" || cs.Image != "busybox:1.36" {
			t.Errorf("container %s: got %+v", cs.Name, cs)
		}
	}

	// Nothing changes from here on: resyncs must not write the status.
	writes := a.statusWrites.Load()
	waitForResyncs(t, c, "node-a", 4*a.cfg.SyncFrequency)
	if got := a.statusWrites.Load(); got != writes {
		t.Errorf("status writes while nothing changed: got %d more, want none", got-writes)
	}
}

// waitForResyncs waits until at least d has passed on the node's lease,
// which the agent renews on its own clock: time for several resyncs.
func waitForResyncs(t *testing.T, c *client.Client, node string, d time.Duration) {
	t.Helper()
	leases := client.For[coordination.Lease](c)
	l, err := leases.Get(context.Background(), NodeLeaseNamespace, node)
	if err != nil {
		t.Fatal(err)
	}
	from := l.Spec.RenewTime.Time
	waitFor(t, waitLong, "lease renewed "+d.String()+" later", func() (bool, string) {
		l, err := leases.Get(context.Background(), NodeLeaseNamespace, node)
		if err != nil {
			return false, err.Error()
		}
		return l.Spec.RenewTime.Sub(from) >= d, l.Spec.RenewTime.String()
	})
}

// TestCrashLoopBackOff: an Always pod whose container fails shows
// CrashLoopBackOff with its last exit, and its restartCount grows.
func TestCrashLoopBackOff(t *testing.T) {
	c := startServer(t)
	startAgent(t, c, testConfig("node-a"), NewSimulated(time.Second, nil))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	w, err := client.For[core.Pod](c).Watch(ctx, "default", client.ListOptions{FieldSelector: "metadata.name=crasher"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	createPod(t, c, testPod("crasher").onNode("node-a").annotate(AnnotationFail, "true").obj())

	sawBackOff := false
	var restarts int32
	for ev := range w.Events() {
		if ev.Type == meta.Error {
			t.Fatal(ev.Err)
		}
		p := ev.Object
		if len(p.Status.ContainerStatuses) != 1 {
			continue
		}
		cs := p.Status.ContainerStatuses[0]
		if cs.RestartCount < restarts {
			t.Fatalf("restartCount went down from %d to %d", restarts, cs.RestartCount)
		}
		restarts = cs.RestartCount
		if wt := cs.State.Waiting; wt != nil && wt.Reason == ReasonCrashLoopBackOff {
			sawBackOff = true
			if last := cs.LastTerminationState.Terminated; last == nil || last.ExitCode != 1 {
				t.Errorf("in CrashLoopBackOff: lastState %+v, want terminated with exit code 1", last)
			}
			if p.Status.Phase != core.PodRunning || p.IsReady() {
				t.Errorf("in CrashLoopBackOff: got phase %s ready %v, want Running, not ready", p.Status.Phase, p.IsReady())
			}
		}
		if sawBackOff && restarts >= 3 {
			return
		}
	}
	t.Fatalf("watch ended with restartCount %d, CrashLoopBackOff seen: %v; want 3 restarts and CrashLoopBackOff", restarts, sawBackOff)
}

func TestRunToCompletion(t *testing.T) {
	c := startServer(t)
	rt := NewSimulated(time.Second, nil)
	cfg := testConfig("node-a")
	startAgent(t, c, cfg, rt)
	tests := []struct {
		name      string
		pod       *core.Pod
		wantPhase core.PodPhase
		wantCode  int32
	}{
		{"never-exit-3", testPod("never-exit-3").policy(core.RestartPolicyNever).annotate(AnnotationExitCode, "3").obj(), core.PodFailed, 3},
		{"onfailure", testPod("onfailure").policy(core.RestartPolicyOnFailure).obj(), core.PodSucceeded, 0},
		{"never-with-init", testPod("never-with-init").policy(core.RestartPolicyNever).initContainers("setup").obj(), core.PodSucceeded, 0},
	}
	for _, tt := range tests {
		tt.pod.Spec.NodeName = "node-a"
		createPod(t, c, tt.pod)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := waitPod(t, c, "default", tt.name, waitLong, "finished", (*core.Pod).IsTerminal)
			if p.Status.Phase != tt.wantPhase {
				t.Fatalf("got phase %s, want %s", p.Status.Phase, tt.wantPhase)
			}
			term := p.Status.ContainerStatuses[0].State.Terminated
			if term == nil || term.ExitCode != tt.wantCode {
				t.Fatalf("container state: got %+v, want terminated with exit code %d", p.Status.ContainerStatuses[0].State, tt.wantCode)
			}
			if p.Status.PodIP == "" {
				t.Error("a finished pod lost its podIP, want it kept")
			}
			waitFor(t, waitLong, "the sandbox of a finished pod stopped", func() (bool, string) {
				sbs, _ := rt.ListSandboxes(context.Background(), p.UID)
				for _, sb := range sbs {
					if sb.Ready {
						return false, "sandbox " + sb.ID + " ready"
					}
				}
				return true, ""
			})
		})
	}
}

func TestActiveDeadline(t *testing.T) {
	c := startServer(t)
	startAgent(t, c, testConfig("node-a"), NewSimulated(time.Second, nil))
	p := testPod("deadline").onNode("node-a").obj()
	p.Spec.ActiveDeadlineSeconds = ptr(int64(1))
	createPod(t, c, p)
	got := waitPod(t, c, "default", "deadline", waitLong, "failed", (*core.Pod).IsTerminal)
	if got.Status.Phase != core.PodFailed || got.Status.Reason != ReasonDeadlineExceeded {
		t.Errorf("got phase %s reason %q, want Failed, %s", got.Status.Phase, got.Status.Reason, ReasonDeadlineExceeded)
	}
}

func TestDeletion(t *testing.T) {
	c := startServer(t)
	rt := NewSimulated(time.Second, nil)
	startAgent(t, c, testConfig("node-a"), rt)
	pods := client.For[core.Pod](c)
	ctx := context.Background()
	gone := func(name string) func() (bool, string) {
		return func() (bool, string) {
			_, err := pods.Get(ctx, "default", name)
			return errors.Is(err, errdefs.ErrNotFound), "still there"
		}
	}
	noSandbox := func(uid string) func() (bool, string) {
		return func() (bool, string) {
			sbs, _ := rt.ListSandboxes(ctx, uid)
			return len(sbs) == 0, "sandboxes left"
		}
	}

	t.Run("graceful", func(t *testing.T) {
		p := createPod(t, c, testPod("graceful").onNode("node-a").grace(30).obj())
		waitPod(t, c, "default", "graceful", waitLong, "Running", isRunningAndReady)
		if err := pods.Delete(ctx, "default", "graceful", nil); err != nil {
			t.Fatal(err)
		}
		// Well within the 30s grace period: the containers stop at once.
		waitFor(t, 15*time.Second, "pod deleted by the agent", gone("graceful"))
		waitFor(t, waitLong, "sandbox removed", noSandbox(p.UID))
	})

	t.Run("ignoring SIGTERM takes the grace period", func(t *testing.T) {
		p := createPod(t, c, testPod("stubborn").onNode("node-a").grace(1).annotate(AnnotationIgnoreSIGTERM, "true").obj())
		waitPod(t, c, "default", "stubborn", waitLong, "Running", isRunningAndReady)
		wctx, cancel := context.WithTimeout(ctx, waitLong)
		defer cancel()
		w, err := pods.Watch(wctx, "default", client.ListOptions{FieldSelector: "metadata.name=stubborn", ResourceVersion: p.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		start := time.Now()
		if err := pods.Delete(ctx, "default", "stubborn", nil); err != nil {
			t.Fatal(err)
		}
		var last *core.Pod
		for ev := range w.Events() {
			if ev.Type == meta.Error {
				t.Fatal(ev.Err)
			}
			if ev.Type == meta.Deleted {
				break
			}
			last = ev.Object
		}
		if took := time.Since(start); took < time.Second {
			t.Errorf("deleted after %s, want the 1s grace period first", took)
		}
		if last == nil || last.Status.Phase != core.PodFailed || last.Status.ContainerStatuses[0].State.Terminated == nil ||
			last.Status.ContainerStatuses[0].State.Terminated.ExitCode != exitCodeKilled {
			t.Fatalf("final status before deletion: got %s, want Failed with exit code %d", describePod(last), exitCodeKilled)
		}
		waitFor(t, waitLong, "sandbox removed", noSandbox(p.UID))
	})

	t.Run("removed from the API while running", func(t *testing.T) {
		p := createPod(t, c, testPod("forced").onNode("node-a").obj())
		waitPod(t, c, "default", "forced", waitLong, "Running", isRunningAndReady)
		if err := pods.Delete(ctx, "default", "forced", &meta.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, waitLong, "the runtime stopped and removed the pod", noSandbox(p.UID))
	})
}

// TestAgentRestartAdoptsPods: a new agent over the same runtime finds the
// pods running and leaves them so; it stops what was deleted meanwhile
// and starts what was created meanwhile.
func TestAgentRestartAdoptsPods(t *testing.T) {
	c := startServer(t)
	ctx := context.Background()
	pods := client.For[core.Pod](c)
	rt := NewSimulated(time.Second, nil)
	cfg := testConfig("node-a")
	first := startAgent(t, c, cfg, rt)
	kept := createPod(t, c, testPod("kept").onNode("node-a").obj())
	doomed := createPod(t, c, testPod("doomed").onNode("node-a").obj())
	before := waitPod(t, c, "default", "kept", waitLong, "Running", isRunningAndReady)
	waitPod(t, c, "default", "doomed", waitLong, "Running", isRunningAndReady)
	first.stop()

	// While no agent runs: one pod goes (forcibly, as the agent cannot
	// confirm), one comes, and the kept pod's status is made stale.
	if err := pods.Delete(ctx, "default", "doomed", &meta.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}); err != nil {
		t.Fatal(err)
	}
	createPod(t, c, testPod("newcomer").onNode("node-a").obj())
	stale := meta.DeepCopy(before)
	stale.Status.Condition(core.PodReady).Status = core.ConditionFalse
	if _, err := pods.UpdateStatus(ctx, stale); err != nil {
		t.Fatal(err)
	}

	startAgent(t, c, cfg, rt)
	after := waitPod(t, c, "default", "kept", waitLong, "reported Ready again", isRunningAndReady)
	b, a := before.Status.ContainerStatuses[0], after.Status.ContainerStatuses[0]
	if a.ContainerID != b.ContainerID || a.RestartCount != 0 || after.Status.PodIP != before.Status.PodIP {
		t.Errorf("after the restart: container %s restarts %d podIP %s, want the same container %s, 0 restarts, podIP %s",
			a.ContainerID, a.RestartCount, after.Status.PodIP, b.ContainerID, before.Status.PodIP)
	}
	sbs, _ := rt.ListSandboxes(ctx, kept.UID)
	if len(sbs) != 1 {
		t.Errorf("kept pod has %d sandboxes, want its one", len(sbs))
	}
	waitPod(t, c, "default", "newcomer", waitLong, "Running", isRunningAndReady)
	waitFor(t, waitLong, "the pod deleted while the agent was down is stopped", func() (bool, string) {
		sbs, _ := rt.ListSandboxes(ctx, doomed.UID)
		return len(sbs) == 0, "its sandbox is still there"
	})
}

// TestManyNodes: simulated nodes sharing one client and one pod watch all
// register, and pods bound to each of them run.
func TestManyNodes(t *testing.T) {
	c := startServer(t)
	cfg := testConfig("")
	cfg.NodeIP, cfg.PodCIDR = "", ""
	cfg.Simulate = 50
	cfg.RenewInterval = time.Second
	f := newFleet(c, cfg, testLog())
	defer f.close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fleet: %v", err)
		}
	}()

	nodeName := func(i int) string { return simulatedNode(cfg, i).NodeName }
	for i := 1; i <= cfg.Simulate; i++ {
		createPod(t, c, testPod("p"+nodeName(i)).onNode(nodeName(i)).obj())
	}
	pods := client.For[core.Pod](c)
	waitFor(t, 60*time.Second, "every pod Running and Ready", func() (bool, string) {
		l, err := pods.List(context.Background(), "default", client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		ready := 0
		for i := range l.Items {
			if isRunningAndReady(&l.Items[i]) {
				ready++
			}
		}
		return ready == cfg.Simulate, describeCount(ready, cfg.Simulate)
	})
	l, err := pods.List(context.Background(), "default", client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ips := map[string]string{}
	for _, p := range l.Items {
		want := simulatedNode(cfg, mustIndex(t, p.Spec.NodeName, cfg.NodeNamePrefix))
		if !netip.MustParsePrefix(want.PodCIDR).Contains(netip.MustParseAddr(p.Status.PodIP)) || p.Status.HostIP != want.NodeIP {
			t.Errorf("pod %s on %s: podIP %s hostIP %s, want one in %s and %s", p.Name, p.Spec.NodeName, p.Status.PodIP, p.Status.HostIP, want.PodCIDR, want.NodeIP)
		}
		if other, dup := ips[p.Status.PodIP]; dup {
			t.Errorf("pods %s and %s share IP %s", other, p.Name, p.Status.PodIP)
		}
		ips[p.Status.PodIP] = p.Name
	}
	nodes, err := client.For[core.Node](c).List(context.Background(), "", client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	readyNodes := 0
	for i := range nodes.Items {
		if nodes.Items[i].Ready() {
			readyNodes++
		}
	}
	if readyNodes != cfg.Simulate {
		t.Errorf("got %d Ready nodes, want %d", readyNodes, cfg.Simulate)
	}
	waitFor(t, waitLong, "a lease per node", func() (bool, string) {
		leases, err := client.For[coordination.Lease](c).List(context.Background(), NodeLeaseNamespace, client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(leases.Items) == cfg.Simulate, describeCount(len(leases.Items), cfg.Simulate)
	})
}

func describeCount(got, want int) string {
	return fmt.Sprintf("got %d of %d", got, want)
}

func mustIndex(t *testing.T, name, prefix string) int {
	t.Helper()
	i, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
	if err != nil {
		t.Fatalf("node name %q: %v", name, err)
	}
	return i
}

// TestImageChange: changing a running pod's image replaces its container,
// as the kubelet does when a container's spec changes.
func TestImageChange(t *testing.T) {
	c := startServer(t)
	startAgent(t, c, testConfig("node-a"), NewSimulated(time.Second, nil))
	createPod(t, c, testPod("web").onNode("node-a").obj())
	before := waitPod(t, c, "default", "web", waitLong, "Running", isRunningAndReady)
	changed := meta.DeepCopy(before)
	changed.Spec.Containers[0].Image = "nginx:1.28"
	if _, err := client.For[core.Pod](c).Update(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	after := waitPod(t, c, "default", "web", waitLong, "running the new image", func(p *core.Pod) bool {
		cs := p.Status.ContainerStatuses
		return isRunningAndReady(p) && len(cs) == 1 && cs[0].Image == "nginx:1.28" && cs[0].State.Running != nil
	})
	b, a := before.Status.ContainerStatuses[0], after.Status.ContainerStatuses[0]
	if a.ContainerID == b.ContainerID || a.RestartCount != 1 || !strings.HasPrefix(a.ImageID, "nginx@sha256:") {
		t.Errorf("after the image change: container %s restarts %d imageID %s, want a new container, 1 restart, an nginx imageID",
			a.ContainerID, a.RestartCount, a.ImageID)
	}
}
