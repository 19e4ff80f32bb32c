package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
)

// ErrNoRuntime is Run's answer for a real node: package nodeagent cannot
// build the containerd runtime (that package imports this one), so a real
// node runs through containerd.RunNode, which builds it and calls RunNode.
var ErrNoRuntime = errors.New("a real node runs through containerd.RunNode (package nodeagent/containerd); Run runs simulated nodes only (--simulate N)")

// Simulated nodes' made-up addresses: node i (from 1) has InternalIP
// 10.0.X.Y in 10.0.0.0/10 and pod CIDR the i-th /24 of 10.128.0.0/9.
// They are never contacted.
var (
	simNodeIPBase  = netip.MustParseAddr("10.0.0.0")
	simPodCIDRBase = netip.MustParseAddr("10.128.0.0")
)

// maxSimulatedNodes is how many /24 pod CIDRs 10.128.0.0/9 holds.
const maxSimulatedNodes = 1 << 15

// registerConcurrency bounds how many simulated nodes register at once.
const registerConcurrency = 64

// Run runs the cfg.Simulate simulated nodes cfg describes; a real node
// (Simulate 0) is ErrNoRuntime. It returns nil when ctx ends.
func Run(ctx context.Context, c *client.Client, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Simulate == 0 {
		return ErrNoRuntime
	}
	return RunSimulated(ctx, c, cfg, log)
}

// RunNode runs one real node over rt until ctx ends. Unlike simulated
// nodes, its containers get their environments resolved (config maps and
// secrets read from the API) and their volumes laid out under
// cfg.RootDir/pods, torn down when the pod is removed. Its pod range is the
// Node's spec.podCIDR, else cfg.PodCIDR, else DefaultPodCIDR.
func RunNode(ctx context.Context, c *client.Client, cfg Config, rt Runtime, log *slog.Logger) error {
	a, err := NewNode(c, cfg, rt, log)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// NewNode returns the agent of one real node over rt: unlike simulated
// nodes, it resolves environments and volumes, runs probes and records
// events. The caller runs it, after SetServerPort if it serves logs and
// exec.
func NewNode(c *client.Client, cfg Config, rt Runtime, log *slog.Logger) (*Agent, error) {
	if cfg.Simulate != 0 {
		return nil, errors.New("a real node needs --simulate 0")
	}
	if cfg.PodCIDR == "" {
		cfg.PodCIDR = DefaultPodCIDR
	}
	if cfg.NodeIP == "" {
		cfg.NodeIP = DefaultNodeIP
	}
	a, err := New(cfg, c, rt, log)
	if err != nil {
		return nil, err
	}
	a.setup = newContainerSetup(cfg, c)
	a.recorder = events.NewRecorder(c, EventSource, cfg.NodeName, a.log)
	a.probing = true
	a.realHost = true
	a.runtimeCheck = runtimeCheckInterval
	a.startSlots = make(chan struct{}, startConcurrency())
	return a, nil
}

// startConcurrency is how many sandboxes and containers a real node
// starts at once: twice the CPUs, enough to keep them busy while a start
// waits on containerd.
func startConcurrency() int { return max(2, 2*runtime.NumCPU()) }

// SetServerPort records the port the agent serves logs and exec on, for
// the Node's status. Call it before Run.
func (a *Agent) SetServerPort(port int) { a.serverPort = port }

// RunSimulated runs cfg.Simulate simulated nodes, named cfg.NodeNamePrefix
// and a four-digit index from 0001, until ctx ends. They share c, one pod
// informer (every bound pod, indexed by node) and one node informer, so
// that thousands of nodes cost two watches.
func RunSimulated(ctx context.Context, c *client.Client, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Simulate == 0 {
		return errors.New("--simulate must be at least 1 to run simulated nodes")
	}
	f := newFleet(c, cfg, log)
	defer f.close()
	return f.run(ctx)
}

// fleet is many simulated agents over shared caches.
type fleet struct {
	agents    map[string]*Agent // by node name; fixed once built
	order     []*Agent
	runtimes  []*Simulated
	podCache  *client.Informer[core.Pod, *core.Pod]
	nodeCache *client.Informer[core.Node, *core.Node]
	log       *slog.Logger
}

func newFleet(c *client.Client, cfg Config, log *slog.Logger) *fleet {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &fleet{agents: map[string]*Agent{}, log: log}
	f.podCache = client.NewInformer(client.For[core.Pod](c), "", client.ListOptions{FieldSelector: "spec.nodeName!="}, log)
	f.podCache.AddIndex(byNode, podNode)
	f.nodeCache = client.NewInformer(client.For[core.Node](c), "", client.ListOptions{}, log)
	gate := make(chan struct{}, registerConcurrency)
	for i := 1; i <= cfg.Simulate; i++ {
		rt := NewSimulated(cfg.RunDuration, nil)
		a := newAgent(simulatedNode(cfg, i), c, rt, log)
		a.podCache, a.nodeCache, a.registerGate = f.podCache, f.nodeCache, gate
		f.agents[a.cfg.NodeName] = a
		f.order = append(f.order, a)
		f.runtimes = append(f.runtimes, rt)
	}
	route := func(p *core.Pod) *Agent { return f.agents[p.Spec.NodeName] }
	f.podCache.AddHandler(client.Handler[*core.Pod]{
		OnAdd: func(p *core.Pod) {
			if a := route(p); a != nil {
				a.onPodAdd(p)
			}
		},
		OnUpdate: func(old, p *core.Pod) {
			if a := route(p); a != nil {
				a.onPodUpdate(old, p)
			}
		},
		OnDelete: func(p *core.Pod) {
			if a := route(p); a != nil {
				a.onPodDelete(p)
			}
		},
	})
	nodeChanged := func(n *core.Node) {
		if a := f.agents[n.Name]; a != nil {
			a.nodeChanged()
		}
	}
	f.nodeCache.AddHandler(client.Handler[*core.Node]{
		OnAdd:    nodeChanged,
		OnUpdate: func(_, n *core.Node) { nodeChanged(n) },
		OnDelete: nodeChanged,
	})
	return f
}

// run runs the shared caches and every agent until ctx ends or an agent
// fails.
func (f *fleet) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var caches sync.WaitGroup
	defer caches.Wait()
	defer cancel() // the caches stop once the agents have
	caches.Go(func() { _ = f.podCache.Run(ctx) })
	caches.Go(func() { _ = f.nodeCache.Run(ctx) })
	f.log.Info("starting simulated nodes", "count", len(f.order), "first", f.order[0].cfg.NodeName, "last", f.order[len(f.order)-1].cfg.NodeName)
	g, gctx := errgroup.WithContext(ctx)
	for _, a := range f.order {
		g.Go(func() error { return a.Run(gctx) })
	}
	return g.Wait()
}

func (f *fleet) close() {
	for _, rt := range f.runtimes {
		rt.Close()
	}
}

// simulatedNode is the config of simulated node i (from 1).
func simulatedNode(cfg Config, i int) Config {
	n := cfg
	n.NodeName = fmt.Sprintf("%s%04d", cfg.NodeNamePrefix, i)
	n.NodeLabels = maps.Clone(cfg.NodeLabels)
	// 254 hosts per /24-sized block keeps .0 and .255 out of node IPs.
	off := uint32(i-1)/254<<8 | (uint32(i-1)%254 + 1)
	n.NodeIP = fromV4(v4(simNodeIPBase) + off).String()
	n.PodCIDR = netip.PrefixFrom(fromV4(v4(simPodCIDRBase)+uint32(i-1)<<8), 24).String()
	return n
}
