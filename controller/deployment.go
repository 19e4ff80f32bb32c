package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
)

// Deployment rolls each Deployment's pod template out through
// ReplicaSets, one per template revision, and reports the rollout in the
// deployment's status and conditions.
//
//	deployment, ReplicaSet & pod informers ──▶ queue(ns/name) ──▶ sync:
//	    claim ReplicaSets by selector
//	    paused or scaled?  resize ReplicaSets in proportion
//	    Recreate:          old to 0, wait for their pods to go, new to all
//	    RollingUpdate:     new up within maxSurge, old down within
//	                       maxUnavailable (rollout.go), one step per sync
//	    write status; delete old ReplicaSets beyond revisionHistoryLimit
type Deployment struct {
	deploys *client.Resource[apps.Deployment, *apps.Deployment]
	rsets   *client.Resource[apps.ReplicaSet, *apps.ReplicaSet]
	dInf    *client.Informer[apps.Deployment, *apps.Deployment]
	rsInf   *client.Informer[apps.ReplicaSet, *apps.ReplicaSet]
	podInf  *client.Informer[core.Pod, *core.Pod]
	rec     *events.Recorder
	queue   *Queue[string]
	log     *slog.Logger
	now     func() time.Time
}

// NewDeployment returns the Deployment controller; the caller starts f.
func NewDeployment(c *client.Client, f *Informers, rec *events.Recorder, log *slog.Logger) *Deployment {
	d := &Deployment{
		deploys: client.For[apps.Deployment](c),
		rsets:   client.For[apps.ReplicaSet](c),
		dInf:    InformerFor[apps.Deployment](f),
		rsInf:   InformerFor[apps.ReplicaSet](f),
		podInf:  InformerFor[core.Pod](f),
		rec:     rec,
		queue:   NewQueue[string](5*time.Millisecond, time.Minute),
		log:     log.With("controller", "deployment"),
		now:     time.Now,
	}
	d.dInf.AddIndex(indexNamespace, byNamespace[*apps.Deployment])
	d.rsInf.AddIndex(indexNamespace, byNamespace[*apps.ReplicaSet])
	d.podInf.AddIndex(indexNamespace, byNamespace[*core.Pod])
	enqueue := func(dep *apps.Deployment) { d.queue.Add(objectKey(dep)) }
	d.dInf.AddHandler(client.Handler[*apps.Deployment]{
		OnAdd:    enqueue,
		OnUpdate: func(_, cur *apps.Deployment) { enqueue(cur) },
		OnDelete: enqueue,
	})
	d.rsInf.AddHandler(client.Handler[*apps.ReplicaSet]{
		OnAdd:    d.addReplicaSet,
		OnUpdate: d.updateReplicaSet,
		OnDelete: d.deleteReplicaSet,
	})
	d.podInf.AddHandler(client.Handler[*core.Pod]{OnDelete: d.deletePod})
	return d
}

// Run works on Deployments until ctx ends; the shared informers must be
// started.
func (c *Deployment) Run(ctx context.Context, workers int) error {
	return runWorkers(ctx, c.queue, workers, c.log, c.sync, c.dInf.WaitForSync, c.rsInf.WaitForSync, c.podInf.WaitForSync)
}

// ownerOf returns the cached Deployment that ref (in ns) points to.
func (c *Deployment) ownerOf(ns string, ref *meta.OwnerReference) *apps.Deployment {
	return cachedOwner(c.dInf, "Deployment", ns, ref)
}

// selecting returns the Deployments whose selector matches rs: those that
// might adopt it.
func (c *Deployment) selecting(rs *apps.ReplicaSet) []*apps.Deployment {
	return selectingOwners(c.dInf, rs.Namespace, rs.Labels, func(d *apps.Deployment) *meta.LabelSelector { return d.Spec.Selector })
}

func (c *Deployment) addReplicaSet(rs *apps.ReplicaSet) {
	if rs.DeletionTimestamp != nil {
		c.deleteReplicaSet(rs)
		return
	}
	if ref := rs.ControllerRef(); ref != nil {
		if d := c.ownerOf(rs.Namespace, ref); d != nil {
			c.queue.Add(objectKey(d))
		}
		return
	}
	for _, d := range c.selecting(rs) {
		c.queue.Add(objectKey(d))
	}
}

func (c *Deployment) updateReplicaSet(old, cur *apps.ReplicaSet) {
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	curRef, oldRef := cur.ControllerRef(), old.ControllerRef()
	refChanged := !sameRef(curRef, oldRef)
	if refChanged && oldRef != nil {
		if d := c.ownerOf(old.Namespace, oldRef); d != nil {
			c.queue.Add(objectKey(d))
		}
	}
	if curRef != nil {
		if d := c.ownerOf(cur.Namespace, curRef); d != nil {
			c.queue.Add(objectKey(d))
		}
		return
	}
	if refChanged || !mapsEqual(old.Labels, cur.Labels) {
		for _, d := range c.selecting(cur) {
			c.queue.Add(objectKey(d))
		}
	}
}

func (c *Deployment) deleteReplicaSet(rs *apps.ReplicaSet) {
	if d := c.ownerOf(rs.Namespace, rs.ControllerRef()); d != nil {
		c.queue.Add(objectKey(d))
	}
}

// deletePod wakes a Recreate deployment, which waits for its old pods to
// be gone before it starts the new ones.
func (c *Deployment) deletePod(pod *core.Pod) {
	ref := pod.ControllerRef()
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs, ok := c.rsInf.Get(pod.Namespace, ref.Name)
	if !ok || rs.UID != ref.UID {
		return
	}
	if d := c.ownerOf(rs.Namespace, rs.ControllerRef()); d != nil && d.Spec.Strategy.Type == apps.RecreateDeploymentStrategyType {
		c.queue.Add(objectKey(d))
	}
}

// sync moves the deployment key one step toward its template and size.
func (c *Deployment) sync(ctx context.Context, key string) error {
	ns, name := splitKey(key)
	cached, ok := c.dInf.Get(ns, name)
	if !ok {
		return nil
	}
	d := meta.DeepCopy(cached)
	sel, err := labels.FromLabelSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		c.rec.Event(d, core.EventTypeWarning, reasonSelectingAll, "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			return c.writeDeployment(ctx, d, false)
		}
		return nil
	}
	rss, err := c.claimReplicaSets(ctx, d, sel)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		newRS, old, err := c.allReplicaSets(ctx, d, rss, false)
		if err != nil {
			return err
		}
		return c.syncDeploymentStatus(ctx, d, append(old, newRS), newRS)
	}
	if err := c.checkPausedConditions(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused {
		return c.syncScale(ctx, d, rss)
	}
	if newRS, old := splitReplicaSets(d, rss); scalingEvent(d, newRS, old) {
		return c.syncScale(ctx, d, rss)
	}
	switch d.Spec.Strategy.Type {
	case apps.RecreateDeploymentStrategyType:
		return c.rolloutRecreate(ctx, d, rss, sel)
	case apps.RollingUpdateDeploymentStrategyType:
		return c.rolloutRolling(ctx, d, rss)
	}
	c.log.Error("unknown deployment strategy", "deployment", key, "strategy", d.Spec.Strategy.Type)
	return nil
}

// claimReplicaSets returns the ReplicaSets d controls, adopting and
// releasing by its selector.
func (c *Deployment) claimReplicaSets(ctx context.Context, d *apps.Deployment, sel labels.Selector) ([]*apps.ReplicaSet, error) {
	cl := &claim[apps.ReplicaSet, *apps.ReplicaSet]{
		objects: c.rsets,
		owner:   d,
		ref:     controllerRef(d, "apps/v1", "Deployment"),
		matches: func(rs *apps.ReplicaSet) bool { return sel.Matches(rs.Labels) },
		canAdopt: freshOwner(func(ctx context.Context) (meta.Object, error) {
			return c.deploys.Get(ctx, d.Namespace, d.Name)
		}, d),
	}
	return cl.run(ctx, c.rsInf.ByIndex(indexNamespace, d.Namespace))
}

// writeDeployment writes d's status, and first its metadata when
// metaChanged (the revision annotation), keeping d current with what
// the server returns so that later writes of the same sync apply.
func (c *Deployment) writeDeployment(ctx context.Context, d *apps.Deployment, metaChanged bool) error {
	st := d.Status
	if metaChanged {
		out, err := c.deploys.Update(ctx, d)
		if err != nil {
			return fmt.Errorf("updating deployment %s: %w", objectKey(d), err)
		}
		*d = *out
		d.Status = st
	}
	out, err := c.deploys.UpdateStatus(ctx, d)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("updating status of deployment %s: %w", objectKey(d), err)
	}
	*d = *out
	return nil
}
