// Package leaderelection lets several replicas of a component agree on one
// leader through a coordination.k8s.io/v1 Lease, as Kubernetes' components
// do: the leader renews the lease; a candidate takes it over only when it
// has not been renewed for the lease duration. Writes use the lease's
// resourceVersion, so two candidates can never both win.
package leaderelection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// Config names the lease and the candidate.
type Config struct {
	// Namespace and Name of the Lease, e.g. kube-system/wharf-scheduler.
	Namespace, Name string
	// Identity of this candidate; unique among the candidates.
	Identity string
	// LeaseDuration is how long a lease not renewed stays held (15 s);
	// RenewDeadline is how long the leader keeps trying to renew before it
	// gives up leadership (10 s); RetryPeriod is the pause between
	// attempts (2 s).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// ErrLost is returned by Run when the leader failed to renew in time.
var ErrLost = errors.New("leadership lost")

func (c *Config) defaults() {
	if c.LeaseDuration == 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.RenewDeadline == 0 {
		c.RenewDeadline = 10 * time.Second
	}
	if c.RetryPeriod == 0 {
		c.RetryPeriod = 2 * time.Second
	}
}

// Run campaigns until it holds the lease, then calls lead with a context
// that is cancelled when leadership is lost or ctx ends. It returns nil
// when ctx ends, ErrLost when leadership was lost (the caller may Run
// again), or lead's error.
func Run(ctx context.Context, c *client.Client, cfg Config, log *slog.Logger, lead func(ctx context.Context) error) error {
	cfg.defaults()
	if cfg.Namespace == "" || cfg.Name == "" || cfg.Identity == "" {
		return errors.New("leaderelection: namespace, name and identity are required")
	}
	e := &elector{leases: client.For[coordination.Lease](c), cfg: cfg, log: log.With("lease", cfg.Namespace+"/"+cfg.Name, "identity", cfg.Identity), now: time.Now}
	if !e.acquire(ctx) {
		return nil
	}
	e.log.Info("became leader")
	leadCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	renewed := make(chan error, 1)
	go func() { renewed <- e.renewLoop(leadCtx) }()
	err := lead(leadCtx)
	cancel()
	lost := <-renewed
	if ctx.Err() != nil {
		e.release()
		return nil
	}
	if err != nil {
		e.release()
		return err
	}
	return lost
}

type elector struct {
	leases *client.Resource[coordination.Lease, *coordination.Lease]
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
}

// acquire tries every RetryPeriod until it holds the lease; false when ctx ended.
func (e *elector) acquire(ctx context.Context) bool {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		ok, err := e.tryAcquireOrRenew(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Debug("lease attempt failed", "err", err)
		}
		if ok {
			return true
		}
		t.Reset(e.cfg.RetryPeriod)
	}
}

// renewLoop renews every RetryPeriod; it returns ErrLost when no renewal
// succeeded for RenewDeadline, and nil when ctx ends.
func (e *elector) renewLoop(ctx context.Context) error {
	last := e.now()
	t := time.NewTicker(e.cfg.RetryPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, e.cfg.RenewDeadline)
		ok, err := e.tryAcquireOrRenew(rctx)
		cancel()
		if ok {
			last = e.now()
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if e.now().Sub(last) >= e.cfg.RenewDeadline || (err == nil && !ok) {
			// Someone else holds it now, or we could not renew in time.
			e.log.Warn("leadership lost", "err", err)
			return ErrLost
		}
	}
}

// tryAcquireOrRenew takes the lease if it is free, expired or ours.
func (e *elector) tryAcquireOrRenew(ctx context.Context) (bool, error) {
	now := meta.MicroTime{Time: e.now().UTC().Truncate(time.Microsecond)}
	secs := int32(e.cfg.LeaseDuration / time.Second)
	l, err := e.leases.Get(ctx, e.cfg.Namespace, e.cfg.Name)
	if errors.Is(err, errdefs.ErrNotFound) {
		l = &coordination.Lease{ObjectMeta: meta.ObjectMeta{Name: e.cfg.Name, Namespace: e.cfg.Namespace}}
		l.Spec.HolderIdentity = &e.cfg.Identity
		l.Spec.LeaseDurationSeconds = &secs
		l.Spec.AcquireTime, l.Spec.RenewTime = &now, &now
		if _, err := e.leases.Create(ctx, e.cfg.Namespace, l); err != nil {
			return false, err
		}
		return true, nil
	}
	if err != nil {
		return false, err
	}
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	if holder != "" && holder != e.cfg.Identity && !e.expired(l) {
		return false, nil
	}
	next := meta.DeepCopy(l)
	if holder != e.cfg.Identity {
		next.Spec.AcquireTime = &now
		transitions := int32(0)
		if l.Spec.LeaseTransitions != nil {
			transitions = *l.Spec.LeaseTransitions
		}
		if holder != "" {
			transitions++
		}
		next.Spec.LeaseTransitions = &transitions
	}
	next.Spec.HolderIdentity = &e.cfg.Identity
	next.Spec.LeaseDurationSeconds = &secs
	next.Spec.RenewTime = &now
	if _, err := e.leases.Update(ctx, next); err != nil {
		return false, fmt.Errorf("updating lease: %w", err)
	}
	return true, nil
}

func (e *elector) expired(l *coordination.Lease) bool {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return true
	}
	return e.now().After(l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second))
}

// release gives the lease up so that another candidate need not wait for
// it to expire.
func (e *elector) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l, err := e.leases.Get(ctx, e.cfg.Namespace, e.cfg.Name)
	if err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != e.cfg.Identity {
		return
	}
	next := meta.DeepCopy(l)
	empty := ""
	next.Spec.HolderIdentity = &empty
	one := int32(1)
	next.Spec.LeaseDurationSeconds = &one
	_, _ = e.leases.Update(ctx, next)
}
