package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// toleratesTaint reports whether tol matches taint: same effect (or any,
// when empty), same key (or any, for an empty key with Exists), and the
// same value unless the operator is Exists.
func toleratesTaint(tol core.Toleration, taint core.Taint) bool {
	if tol.Effect != "" && tol.Effect != taint.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != taint.Key {
		return false
	}
	switch tol.Operator {
	case core.TolerationOpExists:
		return true
	case core.TolerationOpEqual, "":
		return tol.Key != "" && tol.Value == taint.Value
	}
	return false
}

// tolerationFor returns the first of tols that tolerates taint.
func tolerationFor(tols []core.Toleration, taint core.Taint) (core.Toleration, bool) {
	for _, tol := range tols {
		if toleratesTaint(tol, taint) {
			return tol, true
		}
	}
	return core.Toleration{}, false
}

// evictionTime says when a pod with tols must leave a node with the
// NoExecute taints: at once if one taint is not tolerated, else when the
// first toleration's tolerationSeconds, counted from its taint's
// timeAdded (now, if unset), runs out. ok is false when the pod may stay
// for ever.
func evictionTime(tols []core.Toleration, taints []core.Taint, now time.Time) (at time.Time, ok bool) {
	for _, taint := range taints {
		if taint.Effect != core.TaintEffectNoExecute {
			continue
		}
		tol, tolerated := tolerationFor(tols, taint)
		if !tolerated {
			return now, true
		}
		if tol.TolerationSeconds == nil {
			continue
		}
		added := now
		if taint.TimeAdded != nil && !taint.TimeAdded.IsZero() {
			added = taint.TimeAdded.Time
		}
		secs := max(*tol.TolerationSeconds, 0)
		t := added.Add(time.Duration(secs) * time.Second)
		if !ok || t.Before(at) {
			at, ok = t, true
		}
	}
	return at, ok
}

// evict deletes the pods of node that its NoExecute taints no longer let
// stay, and comes back when the next toleration runs out.
func (n *NodeLifecycle) evict(ctx context.Context, name string) error {
	node, ok := n.nodes.Get("", name)
	if !ok {
		return nil
	}
	taints := noExecuteTaints(node)
	if len(taints) == 0 {
		return nil
	}
	now := n.now()
	var next time.Duration
	var errs []error
	for _, p := range n.pods.ByIndex(podsByNodeIndex, name) {
		if p.DeletionTimestamp != nil {
			continue
		}
		at, ok := evictionTime(p.Spec.Tolerations, taints, now)
		if !ok {
			continue
		}
		if wait := at.Sub(now); wait > 0 {
			if next == 0 || wait < next {
				next = wait
			}
			continue
		}
		if err := n.evictPod(ctx, p); err != nil {
			errs = append(errs, err)
		}
	}
	if next > 0 {
		n.evictions.AddAfter(name, next)
	}
	return errors.Join(errs...)
}

func (n *NodeLifecycle) evictPod(ctx context.Context, p *core.Pod) error {
	uid := p.UID
	err := n.podC.Delete(ctx, p.Namespace, p.Name, &meta.DeleteOptions{Preconditions: &meta.Preconditions{UID: &uid}})
	if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrConflict) {
		return nil // gone already, or a new pod of the same name
	}
	if err != nil {
		return fmt.Errorf("evicting pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	n.log.Info("evicted pod from a tainted node", "pod", p.Namespace+"/"+p.Name, "node", p.Spec.NodeName)
	n.rec.Eventf(p, core.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", p.Namespace, p.Name)
	return nil
}
