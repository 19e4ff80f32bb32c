package nodeagent

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
)

// NodeLeaseNamespace holds the nodes' heartbeat Leases.
const NodeLeaseNamespace = "kube-node-lease"

// byNode is the name of the pod cache index by spec.nodeName.
const byNode = "node"

// Agent is the node agent of one node.
//
//	register Node ─▶ runtime.UpdatePodCIDR ─▶ lease loop, node status loop
//	pod informer (spec.nodeName=NODE) ─▶ inbox ─▶ dispatcher ─▶ one worker per pod UID
//	runtime events ───────────────────────────────┘      │
//	worker: observe runtime ─▶ start/restart/stop ─▶ compute status ─▶ PUT pods/status if changed
type Agent struct {
	cfg    Config
	rt     Runtime
	clock  Clock
	log    *slog.Logger
	pods   *client.Resource[core.Pod, *core.Pod]
	nodes  *client.Resource[core.Node, *core.Node]
	leases *client.Resource[coordination.Lease, *coordination.Lease]

	// podCache holds (at least) the pods bound to this node, indexed
	// byNode; nodeCache (at least) this node. The agent runs them itself
	// unless they are shared between the agents of a fleet.
	podCache  *client.Informer[core.Pod, *core.Pod]
	nodeCache *client.Informer[core.Node, *core.Node]
	ownCaches bool
	// registerGate, when set, bounds how many agents of a fleet register
	// at once.
	registerGate chan struct{}

	inbox    *inbox
	nodeWake chan struct{} // capacity 1: the Node changed

	// Set before any worker starts, then only read.
	hostIP         string
	runtimeVersion RuntimeVersion

	nodeUID atomic.Pointer[string]

	// setup resolves containers' environments and volumes for a real
	// runtime; nil on simulated nodes.
	setup *containerSetup
	// recorder records the agent's events about pods; nil on simulated
	// nodes.
	recorder *events.Recorder
	// probing runs containers' probes; off on simulated nodes, whose
	// containers pass every probe.
	probing bool
	// realHost: the node is this machine, whose system info it reports.
	realHost bool
	// runtimeCheck is how often the runtime's health is checked; 0: never
	// (simulated nodes).
	runtimeCheck time.Duration
	// runtimeDown says why the runtime does not answer (nil or "" when
	// it does).
	runtimeDown atomic.Pointer[string]
	// startSlots bounds how many sandboxes and containers start at once
	// on a real node (nil: no bound). Starting is CPU work (shims, runc,
	// CNI plugins, log writers): on a burst, unbounded starts share the
	// CPU and all finish late; bounded ones finish in arrival order, the
	// last no later.
	startSlots chan struct{}
	// serverPort is the port the agent serves logs and exec on, reported
	// in the Node's daemonEndpoints; 0 when it serves none.
	serverPort int

	// statusWrites counts pod status writes, for tests.
	statusWrites atomic.Int64
}

// New returns the agent of the node cfg names, over runtime rt. It watches
// its own pods and Node; log may be nil.
func New(cfg Config, c *client.Client, rt Runtime, log *slog.Logger) (*Agent, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := newAgent(cfg, c, rt, log)
	a.ownCaches = true
	a.podCache = client.NewInformer(a.pods, "", client.ListOptions{FieldSelector: "spec.nodeName=" + cfg.NodeName}, a.log)
	a.podCache.AddIndex(byNode, podNode)
	a.podCache.AddHandler(a.podHandler())
	a.nodeCache = client.NewInformer(a.nodes, "", client.ListOptions{FieldSelector: "metadata.name=" + cfg.NodeName}, a.log)
	a.nodeCache.AddHandler(client.Handler[*core.Node]{
		OnAdd:    func(*core.Node) { a.nodeChanged() },
		OnUpdate: func(_, _ *core.Node) { a.nodeChanged() },
		OnDelete: func(*core.Node) { a.nodeChanged() },
	})
	return a, nil
}

func newAgent(cfg Config, c *client.Client, rt Runtime, log *slog.Logger) *Agent {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Agent{
		cfg:      cfg,
		rt:       rt,
		clock:    RealClock{},
		log:      log.With("node", cfg.NodeName),
		pods:     client.For[core.Pod](c),
		nodes:    client.For[core.Node](c),
		leases:   client.For[coordination.Lease](c),
		inbox:    newInbox(),
		nodeWake: make(chan struct{}, 1),
	}
}

func podNode(p *core.Pod) []string { return []string{p.Spec.NodeName} }

// podHandler turns cache changes into inbox entries.
func (a *Agent) podHandler() client.Handler[*core.Pod] {
	return client.Handler[*core.Pod]{OnAdd: a.onPodAdd, OnUpdate: a.onPodUpdate, OnDelete: a.onPodDelete}
}

func (a *Agent) onPodAdd(p *core.Pod) { a.inbox.put(p.UID, p, false) }

// onPodUpdate keys pods by UID: a pod deleted and created again under its
// name is a new pod.
func (a *Agent) onPodUpdate(old, p *core.Pod) {
	if old.UID != p.UID {
		a.inbox.put(old.UID, old, true)
	}
	a.inbox.put(p.UID, p, false)
}

func (a *Agent) onPodDelete(p *core.Pod) { a.inbox.put(p.UID, p, true) }

func (a *Agent) nodeChanged() {
	select {
	case a.nodeWake <- struct{}{}:
	default:
	}
}

// Run registers the node and runs it until ctx ends, then returns nil once
// every goroutine it started is gone. The containers keep running: a new
// agent over the same runtime adopts them.
func (a *Agent) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.ownCaches {
		wg.Go(func() { _ = a.podCache.Run(ctx) })
		wg.Go(func() { _ = a.nodeCache.Run(ctx) })
	}

	v, err := a.rt.Version(ctx)
	if err != nil {
		return fmt.Errorf("node %s: asking the runtime its version: %w", a.cfg.NodeName, err)
	}
	a.runtimeVersion = v
	node, err := a.register(ctx)
	if err != nil || node == nil {
		return err // nil: ctx ended first
	}
	a.hostIP = node.Address(core.NodeInternalIP)
	if cidr := podCIDR(node, a.cfg); cidr != "" {
		if err := a.rt.UpdatePodCIDR(ctx, cidr); err != nil {
			return fmt.Errorf("node %s: %w", a.cfg.NodeName, err)
		}
	}
	events, err := a.rt.Events(ctx)
	if err != nil {
		return fmt.Errorf("node %s: subscribing to runtime events: %w", a.cfg.NodeName, err)
	}
	if a.recorder != nil {
		wg.Go(func() { a.recorder.Run(ctx) })
	}
	if a.runtimeCheck > 0 {
		wg.Go(func() { a.watchRuntime(ctx) })
	}
	wg.Go(func() { a.runLease(ctx) })
	wg.Go(func() { a.runNodeStatus(ctx) })

	if !a.podCache.WaitForSync(ctx) {
		return nil
	}
	if err := a.adoptOrphans(ctx); err != nil {
		a.log.Warn("could not list the runtime's sandboxes; pods deleted while the agent was down keep running", "err", err)
	}
	a.dispatch(ctx, events, &wg)
	return nil
}

// podCIDR is the node's pod range: the Node's own once it has one.
func podCIDR(n *core.Node, cfg Config) string {
	if n.Spec.PodCIDR != "" {
		return n.Spec.PodCIDR
	}
	return cfg.PodCIDR
}

// adoptOrphans hands the workers the runtime's pods that the API no longer
// has (deleted while no agent ran), so that they are stopped. Pods the API
// still has need nothing special: their workers find them running.
func (a *Agent) adoptOrphans(ctx context.Context) error {
	sbs, err := a.rt.ListSandboxes(ctx, "")
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, p := range a.podCache.ByIndex(byNode, a.cfg.NodeName) {
		known[p.UID] = true
	}
	for _, sb := range sbs {
		if known[sb.PodUID] {
			continue
		}
		known[sb.PodUID] = true
		stand := &core.Pod{ObjectMeta: meta.ObjectMeta{Name: sb.PodName, Namespace: sb.PodNamespace, UID: sb.PodUID}}
		a.inbox.put(sb.PodUID, stand, true)
	}
	return nil
}

// dispatch owns the workers: it starts one per pod UID, hands it changes
// and runtime events, and forgets it when it is done.
func (a *Agent) dispatch(ctx context.Context, events <-chan Event, wg *sync.WaitGroup) {
	workers := map[string]*podWorker{}
	done := make(chan string)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.inbox.signal:
			for _, u := range a.inbox.take() {
				w := workers[u.uid]
				if w == nil {
					w = newPodWorker(a, u.uid)
					workers[u.uid] = w
					w.update(u.pod, u.gone)
					wg.Go(func() { w.run(ctx, done) })
					continue
				}
				w.update(u.pod, u.gone)
			}
		case ev, ok := <-events:
			if !ok {
				events = nil // closed: ctx is ending
				continue
			}
			if w := workers[ev.PodUID]; w != nil {
				w.poke()
			}
		case uid := <-done:
			delete(workers, uid)
		}
	}
}

// acquireStart takes a start slot, waiting for one, and returns its
// release; with no bound it returns at once.
func (a *Agent) acquireStart(ctx context.Context) (func(), error) {
	if a.startSlots == nil {
		return func() {}, nil
	}
	select {
	case a.startSlots <- struct{}{}:
		return func() { <-a.startSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// sleep waits d on the agent's clock; false when ctx ended first.
func (a *Agent) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	ch := make(chan struct{})
	stop := a.clock.AfterFunc(d, func() { close(ch) })
	defer stop()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}
