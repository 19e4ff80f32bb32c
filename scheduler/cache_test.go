package scheduler

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

func testCache() (*cache, *fakeClock) {
	clock := newFakeClock()
	return newCache(clock, 30*time.Second, slog.New(slog.NewTextHandler(io.Discard, nil))), clock
}

// requested returns what the snapshot says node n has requested.
func requested(t *testing.T, c *cache, s *snapshot, n string) framework.Resource {
	t.Helper()
	c.updateSnapshot(s)
	ni, ok := s.nodes[n]
	if !ok {
		t.Fatalf("node %s is not in the snapshot", n)
	}
	return ni.Requested
}

func TestCacheAssumeConfirmForget(t *testing.T) {
	c, _ := testCache()
	s := newSnapshot()
	c.addNode(testNode("n1").obj())
	c.addNode(testNode("n2").obj())
	c.addPod(testPod("bound").req("1", "1Gi").onNode("n1").obj())

	assumed := testPod("a").req("500m", "1Gi").onNode("n1").obj()
	if err := c.assumePod(assumed); err != nil {
		t.Fatal(err)
	}
	if err := c.assumePod(assumed); err == nil {
		t.Error("assuming a pod twice: got no error")
	}
	if got, want := requested(t, c, s, "n1"), (framework.Resource{MilliCPU: 1500, Memory: 2 << 30}); got != want {
		t.Fatalf("n1 with an assumed pod: got %+v, want %+v", got, want)
	}

	c.forgetPod(assumed)
	if got, want := requested(t, c, s, "n1"), (framework.Resource{MilliCPU: 1000, Memory: 1 << 30}); got != want {
		t.Fatalf("n1 after forgetting: got %+v, want %+v", got, want)
	}

	// Assumed on n1, but the informer shows it bound to n2: n2 counts it.
	if err := c.assumePod(assumed); err != nil {
		t.Fatal(err)
	}
	c.addPod(testPod("a").req("500m", "1Gi").onNode("n2").obj())
	if c.isAssumed(assumed) {
		t.Error("a pod the informer shows bound is still assumed")
	}
	c.forgetPod(assumed) // a late failure of our binding must not drop a confirmed pod
	if got, want := requested(t, c, s, "n1"), (framework.Resource{MilliCPU: 1000, Memory: 1 << 30}); got != want {
		t.Errorf("n1: got %+v, want %+v", got, want)
	}
	if got, want := requested(t, c, s, "n2"), (framework.Resource{MilliCPU: 500, Memory: 1 << 30}); got != want {
		t.Errorf("n2: got %+v, want %+v", got, want)
	}
}

func TestCacheExpiresUnconfirmedAssumptions(t *testing.T) {
	c, clock := testCache()
	c.addNode(testNode("n1").obj())
	pending := testPod("pending").req("1", "").onNode("n1").obj()
	bound := testPod("bound").req("1", "").onNode("n1").obj()
	for _, p := range []*podBuilder{testPod("pending"), testPod("bound")} {
		if err := c.assumePod(p.req("1", "").onNode("n1").obj()); err != nil {
			t.Fatal(err)
		}
	}
	c.finishBinding(bound)
	clock.step(30 * time.Second)
	if n := c.cleanupExpired(); n != 0 {
		t.Fatalf("at the TTL: %d expired, want 0", n)
	}
	clock.step(time.Millisecond)
	if n := c.cleanupExpired(); n != 1 {
		t.Fatalf("after the TTL: %d expired, want 1", n)
	}
	if c.contains(bound) {
		t.Error("the unconfirmed bound pod is still counted")
	}
	if !c.contains(pending) {
		t.Error("a pod whose binding is still in flight expired")
	}
}

func TestCacheRemovedNodeKeepsPodsUntilTheyGo(t *testing.T) {
	c, _ := testCache()
	s := newSnapshot()
	c.addNode(testNode("n1").obj())
	c.addNode(testNode("n2").obj())
	p := testPod("p").req("1", "").onNode("n1").obj()
	c.addPod(p)
	c.updateSnapshot(s)
	if len(s.list) != 2 {
		t.Fatalf("snapshot: got %d nodes, want 2", len(s.list))
	}
	c.removeNode(testNode("n1").obj())
	c.updateSnapshot(s)
	if len(s.list) != 1 || s.list[0].Node.Name != "n2" {
		t.Fatalf("snapshot after removing n1: got %d nodes, want only n2", len(s.list))
	}
	// The node comes back before its pod went: the pod still counts.
	c.addNode(testNode("n1").obj())
	if got := requested(t, c, s, "n1").MilliCPU; got != 1000 {
		t.Errorf("n1 back: got %dm requested, want 1000m", got)
	}
	c.removeNode(testNode("n1").obj())
	c.removePod(p)
	if _, ok := c.nodes["n1"]; ok {
		t.Error("a removed node without pods is still in the cache")
	}
}

func TestSnapshotCopiesOnlyWhatChanged(t *testing.T) {
	c, _ := testCache()
	s := newSnapshot()
	c.addNode(testNode("a").obj())
	c.addNode(testNode("b").obj())
	c.updateSnapshot(s)
	a, b := s.nodes["a"], s.nodes["b"]
	c.addPod(testPod("p").req("1", "").onNode("a").obj())
	c.updateSnapshot(s)
	if s.nodes["b"] != b {
		t.Error("the unchanged node b was copied again")
	}
	if s.nodes["a"] == a || s.list[0] != s.nodes["a"] {
		t.Error("the changed node a was not copied into the map and the list")
	}
	if a.Requested.MilliCPU != 0 {
		t.Error("the previous snapshot's copy of a changed: snapshots must be read-only copies")
	}
	if got := s.list[0].Requested.MilliCPU; got != 1000 {
		t.Errorf("a in the snapshot: got %dm, want 1000m", got)
	}
}

// TestSnapshotMatchesFreshSnapshot: after any sequence of changes, the
// incrementally updated snapshot holds what a snapshot built from scratch
// holds.
func TestSnapshotMatchesFreshSnapshot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c, _ := testCache()
	s := newSnapshot()
	var pods []*core.Pod
	for step := range 2000 {
		node := fmt.Sprintf("n%d", rng.IntN(8))
		switch op := rng.IntN(10); {
		case op < 2:
			c.addNode(testNode(node).alloc(fmt.Sprint(1+rng.IntN(8)), "8Gi", "110").obj())
		case op < 3:
			c.removeNode(testNode(node).obj())
		case op < 7:
			p := testPod(fmt.Sprint("p", step)).req(fmt.Sprintf("%dm", 1+rng.IntN(500)), "").onNode(node).obj()
			if rng.IntN(2) == 0 {
				c.addPod(p)
			} else if err := c.assumePod(p); err != nil {
				t.Fatal(err)
			}
			pods = append(pods, p)
		case len(pods) > 0:
			i := rng.IntN(len(pods))
			c.removePod(pods[i])
			pods = append(pods[:i], pods[i+1:]...)
		}
		if rng.IntN(5) == 0 {
			c.updateSnapshot(s)
			fresh := newSnapshot()
			c.updateSnapshot(fresh)
			if diff := cmp.Diff(summary(fresh), summary(s)); diff != "" {
				t.Fatalf("step %d: incremental snapshot differs from a fresh one (-fresh +incremental):\n%s", step, diff)
			}
		}
	}
}

// summary is what a snapshot says of each listed node, in list order.
func summary(s *snapshot) []string {
	var out []string
	for _, ni := range s.list {
		out = append(out, fmt.Sprintf("%d %s alloc=%v req=%v pods=%d", s.pos[ni.Node.Name], ni.Node.Name, ni.Allocatable, ni.Requested, ni.Pods))
	}
	if len(s.nodes) != len(s.list) {
		out = append(out, fmt.Sprintf("map has %d nodes, list %d", len(s.nodes), len(s.list)))
	}
	return out
}
