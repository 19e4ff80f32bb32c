package scheduler

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
	"github.com/wharf/wharf/scheduler/plugins"
)

func testAlgorithm(t *testing.T, parallelism int) *algorithm {
	t.Helper()
	p, err := framework.NewProfile(plugins.NewRegistry(), plugins.DefaultPluginSet())
	if err != nil {
		t.Fatal(err)
	}
	return &algorithm{profile: p, parallelism: parallelism}
}

func nodeInfos(nodes ...*nodeBuilder) []*framework.NodeInfo {
	out := make([]*framework.NodeInfo, len(nodes))
	for i, n := range nodes {
		out[i] = framework.NewNodeInfo(n.obj())
	}
	return out
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	a := &algorithm{}
	for _, tc := range []struct{ nodes, pct, want int }{
		{10, 0, 10},
		{99, 0, 99},
		{100, 0, 100}, // 50%, but never fewer than 100
		{1000, 0, 420},
		{5000, 0, 500},
		{10000, 0, 500},
		{1000, 100, 1000},
		{1000, 30, 300},
		{1000, 1, 100},
	} {
		a.percentage = tc.pct
		got := a.numFeasibleNodesToFind(tc.nodes)
		if got != tc.want {
			t.Errorf("%d nodes at %d%%: got %d, want %d", tc.nodes, tc.pct, got, tc.want)
		}
	}
}

func TestScheduleFitErrorMessage(t *testing.T) {
	nodes := nodeInfos(
		testNode("small-1").alloc("1", "8Gi", "110"),
		testNode("small-2").alloc("1", "8Gi", "110"),
		testNode("small-3").alloc("1", "8Gi", "110"),
		testNode("gone-1").ready(core.ConditionUnknown).taint(plugins.TaintNodeUnreachable, "", core.TaintEffectNoExecute),
		testNode("gone-2").ready(core.ConditionUnknown).taint(plugins.TaintNodeUnreachable, "", core.TaintEffectNoExecute),
	)
	for _, parallelism := range []int{1, 4} {
		t.Run(fmt.Sprint("parallelism=", parallelism), func(t *testing.T) {
			_, err := testAlgorithm(t, parallelism).schedule(framework.NewPodInfo(testPod("p").req("2", "1Gi").obj()), nodes)
			var fit *framework.FitError
			if !errors.As(err, &fit) {
				t.Fatalf("got %v, want a FitError", err)
			}
			want := "0/5 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 Insufficient cpu."
			if got := err.Error(); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestScheduleNoNodes(t *testing.T) {
	_, err := testAlgorithm(t, 1).schedule(framework.NewPodInfo(testPod("p").obj()), nil)
	if err == nil || err.Error() != framework.NoNodesAvailable {
		t.Errorf("got %v, want %q", err, framework.NoNodesAvailable)
	}
}

func TestSchedulePicksTheBestNode(t *testing.T) {
	a := testAlgorithm(t, 2)
	busy := framework.NewNodeInfo(testNode("busy").obj())
	busy.AddPod(framework.NewPodInfo(testPod("x").req("3", "6Gi").onNode("busy").obj()))
	nodes := []*framework.NodeInfo{busy, framework.NewNodeInfo(testNode("idle").obj())}
	for range 10 {
		got, err := a.schedule(framework.NewPodInfo(testPod("p").req("500m", "1Gi").obj()), nodes)
		if err != nil || got != "idle" {
			t.Fatalf("got %q, %v; want the idle node", got, err)
		}
	}
}

func TestScheduleSearchesAShareAndRotates(t *testing.T) {
	var builders []*nodeBuilder
	for i := range 1000 {
		builders = append(builders, testNode(fmt.Sprintf("n%04d", i)))
	}
	nodes := nodeInfos(builders...)
	a := testAlgorithm(t, 1)
	pod := framework.NewPodInfo(testPod("p").obj())
	feasible, _ := a.findFeasible(pod, nodes)
	if len(feasible) != 420 {
		t.Fatalf("feasible nodes found in 1000: got %d, want 420", len(feasible))
	}
	if a.nextStart != 420 {
		t.Errorf("next search starts at %d, want 420", a.nextStart)
	}
	feasible, _ = a.findFeasible(pod, nodes)
	if first := feasible[0].Node.Name; first != "n0420" {
		t.Errorf("second search starts at %s, want n0420", first)
	}
}

func TestSelectBestSharesTies(t *testing.T) {
	a := &algorithm{}
	seen := map[int]bool{}
	for range 200 {
		seen[a.selectBest([]int64{5, 9, 3, 9, 9})] = true
	}
	if len(seen) != 3 || !seen[1] || !seen[3] || !seen[4] {
		t.Errorf("picked %v, want each of the tied best 1, 3 and 4", seen)
	}
}
