package controller_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/apiserver/apiservertest"
	"github.com/wharf/wharf/controller"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/scheduler"
)

// The whole control plane in one process against simulated nodes: the API
// server on etcd, the controller manager, the scheduler and a fleet of
// simulated node agents, as `wharf server` plus `wharf agent --simulate N`.

type testCluster struct {
	t      *testing.T
	srv    *apiservertest.Server
	c      *client.Client
	log    *slog.Logger
	ctx    context.Context
	wg     sync.WaitGroup
	fleets map[string]context.CancelFunc
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startCluster(t *testing.T, nodes int) *testCluster {
	t.Helper()
	srv := apiservertest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	tc := &testCluster{t: t, srv: srv, c: srv.Client, log: testLogger(), ctx: ctx, fleets: map[string]context.CancelFunc{}}
	t.Cleanup(func() { cancel(); tc.wg.Wait() })

	mcfg := controller.NewManagerConfig()
	mcfg.LeaderElect = false
	mcfg.NodeLifecycle.MonitorGracePeriod = 3 * time.Second
	mcfg.NodeLifecycle.MonitorPeriod = 200 * time.Millisecond
	tc.goRun("controller manager", func() error { return controller.RunManager(ctx, tc.c, mcfg, tc.log) })

	scfg := scheduler.NewConfig()
	scfg.LeaderElect = false
	scfg.InitialBackoff, scfg.MaxBackoff = 100*time.Millisecond, time.Second
	f := controller.NewInformers(tc.c, tc.log)
	rec := events.NewRecorder(tc.c, "default-scheduler", "test", tc.log)
	s, err := scheduler.New(tc.c, f, rec, scfg, tc.log)
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx)
	tc.goRun("scheduler events", func() error { rec.Run(ctx); return nil })
	tc.goRun("scheduler", func() error { err := s.Run(ctx); f.Wait(); return err })
	tc.addFleet("sim-", nodes)
	return tc
}

func (tc *testCluster) goRun(name string, run func() error) {
	tc.wg.Add(1)
	go func() {
		defer tc.wg.Done()
		if err := run(); err != nil {
			tc.t.Errorf("%s: %v", name, err)
		}
	}()
}

// addFleet starts n simulated nodes named prefix0001...; stopFleet stops
// them as a machine that dies would: no more lease renewals.
func (tc *testCluster) addFleet(prefix string, n int) {
	cfg := nodeagent.NewConfig()
	cfg.Simulate = n
	cfg.NodeNamePrefix = prefix
	cfg.RenewInterval = 300 * time.Millisecond
	cfg.BackoffBase = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(tc.ctx)
	tc.fleets[prefix] = cancel
	tc.goRun("fleet "+prefix, func() error { return nodeagent.RunSimulated(ctx, tc.c, cfg, tc.log) })
	apiservertest.Eventually(tc.t, 30*time.Second, func() string {
		ready := 0
		for _, n := range tc.nodes() {
			if strings.HasPrefix(n.Name, prefix) && n.Ready() {
				ready++
			}
		}
		if ready < n {
			return fmt.Sprintf("%d of %d %s nodes Ready", ready, n, prefix)
		}
		return ""
	})
}

func (tc *testCluster) stopFleet(prefix string) { tc.fleets[prefix]() }

func (tc *testCluster) nodes() []core.Node {
	l, err := client.For[core.Node](tc.c).List(tc.ctx, "", client.ListOptions{})
	if err != nil {
		tc.t.Fatal(err)
	}
	return l.Items
}

func (tc *testCluster) pods(selector string) []core.Pod {
	l, err := client.For[core.Pod](tc.c).List(tc.ctx, "default", client.ListOptions{LabelSelector: selector})
	if err != nil {
		tc.t.Fatal(err)
	}
	return l.Items
}

func deployment(name string, replicas int32, image string) *apps.Deployment {
	grace := int64(1)
	return &apps.Deployment{
		ObjectMeta: meta.ObjectMeta{Name: name},
		Spec: apps.DeploymentSpec{
			Replicas: &replicas,
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: core.PodTemplateSpec{
				ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: core.PodSpec{
					TerminationGracePeriodSeconds: &grace,
					Containers:                    []core.Container{{Name: "web", Image: image}},
				},
			},
		},
	}
}

// waitRolledOut waits until the deployment's status says what `rollout
// status` waits for.
func (tc *testCluster) waitRolledOut(name string, timeout time.Duration) *apps.Deployment {
	var d *apps.Deployment
	apiservertest.Eventually(tc.t, timeout, func() string {
		var err error
		d, err = client.For[apps.Deployment](tc.c).Get(tc.ctx, "default", name)
		if err != nil {
			return err.Error()
		}
		want := *d.Spec.Replicas
		s := d.Status
		if s.ObservedGeneration < d.Generation || s.UpdatedReplicas != want || s.Replicas != want || s.AvailableReplicas != want || s.ReadyReplicas != want {
			return fmt.Sprintf("deployment %s: generation %d observed %d, replicas %d updated %d ready %d available %d; want %d", name, d.Generation, s.ObservedGeneration, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.AvailableReplicas, want)
		}
		return ""
	})
	return d
}

func runningOn(pods []core.Pod) map[string]int {
	on := map[string]int{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil && p.Status.Phase == core.PodRunning {
			on[p.Spec.NodeName]++
		}
	}
	return on
}

// TestHundredReplicasOverTwentyNodes: a 100-replica Deployment converges,
// every pod Running, spread over all 20 nodes.
func TestHundredReplicasOverTwentyNodes(t *testing.T) {
	tc := startCluster(t, 20)
	if _, err := client.For[apps.Deployment](tc.c).Create(tc.ctx, "default", deployment("web", 100, "web:1")); err != nil {
		t.Fatal(err)
	}
	tc.waitRolledOut("web", 90*time.Second)
	on := runningOn(tc.pods("app=web"))
	total := 0
	for _, n := range on {
		total += n
	}
	if total != 100 || len(on) != 20 {
		t.Errorf("%d pods Running on %d nodes, want 100 on 20: %v", total, len(on), on)
	}
}

// TestRollingUpdateInvariant: during a rolling update there are never
// more than replicas+maxSurge pods nor fewer than replicas-maxUnavailable
// ready ones, checked on every event of the pod watch stream.
func TestRollingUpdateInvariant(t *testing.T) {
	tc := startCluster(t, 5)
	const replicas = 12
	deps := client.For[apps.Deployment](tc.c)
	if _, err := deps.Create(tc.ctx, "default", deployment("roll", replicas, "web:1")); err != nil {
		t.Fatal(err)
	}
	d := tc.waitRolledOut("roll", 60*time.Second)
	maxSurge, _ := d.Spec.Strategy.RollingUpdate.MaxSurge.ScaledValue(replicas, true)
	maxUnavailable, _ := d.Spec.Strategy.RollingUpdate.MaxUnavailable.ScaledValue(replicas, false)

	podList, err := client.For[core.Pod](tc.c).List(tc.ctx, "default", client.ListOptions{LabelSelector: "app=roll"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := client.For[core.Pod](tc.c).Watch(tc.ctx, "default", client.ListOptions{LabelSelector: "app=roll", ResourceVersion: podList.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	type state struct{ live, ready bool }
	pods := map[string]state{}
	observe := func(p *core.Pod, deleted bool) {
		if deleted {
			delete(pods, p.Name)
			return
		}
		pods[p.Name] = state{live: p.DeletionTimestamp == nil, ready: p.DeletionTimestamp == nil && p.IsReady()}
	}
	for i := range podList.Items {
		observe(&podList.Items[i], false)
	}
	check := func(when string) {
		live, ready := 0, 0
		for _, s := range pods {
			if s.live {
				live++
			}
			if s.ready {
				ready++
			}
		}
		if live > replicas+maxSurge {
			t.Fatalf("%s: %d pods, more than replicas+maxSurge = %d", when, live, replicas+maxSurge)
		}
		if ready < replicas-maxUnavailable {
			t.Fatalf("%s: %d ready pods, fewer than replicas-maxUnavailable = %d", when, ready, replicas-maxUnavailable)
		}
	}
	check("before the update")

	d.Spec.Template.Spec.Containers[0].Image = "web:2"
	if _, err := deps.Update(tc.ctx, d); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { tc.waitRolledOut("roll", 90*time.Second); close(done) }()
	events := 0
	for {
		select {
		case ev, ok := <-w.Events():
			if !ok {
				t.Fatal("pod watch ended during the rollout")
			}
			if ev.Type == meta.Bookmark {
				continue
			}
			if ev.Err != nil {
				t.Fatal(ev.Err)
			}
			observe(ev.Object, ev.Type == meta.Deleted)
			events++
			check(fmt.Sprintf("after event %d (%s %s)", events, ev.Type, ev.Object.Name))
			continue
		case <-done:
		}
		break
	}
	for _, p := range tc.pods("app=roll") {
		if p.DeletionTimestamp == nil && p.Spec.Containers[0].Image != "web:2" {
			t.Errorf("pod %s still runs %s after the rollout", p.Name, p.Spec.Containers[0].Image)
		}
	}
	if events < replicas {
		t.Errorf("saw %d pod events during the rollout, want at least %d", events, replicas)
	}
}

// TestLostNodePodsReplaced: a node that stops renewing its lease becomes
// Unknown, and its pods are replaced on the other nodes.
func TestLostNodePodsReplaced(t *testing.T) {
	tc := startCluster(t, 3)
	tc.addFleet("doomed-", 1)
	d := deployment("survivor", 8, "web:1")
	secs := int64(1)
	d.Spec.Template.Spec.Tolerations = []core.Toleration{
		{Key: "node.kubernetes.io/unreachable", Operator: core.TolerationOpExists, Effect: core.TaintEffectNoExecute, TolerationSeconds: &secs},
		{Key: "node.kubernetes.io/not-ready", Operator: core.TolerationOpExists, Effect: core.TaintEffectNoExecute, TolerationSeconds: &secs},
	}
	if _, err := client.For[apps.Deployment](tc.c).Create(tc.ctx, "default", d); err != nil {
		t.Fatal(err)
	}
	tc.waitRolledOut("survivor", 60*time.Second)
	doomed := ""
	for n := range runningOn(tc.pods("app=survivor")) {
		if strings.HasPrefix(n, "doomed-") {
			doomed = n
		}
	}
	if doomed == "" {
		t.Fatalf("no pod landed on the doomed node: %v", runningOn(tc.pods("app=survivor")))
	}
	tc.stopFleet("doomed-")
	apiservertest.Eventually(t, 60*time.Second, func() string {
		node, err := client.For[core.Node](tc.c).Get(tc.ctx, "", doomed)
		if err != nil {
			return err.Error()
		}
		if c := node.Condition(core.NodeReady); c == nil || c.Status != core.ConditionUnknown {
			return fmt.Sprintf("node %s Ready condition %+v, want Unknown", doomed, c)
		}
		on := runningOn(tc.pods("app=survivor"))
		total := 0
		for n, k := range on {
			if n == doomed {
				return fmt.Sprintf("%d pods still on %s", k, doomed)
			}
			total += k
		}
		if total != 8 {
			return fmt.Sprintf("%d pods running elsewhere, want 8: %v", total, on)
		}
		return ""
	})
}

// TestStarvedPodStaysPending: a pod that fits no node stays Pending with
// the scheduler's reason, as an event and a condition.
func TestStarvedPodStaysPending(t *testing.T) {
	tc := startCluster(t, 3)
	pod := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: "huge"},
		Spec: core.PodSpec{Containers: []core.Container{{Name: "c", Image: "i", Resources: core.ResourceRequirements{
			Requests: core.ResourceList{core.ResourceCPU: resource.MustParse("1000")},
		}}}},
	}
	if _, err := client.For[core.Pod](tc.c).Create(tc.ctx, "default", pod); err != nil {
		t.Fatal(err)
	}
	want := "0/3 nodes are available: 3 Insufficient cpu."
	apiservertest.Eventually(t, 30*time.Second, func() string {
		p, err := client.For[core.Pod](tc.c).Get(tc.ctx, "default", "huge")
		if err != nil {
			return err.Error()
		}
		c := p.Status.Condition(core.PodScheduled)
		if p.Spec.NodeName != "" || c == nil || c.Status != core.ConditionFalse || c.Reason != "Unschedulable" || !strings.HasPrefix(c.Message, want) {
			return fmt.Sprintf("pod on %q, PodScheduled %+v; want Pending, Unschedulable, %q", p.Spec.NodeName, c, want)
		}
		evs, err := client.For[core.Event](tc.c).List(tc.ctx, "default", client.ListOptions{FieldSelector: "involvedObject.name=huge,reason=FailedScheduling"})
		if err != nil {
			return err.Error()
		}
		if len(evs.Items) == 0 || !strings.HasPrefix(evs.Items[0].Message, want) {
			return fmt.Sprintf("FailedScheduling events %d, want one saying %q", len(evs.Items), want)
		}
		return ""
	})
}

// TestCascadingDeletion: deleting a Deployment deletes its ReplicaSets and
// their pods.
func TestCascadingDeletion(t *testing.T) {
	tc := startCluster(t, 2)
	if _, err := client.For[apps.Deployment](tc.c).Create(tc.ctx, "default", deployment("gone", 4, "web:1")); err != nil {
		t.Fatal(err)
	}
	tc.waitRolledOut("gone", 60*time.Second)
	if err := client.For[apps.Deployment](tc.c).Delete(tc.ctx, "default", "gone", nil); err != nil {
		t.Fatal(err)
	}
	apiservertest.Eventually(t, 60*time.Second, func() string {
		rs, err := client.For[apps.ReplicaSet](tc.c).List(tc.ctx, "default", client.ListOptions{LabelSelector: "app=gone"})
		if err != nil {
			return err.Error()
		}
		pods := tc.pods("app=gone")
		if len(rs.Items) > 0 || len(pods) > 0 {
			var names []string
			for _, p := range pods {
				names = append(names, p.Name)
			}
			sort.Strings(names)
			return fmt.Sprintf("%d replica sets and pods %v remain", len(rs.Items), names)
		}
		return ""
	})
}
