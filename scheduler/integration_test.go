package scheduler

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/scheduler/plugins"
)

func TestBindsAndSpreadsPods(t *testing.T) {
	cl := startCluster(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		cl.addNode(testNode(n))
	}
	cl.startScheduler(testConfig(), "sched")
	var names []string
	for i := range 9 {
		name := fmt.Sprintf("web-%d", i)
		names = append(names, name)
		cl.addPod(testPod(name).req("100m", "128Mi").owner("rs-web"))
	}
	placed := cl.boundPods(names, 30*time.Second)
	perNode := map[string]int{}
	for _, n := range placed {
		perNode[n]++
	}
	for _, n := range []string{"n1", "n2", "n3"} {
		if perNode[n] != 3 {
			t.Errorf("pods per node: got %v, want 3 of the ReplicaSet's 9 pods on each node", perNode)
			break
		}
	}
	p := cl.pod("web-0")
	if c := p.Status.Condition(core.PodScheduled); c == nil || c.Status != core.ConditionTrue {
		t.Errorf("web-0 PodScheduled: got %+v, want True", c)
	}
	want := fmt.Sprintf("Successfully assigned default/web-0 to %s", p.Spec.NodeName)
	eventually(t, 10*time.Second, func() (bool, string) {
		evs := cl.podEvents("web-0", ReasonScheduled)
		if len(evs) != 1 || evs[0].Message != want || evs[0].Type != core.EventTypeNormal {
			return false, fmt.Sprintf("Scheduled events of web-0: got %+v, want one Normal %q", evs, want)
		}
		return true, ""
	})
}

func TestResourceStarvedPodWaitsForRoom(t *testing.T) {
	cl := startCluster(t)
	for i := range 3 {
		cl.addNode(testNode(fmt.Sprintf("small-%d", i)).alloc("1", "4Gi", "110"))
	}
	for i := range 2 {
		cl.addNode(testNode(fmt.Sprintf("gone-%d", i)).ready(core.ConditionUnknown).
			taint(plugins.TaintNodeUnreachable, "", core.TaintEffectNoExecute))
	}
	cl.startScheduler(testConfig(), "sched")
	cl.addPod(testPod("big").req("2", "1Gi"))

	const want = "0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu."
	eventually(t, 30*time.Second, func() (bool, string) {
		p := cl.pod("big")
		c := p.Status.Condition(core.PodScheduled)
		if c == nil || c.Status != core.ConditionFalse || c.Reason != core.PodReasonUnschedulable || c.Message != want {
			return false, fmt.Sprintf("PodScheduled of big: got %+v, want False, Unschedulable, %q", c, want)
		}
		if p.Spec.NodeName != "" || p.Status.Phase != core.PodPending {
			return false, fmt.Sprintf("big: got node %q phase %q, want Pending and unbound", p.Spec.NodeName, p.Status.Phase)
		}
		return true, ""
	})
	eventually(t, 10*time.Second, func() (bool, string) {
		evs := cl.podEvents("big", ReasonFailedScheduling)
		if len(evs) == 0 || evs[0].Message != want || evs[0].Type != core.EventTypeWarning {
			return false, fmt.Sprintf("FailedScheduling events of big: got %+v, want a Warning %q", evs, want)
		}
		return true, ""
	})

	cl.addNode(testNode("large").alloc("8", "16Gi", "110"))
	if got := cl.boundPods([]string{"big"}, 30*time.Second)["big"]; got != "large" {
		t.Errorf("big: bound to %s, want large", got)
	}
	if c := cl.pod("big").Status.Condition(core.PodScheduled); c == nil || c.Status != core.ConditionTrue {
		t.Errorf("PodScheduled after binding: got %+v, want True", c)
	}
}

func TestNodeSelectorAndTaints(t *testing.T) {
	cl := startCluster(t)
	cl.addNode(testNode("plain"))
	cl.addNode(testNode("gpu").label("gpu", "true").taint("dedicated", "gpu", core.TaintEffectNoSchedule))
	cl.startScheduler(testConfig(), "sched")

	cl.addPod(testPod("trainer").nodeSelector("gpu", "true").tolerate("dedicated", core.TaintEffectNoSchedule))
	var plain []string
	for i := range 4 {
		name := fmt.Sprintf("web-%d", i)
		plain = append(plain, name)
		cl.addPod(testPod(name))
	}
	cl.addPod(testPod("intolerant").nodeSelector("gpu", "true"))

	placed := cl.boundPods(append([]string{"trainer"}, plain...), 30*time.Second)
	if placed["trainer"] != "gpu" {
		t.Errorf("trainer (selects and tolerates gpu): bound to %s, want gpu", placed["trainer"])
	}
	for _, n := range plain {
		if placed[n] != "plain" {
			t.Errorf("%s (tolerates nothing): bound to %s, want plain", n, placed[n])
		}
	}
	const want = "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}."
	eventually(t, 30*time.Second, func() (bool, string) {
		evs := cl.podEvents("intolerant", ReasonFailedScheduling)
		if len(evs) == 0 || evs[0].Message != want {
			return false, fmt.Sprintf("FailedScheduling events of intolerant: got %+v, want %q", evs, want)
		}
		return true, ""
	})
	if p := cl.pod("intolerant"); p.Spec.NodeName != "" {
		t.Errorf("intolerant: bound to %s, want unbound", p.Spec.NodeName)
	}
}

func TestOtherSchedulersPodsAreLeftAlone(t *testing.T) {
	cl := startCluster(t)
	cl.addNode(testNode("n1"))
	cl.startScheduler(testConfig(), "sched")
	// Older and of higher priority: had it been ours, it would go first.
	cl.addPod(testPod("framework-task").scheduler("mesos-framework").priority(1000))
	cl.addPod(testPod("ours"))
	cl.boundPods([]string{"ours"}, 30*time.Second)

	p := cl.pod("framework-task")
	if p.Spec.NodeName != "" || p.Status.Condition(core.PodScheduled) != nil {
		t.Errorf("the other scheduler's pod: got node %q, conditions %+v; want it untouched", p.Spec.NodeName, p.Status.Conditions)
	}
	for _, reason := range []string{ReasonScheduled, ReasonFailedScheduling} {
		if evs := cl.podEvents("framework-task", reason); len(evs) != 0 {
			t.Errorf("the other scheduler's pod got %s events: %+v", reason, evs)
		}
	}
}

func TestSecondSchedulerNameSchedulesItsOwnPods(t *testing.T) {
	cl := startCluster(t)
	cl.addNode(testNode("n1"))
	cfg := testConfig()
	cfg.SchedulerName = "batch-scheduler"
	cl.startScheduler(cfg, "batch")
	cl.addPod(testPod("batch-job").scheduler("batch-scheduler"))
	cl.boundPods([]string{"batch-job"}, 30*time.Second)
	eventually(t, 10*time.Second, func() (bool, string) {
		evs := cl.podEvents("batch-job", ReasonScheduled)
		if len(evs) != 1 || evs[0].Source.Component != "batch-scheduler" {
			return false, fmt.Sprintf("Scheduled events: got %+v, want one from batch-scheduler", evs)
		}
		return true, ""
	})
}

func TestLeaderElectionOneSchedulerBinds(t *testing.T) {
	cl := startCluster(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		cl.addNode(testNode(n))
	}
	electing := func(identity string) Config {
		cfg := testConfig()
		cfg.LeaderElect = true
		cfg.Identity = identity
		cfg.LeaseDuration, cfg.RenewDeadline, cfg.RetryPeriod = 2*time.Second, 1500*time.Millisecond, 100*time.Millisecond
		return cfg
	}
	a := cl.startScheduler(electing("sched-a"), "sched-a")
	b := cl.startScheduler(electing("sched-b"), "sched-b")

	var first []string
	for i := range 20 {
		name := fmt.Sprintf("first-%d", i)
		first = append(first, name)
		cl.addPod(testPod(name).req("10m", "10Mi"))
	}
	cl.boundPods(first, 30*time.Second)
	hosts := scheduledBy(t, cl, first)
	if len(hosts) != 1 {
		t.Fatalf("Scheduled events of the first pods come from %v, want a single leader", hosts)
	}
	leader, standby := a, b
	if hosts["sched-b"] > 0 {
		leader, standby = b, a
	}

	// The leader steps down; the standby takes over and binds the rest.
	leader.stop()
	var second []string
	for i := range 10 {
		name := fmt.Sprintf("second-%d", i)
		second = append(second, name)
		cl.addPod(testPod(name).req("10m", "10Mi"))
	}
	cl.boundPods(second, 30*time.Second)
	hosts = scheduledBy(t, cl, second)
	if len(hosts) != 1 || hosts[standby.cfg.Identity] != len(second) {
		t.Errorf("Scheduled events of the later pods: got %v, want all from %s", hosts, standby.cfg.Identity)
	}
}

// scheduledBy waits for one Scheduled event per pod and counts them by
// the host that reported them.
func scheduledBy(t *testing.T, cl *cluster, pods []string) map[string]int {
	t.Helper()
	var hosts map[string]int
	eventually(t, 10*time.Second, func() (bool, string) {
		hosts = map[string]int{}
		for _, p := range pods {
			evs := cl.podEvents(p, ReasonScheduled)
			if len(evs) != 1 {
				return false, fmt.Sprintf("pod %s has %d Scheduled events, want 1", p, len(evs))
			}
			hosts[evs[0].Source.Host]++
		}
		return true, ""
	})
	return hosts
}

// TestBindingConflictIsRequeuedAndDropped: a pod bound by someone else
// between our decision and our binding (a 409) is not retried forever.
func TestBindingConflictIsRequeuedAndDropped(t *testing.T) {
	cl := startCluster(t)
	cl.addNode(testNode("n1"))
	s := cl.startScheduler(testConfig(), "sched")
	pod := cl.addPod(testPod("raced"))
	cl.boundPods([]string{"raced"}, 30*time.Second)
	// Bind again, as a second scheduler racing us would: the server refuses.
	assumed := *pod
	assumed.Spec.NodeName = "n1"
	if err := s.bind(context.Background(), &assumed); err == nil {
		t.Fatal("binding a bound pod: got no error, want a Conflict")
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		c := s.queue.counts()
		return c == (queueCounts{}), fmt.Sprintf("queue: got %+v, want empty", c)
	})
}

func TestDeletedPodMakesRoom(t *testing.T) {
	cl := startCluster(t)
	cl.addNode(testNode("n1").alloc("1", "4Gi", "110"))
	cl.startScheduler(testConfig(), "sched")
	cl.addPod(testPod("first").req("800m", "1Gi"))
	cl.boundPods([]string{"first"}, 30*time.Second)
	cl.addPod(testPod("second").req("800m", "1Gi"))
	eventually(t, 30*time.Second, func() (bool, string) {
		evs := cl.podEvents("second", ReasonFailedScheduling)
		return len(evs) > 0, "second has no FailedScheduling event"
	})
	zero := int64(0)
	if err := cl.pods.Delete(context.Background(), "default", "first", &meta.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if got := cl.boundPods([]string{"second"}, 30*time.Second)["second"]; got != "n1" {
		t.Errorf("second: bound to %q, want n1", got)
	}
}
