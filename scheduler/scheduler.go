package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/leaderelection"
	"github.com/wharf/wharf/controller"
	"github.com/wharf/wharf/scheduler/framework"
	"github.com/wharf/wharf/scheduler/plugins"
)

// Scheduler binds pending pods to nodes.
//
//	pod & node informers ──▶ queue (active / backoff / unschedulable)
//	        │                         │ pop, highest priority first
//	        ▼                         ▼
//	      cache ──snapshot──▶ filter ─▶ score ─▶ assume in cache
//	        ▲                                      │
//	        └──── forget on failure ◀── bind (async, bounded) ──▶ POST pods/{name}/binding
type Scheduler struct {
	cfg       Config
	client    *client.Client
	pods      *client.Informer[core.Pod, *core.Pod]
	nodes     *client.Informer[core.Node, *core.Node]
	podClient *client.Resource[core.Pod, *core.Pod]
	rec       *events.Recorder
	log       *slog.Logger

	queue    *schedulingQueue
	cache    *cache
	snapshot *snapshot // only the scheduling loop touches it
	algo     *algorithm

	// writes bounds the binding and status requests in flight; inflight
	// counts their goroutines, which a leadership term waits for.
	writes   chan struct{}
	inflight sync.WaitGroup
}

// New returns a scheduler that takes pods and nodes from the shared
// informers, which the caller starts (Informers.Start), and records events
// with rec, which the caller runs.
func New(c *client.Client, informers *controller.Informers, rec *events.Recorder, cfg Config, log *slog.Logger) (*Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	profile, err := framework.NewProfile(plugins.NewRegistry(), plugins.DefaultPluginSet())
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	if cfg.LeaderElect && cfg.Identity == "" {
		cfg.Identity = defaultIdentity()
	}
	log = log.With("component", "scheduler", "scheduler", cfg.SchedulerName)
	s := &Scheduler{
		cfg:       cfg,
		client:    c,
		pods:      controller.InformerFor[core.Pod](informers),
		nodes:     controller.InformerFor[core.Node](informers),
		podClient: client.For[core.Pod](c),
		rec:       rec,
		log:       log,
		queue:     newQueue(realClock{}, cfg.InitialBackoff, cfg.MaxBackoff, cfg.MaxUnschedulableDuration),
		cache:     newCache(realClock{}, cfg.AssumedPodTTL, log),
		snapshot:  newSnapshot(),
		algo:      &algorithm{profile: profile, parallelism: cfg.Parallelism, percentage: cfg.PercentageOfNodesToScore},
		writes:    make(chan struct{}, cfg.BindWorkers),
	}
	s.addHandlers()
	return s, nil
}

// defaultIdentity is the host name with a random suffix, unique even for
// two schedulers on one host.
func defaultIdentity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "scheduler"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "_" + hex.EncodeToString(b)
}

// Run schedules pods until ctx ends, then returns nil once every request
// it started has finished. With leader election on, it schedules only
// while it holds the lease, and campaigns again when it loses it.
func (s *Scheduler) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(2)
	go func() { defer wg.Done(); s.queue.run(ctx) }()
	go func() { defer wg.Done(); s.cache.run(ctx) }()
	if !s.pods.WaitForSync(ctx) || !s.nodes.WaitForSync(ctx) {
		return nil
	}
	if !s.cfg.LeaderElect {
		return s.lead(ctx)
	}
	lc := leaderelection.Config{
		Namespace:     s.cfg.LeaseNamespace,
		Name:          s.cfg.LeaseName,
		Identity:      s.cfg.Identity,
		LeaseDuration: s.cfg.LeaseDuration,
		RenewDeadline: s.cfg.RenewDeadline,
		RetryPeriod:   s.cfg.RetryPeriod,
	}
	for {
		err := leaderelection.Run(ctx, s.client, lc, s.log, s.lead)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, leaderelection.ErrLost):
			s.log.Warn("lost the scheduler lease; campaigning again", "identity", s.cfg.Identity)
		default:
			return err
		}
	}
}

// lead runs the scheduling loop for one leadership term. It returns when
// ctx ends, after the bindings it started have finished or been
// abandoned, so that a replica that lost the lease binds nothing more.
func (s *Scheduler) lead(ctx context.Context) error {
	s.log.Info("scheduling pods", "identity", s.cfg.Identity)
	defer s.inflight.Wait()
	for ctx.Err() == nil {
		s.scheduleOne(ctx)
	}
	return nil
}

// scheduleOne places the next pod of the queue: the scheduling cycle,
// which runs one pod at a time against a consistent snapshot, up to the
// assumption; the binding then runs on its own.
func (s *Scheduler) scheduleOne(ctx context.Context) {
	qp := s.queue.pop(ctx)
	if qp == nil {
		return
	}
	pod, ok := s.current(qp.pod)
	if !ok {
		s.queue.done(qp)
		return
	}
	s.cache.updateSnapshot(s.snapshot)
	node, err := s.algo.schedule(framework.NewPodInfo(pod), s.snapshot.list)
	if err != nil {
		s.unschedulable(ctx, qp, pod, err)
		return
	}
	assumed := *pod
	assumed.Spec.NodeName = node
	if err := s.cache.assumePod(&assumed); err != nil {
		// Only a pod already counted gets here, which current rules out.
		s.log.Error("assuming pod", "pod", qp.key, "err", err)
		s.queue.requeue(qp, requeueError)
		return
	}
	s.bindAsync(ctx, qp, &assumed)
}

// current returns the informer's latest version of pod if it is still
// this scheduler's to place: not deleted, not bound, not assumed.
func (s *Scheduler) current(pod *core.Pod) (*core.Pod, bool) {
	latest, ok := s.pods.Get(pod.Namespace, pod.Name)
	if !ok || latest.UID != pod.UID || !s.responsibleFor(latest) || s.cache.contains(latest) {
		return nil, false
	}
	return latest, true
}

// responsibleFor reports whether pod is pending and ours to place.
func (s *Scheduler) responsibleFor(pod *core.Pod) bool {
	name := pod.Spec.SchedulerName
	if name == "" {
		name = core.DefaultSchedulerName
	}
	return name == s.cfg.SchedulerName && pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil && !pod.IsTerminal()
}

// acquire takes a write slot, or reports false once ctx ends.
func (s *Scheduler) acquire(ctx context.Context) bool {
	select {
	case s.writes <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Scheduler) release() { <-s.writes }
