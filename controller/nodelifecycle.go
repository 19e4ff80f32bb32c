package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
)

// NodeLeaseNamespace holds the Leases node agents renew as their heartbeat.
const NodeLeaseNamespace = "kube-node-lease"

// NodeLifecycleConfig tunes the node lifecycle controller.
type NodeLifecycleConfig struct {
	// MonitorGracePeriod is how long a node may go without a heartbeat
	// (Lease renewal or status report) before it is marked Ready=Unknown
	// and tainted unreachable (--node-monitor-grace-period).
	MonitorGracePeriod time.Duration
	// MonitorPeriod is how often node health is checked
	// (--node-monitor-period). Evictions are re-checked as often.
	MonitorPeriod time.Duration
	// ForceDeleteUnreachable force-deletes evicted pods of an unreachable
	// node once their grace period has run out: no agent is left to
	// confirm they stopped, and without this they would stay Terminating
	// until the node came back.
	ForceDeleteUnreachable bool
}

// NewNodeLifecycleConfig returns Kubernetes' defaults.
func NewNodeLifecycleConfig() *NodeLifecycleConfig {
	return &NodeLifecycleConfig{
		MonitorGracePeriod:     40 * time.Second,
		MonitorPeriod:          5 * time.Second,
		ForceDeleteUnreachable: true,
	}
}

// AddFlags registers the node lifecycle flags.
func (c *NodeLifecycleConfig) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&c.MonitorGracePeriod, "node-monitor-grace-period", c.MonitorGracePeriod,
		"how long a node may go without a heartbeat before it is marked Ready=Unknown and tainted unreachable")
	fs.DurationVar(&c.MonitorPeriod, "node-monitor-period", c.MonitorPeriod, "how often node heartbeats are checked")
	fs.BoolVar(&c.ForceDeleteUnreachable, "force-delete-unreachable-pods", c.ForceDeleteUnreachable,
		"force-delete evicted pods of an unreachable node once their grace period has passed")
}

// Validate names the first bad flag.
func (c *NodeLifecycleConfig) Validate() error {
	if c.MonitorGracePeriod <= 0 {
		return fmt.Errorf("--node-monitor-grace-period must be positive, not %v", c.MonitorGracePeriod)
	}
	if c.MonitorPeriod <= 0 {
		return fmt.Errorf("--node-monitor-period must be positive, not %v", c.MonitorPeriod)
	}
	return nil
}

// NodeLifecycle watches node heartbeats and acts when they stop, as
// Kubernetes' node lifecycle controller with its taint manager does.
//
//	every MonitorPeriod: for each node, Lease renewed or status reported
//	    since the last look? remember when (by our clock).
//	    silent for MonitorGracePeriod? conditions → Unknown (nodes/status),
//	    pods → Ready=False (pods/status).
//	    Ready Unknown/False/True → NoExecute taint unreachable/not-ready/none.
//	node or pod changed ──▶ queue(node) ──▶ evict: delete the node's pods
//	    that do not tolerate a NoExecute taint, or whose tolerationSeconds
//	    (counted from the taint's timeAdded) have run out.
type NodeLifecycle struct {
	cfg    NodeLifecycleConfig
	client *client.Client
	nodeC  *client.Resource[core.Node, *core.Node]
	podC   *client.Resource[core.Pod, *core.Pod]
	nodes  *client.Informer[core.Node, *core.Node]
	leases *client.Informer[coordination.Lease, *coordination.Lease]
	pods   *client.Informer[core.Pod, *core.Pod]
	rec    *events.Recorder
	log    *slog.Logger
	// evictions holds the names of nodes whose pods may need evicting.
	evictions *Queue[string]
	now       func() time.Time

	mu     sync.Mutex // guards health
	health map[string]*nodeHeartbeat
}

// nodeHeartbeat is what was last seen of a node's heartbeats. probe is
// our own clock's time of the last change, so that the agent's clock,
// which may be skewed, only matters as "it changed".
type nodeHeartbeat struct {
	probe     time.Time
	renew     time.Time // the Lease's renewTime
	heartbeat time.Time // the Ready condition's lastHeartbeatTime
}

// podsByNodeIndex files pods under spec.nodeName.
const podsByNodeIndex = "nodelifecycle.nodeName"

// NewNodeLifecycle returns the node lifecycle controller; cfg must be
// valid, and is copied. The informers it takes from f are started by
// f.Start.
func NewNodeLifecycle(c *client.Client, f *Informers, rec *events.Recorder, log *slog.Logger, cfg *NodeLifecycleConfig) *NodeLifecycle {
	n := &NodeLifecycle{
		cfg:       *cfg,
		client:    c,
		nodeC:     client.For[core.Node](c),
		podC:      client.For[core.Pod](c),
		nodes:     InformerFor[core.Node](f),
		leases:    InformerFor[coordination.Lease](f),
		pods:      InformerFor[core.Pod](f),
		rec:       rec,
		log:       log.With("controller", "nodelifecycle"),
		evictions: NewQueue[string](100*time.Millisecond, 30*time.Second),
		now:       time.Now,
		health:    map[string]*nodeHeartbeat{},
	}
	n.pods.AddIndex(podsByNodeIndex, func(p *core.Pod) []string {
		if p.Spec.NodeName == "" {
			return nil
		}
		return []string{p.Spec.NodeName}
	})
	n.nodes.AddHandler(client.Handler[*core.Node]{
		OnAdd: func(node *core.Node) { n.enqueueTainted(node) },
		OnUpdate: func(_, node *core.Node) {
			n.enqueueTainted(node)
		},
	})
	podChanged := func(p *core.Pod) {
		if p.Spec.NodeName == "" || p.DeletionTimestamp != nil {
			return
		}
		if node, ok := n.nodes.Get("", p.Spec.NodeName); ok {
			n.enqueueTainted(node)
		}
	}
	n.pods.AddHandler(client.Handler[*core.Pod]{
		OnAdd:    podChanged,
		OnUpdate: func(_, p *core.Pod) { podChanged(p) },
	})
	return n
}

func (n *NodeLifecycle) enqueueTainted(node *core.Node) {
	if len(noExecuteTaints(node)) > 0 {
		n.evictions.Add(node.Name)
	}
}

// Run monitors nodes and evicts pods until ctx ends.
func (n *NodeLifecycle) Run(ctx context.Context, workers int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { <-ctx.Done(); n.evictions.ShutDown() }()
	for _, synced := range []func(context.Context) bool{n.nodes.WaitForSync, n.leases.WaitForSync, n.pods.WaitForSync} {
		if !synced(ctx) {
			return nil
		}
	}
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n.processNextEviction(ctx) {
			}
		}()
	}
	t := time.NewTicker(n.cfg.MonitorPeriod)
	defer t.Stop()
	for {
		n.monitor(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (n *NodeLifecycle) processNextEviction(ctx context.Context) bool {
	name, ok := n.evictions.Get()
	if !ok {
		return false
	}
	defer n.evictions.Done(name)
	if err := n.evict(ctx, name); err != nil {
		n.log.Warn("evicting pods", "node", name, "err", err)
		n.evictions.AddRateLimited(name)
		return true
	}
	n.evictions.Forget(name)
	return true
}

// monitor is one pass of the health check over every node.
func (n *NodeLifecycle) monitor(ctx context.Context) {
	now := n.now()
	seen := map[string]bool{}
	for _, node := range n.nodes.List() {
		seen[node.Name] = true
		if err := n.monitorNode(ctx, node, now); err != nil && ctx.Err() == nil {
			n.log.Warn("updating node health", "node", node.Name, "err", err)
		}
		// Also a safety net for the eviction queue, which keeps the first
		// of two delayed adds of a key.
		n.enqueueTainted(node)
	}
	n.mu.Lock()
	for name := range n.health {
		if !seen[name] {
			delete(n.health, name)
		}
	}
	n.mu.Unlock()
}

// heartbeatAge records the node's heartbeats and returns how long ago, by
// our clock, the last one was seen.
func (n *NodeLifecycle) heartbeatAge(node *core.Node, now time.Time) time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, ok := n.health[node.Name]
	if !ok {
		// A node seen for the first time gets a full grace period.
		h = &nodeHeartbeat{probe: now}
		n.health[node.Name] = h
	}
	if l, ok := n.leases.Get(NodeLeaseNamespace, node.Name); ok && l.Spec.RenewTime != nil && !l.Spec.RenewTime.Equal(h.renew) {
		h.renew, h.probe = l.Spec.RenewTime.Time, now
	}
	if c := node.Condition(core.NodeReady); c != nil && !c.LastHeartbeatTime.Equal(h.heartbeat) {
		h.heartbeat, h.probe = c.LastHeartbeatTime.Time, now
	}
	return now.Sub(h.probe)
}

func (n *NodeLifecycle) monitorNode(ctx context.Context, node *core.Node, now time.Time) error {
	var errs []error
	if n.heartbeatAge(node, now) > n.cfg.MonitorGracePeriod {
		if next, changed := markNodeUnknown(node, now); changed {
			n.log.Info("node stopped posting status", "node", node.Name)
			n.rec.Eventf(node, core.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", node.Name)
			updated, err := n.nodeC.UpdateStatus(ctx, next)
			if err != nil {
				return fmt.Errorf("marking Ready=Unknown: %w", err)
			}
			node = updated
		}
	}
	if c := node.Condition(core.NodeReady); c != nil && c.Status == core.ConditionUnknown {
		errs = append(errs, n.markPodsNotReady(ctx, node), n.forceDeleteEvicted(ctx, node, now))
	}
	if next, changed := reconcileNodeTaints(node, now); changed {
		if _, err := n.nodeC.Update(ctx, next); err != nil {
			errs = append(errs, fmt.Errorf("updating taints: %w", err))
		}
	}
	return errors.Join(errs...)
}

// markPodsNotReady sets Ready=False on the pods of a node that stopped
// reporting: nobody else will, and Services must stop sending them
// traffic.
func (n *NodeLifecycle) markPodsNotReady(ctx context.Context, node *core.Node) error {
	var errs []error
	for _, p := range n.pods.ByIndex(podsByNodeIndex, node.Name) {
		c := p.Status.Condition(core.PodReady)
		if c == nil || c.Status == core.ConditionFalse || p.IsTerminal() {
			continue
		}
		next := meta.DeepCopy(p)
		nc := next.Status.Condition(core.PodReady)
		nc.Status = core.ConditionFalse
		nc.LastTransitionTime = meta.NewTime(n.now())
		if _, err := n.podC.UpdateStatus(ctx, next); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, fmt.Errorf("marking pod %s/%s not ready: %w", p.Namespace, p.Name, err))
			continue
		}
		n.rec.Event(p, core.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return errors.Join(errs...)
}

// forceDeleteEvicted removes the pods of an unreachable node whose
// graceful deletion has run out: their agent cannot finish it.
func (n *NodeLifecycle) forceDeleteEvicted(ctx context.Context, node *core.Node, now time.Time) error {
	if !n.cfg.ForceDeleteUnreachable {
		return nil
	}
	var errs []error
	for _, p := range n.pods.ByIndex(podsByNodeIndex, node.Name) {
		if p.DeletionTimestamp == nil || now.Before(p.DeletionTimestamp.Time) {
			continue
		}
		var zero int64
		uid := p.UID
		err := n.podC.Delete(ctx, p.Namespace, p.Name, &meta.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &meta.Preconditions{UID: &uid}})
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) && !errors.Is(err, errdefs.ErrConflict) {
			errs = append(errs, fmt.Errorf("force-deleting pod %s/%s: %w", p.Namespace, p.Name, err))
			continue
		}
		n.log.Info("force-deleted a pod of an unreachable node", "pod", p.Namespace+"/"+p.Name, "node", node.Name)
	}
	return errors.Join(errs...)
}
