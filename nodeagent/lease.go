package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/wharf/wharf/api/coordination"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// leaseRetryMin is the first wait after a failed renewal; waits double up
// to the renew interval.
const leaseRetryMin = 200 * time.Millisecond

// runLease keeps the node's Lease renewed until ctx ends: created (or
// renewed) at once, then renewed every renew interval. The first wait is a
// random part of the interval, so that the renewals of many agents started
// together spread out.
func (a *Agent) runLease(ctx context.Context) {
	// A new node has no lease yet: creating it is its first renewal.
	lease, err := a.createLease(ctx)
	if err != nil {
		lease = nil
		if !errors.Is(err, errdefs.ErrAlreadyExists) && ctx.Err() == nil {
			a.log.Warn("creating the node lease failed; will retry", "err", err)
		}
	}
	jitter := func() time.Duration { return rand.N(a.cfg.RenewInterval) + 1 }
	spread := lease != nil
	wait := time.Duration(0)
	if spread {
		wait = jitter()
	}
	retry := leaseRetryMin
	for {
		if !a.sleep(ctx, wait) {
			return
		}
		renewed, err := a.renewLease(ctx, lease)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			a.log.Warn("renewing the node lease failed; will retry", "err", err, "retryIn", retry)
			lease, wait = nil, retry
			retry = min(2*retry, a.cfg.RenewInterval)
		case !spread:
			lease, wait, retry, spread = renewed, jitter(), leaseRetryMin, true
		default:
			lease, wait, retry = renewed, a.cfg.RenewInterval, leaseRetryMin
		}
	}
}

// renewLease writes the lease with a fresh renewTime, starting from last
// (the lease as last written) when there is one, else from the server's.
func (a *Agent) renewLease(ctx context.Context, last *coordination.Lease) (*coordination.Lease, error) {
	name := a.cfg.NodeName
	if last == nil {
		cur, err := a.leases.Get(ctx, NodeLeaseNamespace, name)
		switch {
		case errors.Is(err, errdefs.ErrNotFound):
			return a.createLease(ctx)
		case err != nil:
			return nil, fmt.Errorf("reading lease %s/%s: %w", NodeLeaseNamespace, name, err)
		}
		last = cur
	}
	updated, err := a.leases.Update(ctx, a.desiredLease(meta.DeepCopy(last)))
	if err != nil {
		return nil, fmt.Errorf("renewing lease %s/%s: %w", NodeLeaseNamespace, name, err)
	}
	return updated, nil
}

func (a *Agent) createLease(ctx context.Context) (*coordination.Lease, error) {
	name := a.cfg.NodeName
	l := a.desiredLease(&coordination.Lease{ObjectMeta: meta.ObjectMeta{Name: name, Namespace: NodeLeaseNamespace}})
	l.Spec.AcquireTime = l.Spec.RenewTime
	created, err := a.leases.Create(ctx, NodeLeaseNamespace, l)
	if err != nil {
		return nil, fmt.Errorf("creating lease %s/%s: %w", NodeLeaseNamespace, name, err)
	}
	return created, nil
}

// desiredLease stamps l as held by this node now, owned by the Node so
// that the lease goes when the Node does.
func (a *Agent) desiredLease(l *coordination.Lease) *coordination.Lease {
	holder := a.cfg.NodeName
	secs := int32(a.cfg.LeaseDuration / time.Second)
	if secs < 1 {
		secs = 1
	}
	now := meta.MicroTime{Time: a.clock.Now().UTC().Truncate(time.Microsecond)}
	l.Spec.HolderIdentity = &holder
	l.Spec.LeaseDurationSeconds = &secs
	l.Spec.RenewTime = &now
	if uid := a.nodeUID.Load(); uid != nil {
		l.OwnerReferences = []meta.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: a.cfg.NodeName, UID: *uid}}
	}
	return l
}
