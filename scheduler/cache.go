package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

// podState is a pod the cache counts against a node.
type podState struct {
	info *framework.PodInfo
	node string
	// assumed: the scheduler placed the pod and the informer has not shown
	// the binding yet. Once the binding succeeded (bound), the assumption
	// expires at deadline unless the informer confirms it first.
	assumed  bool
	bound    bool
	deadline time.Time
}

// cache is what the scheduler knows of the cluster: every node, and the
// pods bound or assumed bound to each, by UID. The informers' handlers
// feed it; the scheduling loop copies it into a snapshot once per cycle.
type cache struct {
	clock Clock
	ttl   time.Duration
	log   *slog.Logger

	mu    sync.Mutex
	nodes map[string]*nodeItem
	pods  map[string]*podState
	// generation counts changes; each NodeInfo records the one that last
	// changed it. recent lists the nodes most recently changed first, so
	// that a snapshot finds what changed since its own generation without
	// looking at the thousands of nodes that did not.
	generation int64
	recent     *nodeItem
	// liveNodes counts the NodeInfos that have a node object.
	liveNodes int
}

// nodeItem is a NodeInfo in the cache's list of recent changes.
type nodeItem struct {
	name       string
	info       *framework.NodeInfo
	prev, next *nodeItem
}

func newCache(clock Clock, ttl time.Duration, log *slog.Logger) *cache {
	return &cache{clock: clock, ttl: ttl, log: log, nodes: map[string]*nodeItem{}, pods: map[string]*podState{}}
}

// nodeLocked returns the NodeInfo of name, creating one without a node
// object when pods name a node not seen yet.
func (c *cache) nodeLocked(name string) *framework.NodeInfo {
	it, ok := c.nodes[name]
	if !ok {
		it = &nodeItem{name: name, info: framework.NewNodeInfo(nil)}
		c.nodes[name] = it
	}
	return it.info
}

// touch records a change of the named node: a new generation, and the
// front of the recent list.
func (c *cache) touch(name string) {
	it := c.nodes[name]
	c.generation++
	it.info.Generation = c.generation
	if c.recent == it {
		return
	}
	c.unlink(it)
	it.next = c.recent
	if c.recent != nil {
		c.recent.prev = it
	}
	c.recent = it
}

func (c *cache) unlink(it *nodeItem) {
	if it.prev != nil {
		it.prev.next = it.next
	}
	if it.next != nil {
		it.next.prev = it.prev
	}
	if c.recent == it {
		c.recent = it.next
	}
	it.prev, it.next = nil, nil
}

// addNode and updateNode record the node object.
func (c *cache) addNode(node *core.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni := c.nodeLocked(node.Name)
	if ni.Node == nil {
		c.liveNodes++
	}
	ni.SetNode(node)
	c.touch(node.Name)
}

func (c *cache) updateNode(node *core.Node) { c.addNode(node) }

// removeNode forgets the node object; the NodeInfo stays while pods are
// still counted against it.
func (c *cache) removeNode(node *core.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.nodes[node.Name]
	if !ok || it.info.Node == nil {
		return
	}
	c.liveNodes--
	it.info.SetNode(nil)
	c.touch(node.Name)
	c.dropIfEmptyLocked(it)
}

// dropIfEmptyLocked forgets a node whose object and pods are all gone.
func (c *cache) dropIfEmptyLocked(it *nodeItem) {
	if it.info.Node == nil && it.info.Pods == 0 {
		c.unlink(it)
		delete(c.nodes, it.name)
	}
}

func (c *cache) addPodLocked(pod *core.Pod, assumed bool) *podState {
	st := &podState{info: framework.NewPodInfo(pod), node: pod.Spec.NodeName, assumed: assumed}
	c.nodeLocked(st.node).AddPod(st.info)
	c.touch(st.node)
	c.pods[pod.UID] = st
	return st
}

func (c *cache) removePodLocked(uid string) {
	st, ok := c.pods[uid]
	if !ok {
		return
	}
	delete(c.pods, uid)
	it := c.nodes[st.node]
	it.info.RemovePod(st.info)
	c.touch(st.node)
	c.dropIfEmptyLocked(it)
}

// addPod records a pod the informer shows bound, confirming the
// assumption of it if there was one (on whichever node it landed).
func (c *cache) addPod(pod *core.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removePodLocked(pod.UID)
	c.addPodLocked(pod, false)
}

// updatePod records a new version of a bound pod.
func (c *cache) updatePod(pod *core.Pod) { c.addPod(pod) }

// removePod forgets a pod that was deleted or finished, assumed or not,
// and reports whether the cache counted it.
func (c *cache) removePod(pod *core.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pods[pod.UID]
	c.removePodLocked(pod.UID)
	return ok
}

// assumePod counts pod, whose spec.nodeName the scheduler has just
// chosen, against that node before the binding is written, so that the
// next scheduling cycle sees the room it takes.
func (c *cache) assumePod(pod *core.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("pod %s/%s (uid %s) is in the scheduler cache already", pod.Namespace, pod.Name, pod.UID)
	}
	c.addPodLocked(pod, true)
	return nil
}

// finishBinding starts the expiry of an assumed pod whose binding
// succeeded.
func (c *cache) finishBinding(pod *core.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.pods[pod.UID]; ok && st.assumed {
		st.bound = true
		st.deadline = c.clock.Now().Add(c.ttl)
	}
}

// forgetPod undoes assumePod after the binding failed. A pod the informer
// has confirmed meanwhile (bound by someone else) is kept.
func (c *cache) forgetPod(pod *core.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.pods[pod.UID]; ok && st.assumed {
		c.removePodLocked(pod.UID)
	}
}

// contains reports whether the cache counts the pod, assumed or bound.
func (c *cache) contains(pod *core.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pods[pod.UID]
	return ok
}

// isAssumed reports whether the pod is assumed and not yet confirmed.
func (c *cache) isAssumed(pod *core.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.pods[pod.UID]
	return ok && st.assumed
}

// cleanupExpired forgets assumed pods whose binding succeeded longer than
// the TTL ago without the informer ever showing them bound, and reports
// how many.
func (c *cache) cleanupExpired() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	n := 0
	for uid, st := range c.pods {
		if st.assumed && st.bound && now.After(st.deadline) {
			c.log.Warn("assumed pod expired: its binding never showed up", "pod", podKey(st.info.Pod), "node", st.node)
			c.removePodLocked(uid)
			n++
		}
	}
	return n
}

// run cleans up expired assumptions until ctx ends.
func (c *cache) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.cleanupExpired()
		}
	}
}

// snapshot is a read-only copy of the cache's nodes for one scheduling
// cycle, updated in place by copying only the NodeInfos that changed.
type snapshot struct {
	nodes      map[string]*framework.NodeInfo
	list       []*framework.NodeInfo // the nodes with a node object, by name
	pos        map[string]int        // index of each node in list
	generation int64
}

func newSnapshot() *snapshot {
	return &snapshot{nodes: map[string]*framework.NodeInfo{}, pos: map[string]int{}}
}

// updateSnapshot brings s up to date with the cache, copying the
// NodeInfos changed since s was last updated.
func (c *cache) updateSnapshot(s *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rebuild := false
	for it := c.recent; it != nil && it.info.Generation > s.generation; it = it.next {
		_, had := s.nodes[it.name]
		if it.info.Node == nil {
			if had {
				delete(s.nodes, it.name)
				rebuild = true
			}
			continue
		}
		clone := it.info.Clone()
		s.nodes[it.name] = clone
		if !had {
			rebuild = true
		} else if !rebuild {
			s.list[s.pos[it.name]] = clone
		}
	}
	if rebuild || len(s.nodes) != c.liveNodes {
		// Nodes came or went: drop the ones gone altogether, and list
		// the rest again.
		for name := range s.nodes {
			if it, ok := c.nodes[name]; !ok || it.info.Node == nil {
				delete(s.nodes, name)
			}
		}
		s.list = s.list[:0]
		for _, ni := range s.nodes {
			s.list = append(s.list, ni)
		}
		sort.Slice(s.list, func(i, j int) bool { return s.list[i].Node.Name < s.list[j].Node.Name })
		clear(s.pos)
		for i, ni := range s.list {
			s.pos[ni.Node.Name] = i
		}
	}
	s.generation = c.generation
}
