package controller

import (
	"context"
	"fmt"
	"slices"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
)

// rolloutRolling takes one step of a rolling update: scale the new
// ReplicaSet up, or else old ones down, or else, once complete, prune the
// history; then write the status.
func (c *Deployment) rolloutRolling(ctx context.Context, d *apps.Deployment, rss []*apps.ReplicaSet) error {
	newRS, old, err := c.allReplicaSets(ctx, d, rss, true)
	if err != nil {
		return err
	}
	if steps := rollingStep(d, newRS, old); len(steps) > 0 {
		newRS, old, err = c.apply(ctx, d, steps, newRS, old)
		if err != nil {
			return err
		}
		return c.syncRolloutStatus(ctx, d, append(slices.Clip(old), newRS), newRS)
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanupHistory(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, append(slices.Clip(old), newRS), newRS)
}

// rolloutRecreate scales every old ReplicaSet to zero, waits until their
// pods are all gone, then creates (or scales up) the new one at full size.
func (c *Deployment) rolloutRecreate(ctx context.Context, d *apps.Deployment, rss []*apps.ReplicaSet, sel labels.Selector) error {
	newRS, old, err := c.allReplicaSets(ctx, d, rss, false)
	if err != nil {
		return err
	}
	var steps []rsScale
	for _, rs := range activeReplicaSets(old) {
		steps = append(steps, rsScale{rs, 0})
	}
	if len(steps) > 0 {
		newRS, old, err = c.apply(ctx, d, steps, newRS, old)
		if err != nil {
			return err
		}
		return c.syncRolloutStatus(ctx, d, append(slices.Clip(old), newRS), newRS)
	}
	if c.oldPodsRunning(d, newRS, old, sel) {
		return c.syncRolloutStatus(ctx, d, append(slices.Clip(old), newRS), newRS)
	}
	if newRS == nil {
		if newRS, old, err = c.allReplicaSets(ctx, d, rss, true); err != nil {
			return err
		}
	}
	if want := replicasOf(d.Spec.Replicas); replicasOf(newRS.Spec.Replicas) != want {
		if newRS, old, err = c.apply(ctx, d, []rsScale{{newRS, want}}, newRS, old); err != nil {
			return err
		}
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanupHistory(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, append(slices.Clip(old), newRS), newRS)
}

// oldPodsRunning reports whether any pod of an old ReplicaSet of d is
// still there and not finished, terminating ones included: Recreate
// promises that old and new pods never run together.
func (c *Deployment) oldPodsRunning(d *apps.Deployment, newRS *apps.ReplicaSet, old []*apps.ReplicaSet, sel labels.Selector) bool {
	var n int32
	oldUIDs := map[string]bool{}
	for _, rs := range old {
		n += rs.Status.Replicas
		oldUIDs[rs.UID] = true
	}
	if n > 0 {
		return true
	}
	for _, p := range c.podInf.ByIndex(indexNamespace, d.Namespace) {
		ref := p.ControllerRef()
		if ref == nil || !oldUIDs[ref.UID] || !sel.Matches(p.Labels) {
			continue
		}
		if p.Status.Phase != core.PodSucceeded && p.Status.Phase != core.PodFailed {
			return true
		}
	}
	return false
}

// syncScale resizes the ReplicaSets in proportion when the deployment was
// scaled or is paused, without moving the rollout on; a paused deployment
// also prunes its history.
func (c *Deployment) syncScale(ctx context.Context, d *apps.Deployment, rss []*apps.ReplicaSet) error {
	newRS, old, err := c.allReplicaSets(ctx, d, rss, false)
	if err != nil {
		return err
	}
	if steps := proportionalScale(d, newRS, old); len(steps) > 0 {
		if newRS, old, err = c.apply(ctx, d, steps, newRS, old); err != nil {
			return err
		}
	}
	if d.Spec.Paused {
		if err := c.cleanupHistory(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncDeploymentStatus(ctx, d, append(slices.Clip(old), newRS), newRS)
}

// apply writes the resizes, stopping at the first failure, and returns
// the ReplicaSets as they now are.
func (c *Deployment) apply(ctx context.Context, d *apps.Deployment, steps []rsScale, newRS *apps.ReplicaSet, old []*apps.ReplicaSet) (*apps.ReplicaSet, []*apps.ReplicaSet, error) {
	old = slices.Clone(old)
	for _, s := range steps {
		out, err := c.scaleReplicaSet(ctx, d, s.rs, s.to)
		if err != nil {
			return nil, nil, err
		}
		if newRS != nil && out.UID == newRS.UID {
			newRS = out
			continue
		}
		for i := range old {
			if old[i].UID == out.UID {
				old[i] = out
			}
		}
	}
	return newRS, old, nil
}

// scaleReplicaSet sets rs's replicas to size, and its replica annotations
// to the deployment's current size and maximum, recording a
// ScalingReplicaSet event when the size changes.
func (c *Deployment) scaleReplicaSet(ctx context.Context, d *apps.Deployment, rs *apps.ReplicaSet, size int32) (*apps.ReplicaSet, error) {
	from := replicasOf(rs.Spec.Replicas)
	want := replicasOf(d.Spec.Replicas)
	maxReplicas := want + maxSurge(d)
	if from == size && !replicasAnnotationsNeedUpdate(rs, want, maxReplicas) {
		return rs, nil
	}
	next := meta.DeepCopy(rs)
	next.Spec.Replicas = &size
	setReplicasAnnotations(next, want, maxReplicas)
	out, err := c.rsets.Update(ctx, next)
	if err != nil {
		return nil, fmt.Errorf("scaling replicaset %s to %d: %w", rs.Name, size, err)
	}
	if from != size {
		op := "up"
		if size < from {
			op = "down"
		}
		c.rec.Eventf(d, core.EventTypeNormal, reasonScalingReplicaSet, "Scaled %s replica set %s to %d", op, rs.Name, size)
	}
	return out, nil
}
