package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
)

// DaemonSet runs one pod of each DaemonSet on every node it fits.
//
//	daemon set, pod or node changed ──▶ queue(ns/name) ──▶ sync:
//	    plan (daemonset_plan.go): a pod pinned by node affinity to each
//	    fitting node without one, deletions of pods on nodes that no
//	    longer fit, of failed pods and duplicates, and of old pods as the
//	    rolling update allows; carry it out; write the status.
//
// Pods are not bound here: their required node affinity names the node,
// and the scheduler binds them, as in Kubernetes since 1.12.
type DaemonSet struct {
	client *client.Client
	setsC  *client.Resource[apps.DaemonSet, *apps.DaemonSet]
	podsC  *client.Resource[core.Pod, *core.Pod]
	sets   *client.Informer[apps.DaemonSet, *apps.DaemonSet]
	pods   *client.Informer[core.Pod, *core.Pod]
	nodes  *client.Informer[core.Node, *core.Node]
	rec    *events.Recorder
	log    *slog.Logger
	queue  *Queue[string]
	writes *podWrites
	now    func() time.Time
}

// NewDaemonSet returns the DaemonSet controller. The informers it takes
// from f are started by f.Start.
func NewDaemonSet(c *client.Client, f *Informers, rec *events.Recorder, log *slog.Logger) *DaemonSet {
	d := &DaemonSet{
		client: c,
		setsC:  client.For[apps.DaemonSet](c),
		podsC:  client.For[core.Pod](c),
		sets:   InformerFor[apps.DaemonSet](f),
		pods:   InformerFor[core.Pod](f),
		nodes:  InformerFor[core.Node](f),
		rec:    rec,
		log:    log.With("controller", "daemonset"),
		queue:  NewQueue[string](100*time.Millisecond, 60*time.Second),
		writes: newPodWrites(),
		now:    time.Now,
	}
	d.pods.AddIndex(podsByControllerIndex, podControllerUID)
	enqueue := func(ds *apps.DaemonSet) { d.queue.Add(ds.Namespace + "/" + ds.Name) }
	d.sets.AddHandler(client.Handler[*apps.DaemonSet]{
		OnAdd:    enqueue,
		OnUpdate: func(_, ds *apps.DaemonSet) { enqueue(ds) },
		OnDelete: func(ds *apps.DaemonSet) { d.writes.forget(ds.Namespace + "/" + ds.Name) },
	})
	d.pods.AddHandler(client.Handler[*core.Pod]{
		OnAdd: func(p *core.Pod) {
			if key, ok := daemonSetKeyOf(p); ok {
				d.writes.created(key)
				d.queue.Add(key)
			}
		},
		OnUpdate: func(old, p *core.Pod) {
			if key, ok := daemonSetKeyOf(p); ok {
				if p.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
					d.writes.deleted(key, podKeyOf(p))
				}
				d.queue.Add(key)
			}
		},
		OnDelete: func(p *core.Pod) {
			if key, ok := daemonSetKeyOf(p); ok {
				d.writes.deleted(key, podKeyOf(p))
				d.queue.Add(key)
			}
		},
	})
	d.nodes.AddHandler(client.Handler[*core.Node]{
		OnAdd: func(*core.Node) { d.enqueueAll() },
		OnUpdate: func(old, n *core.Node) {
			if nodeFitMayDiffer(old, n) {
				d.enqueueAll()
			}
		},
		OnDelete: func(*core.Node) { d.enqueueAll() },
	})
	return d
}

// nodeFitMayDiffer: a change of labels or taints may change which daemon
// sets fit the node.
func nodeFitMayDiffer(old, n *core.Node) bool {
	if !maps.Equal(old.Labels, n.Labels) || len(old.Spec.Taints) != len(n.Spec.Taints) {
		return true
	}
	for i := range n.Spec.Taints {
		a, b := old.Spec.Taints[i], n.Spec.Taints[i]
		if a.Key != b.Key || a.Value != b.Value || a.Effect != b.Effect {
			return true
		}
	}
	return false
}

func (d *DaemonSet) enqueueAll() {
	for _, ds := range d.sets.List() {
		d.queue.Add(ds.Namespace + "/" + ds.Name)
	}
}

// daemonSetKeyOf is the key of the daemon set controlling p.
func daemonSetKeyOf(p *core.Pod) (string, bool) {
	ref := p.ControllerRef()
	if ref == nil || ref.Kind != "DaemonSet" || !strings.HasPrefix(ref.APIVersion, "apps/") {
		return "", false
	}
	return p.Namespace + "/" + ref.Name, true
}

// Run syncs daemon sets until ctx ends.
func (d *DaemonSet) Run(ctx context.Context, workers int) error {
	if !d.sets.WaitForSync(ctx) || !d.pods.WaitForSync(ctx) || !d.nodes.WaitForSync(ctx) {
		return nil
	}
	return runWorkers(ctx, d.queue, workers, d.log, d.sync)
}

func (d *DaemonSet) sync(ctx context.Context, key string) error {
	ns, name, _ := strings.Cut(key, "/")
	ds, ok := d.sets.Get(ns, name)
	if !ok {
		d.writes.forget(key)
		return nil
	}
	if ds.DeletionTimestamp != nil {
		return nil // the garbage collector removes the pods
	}
	hash := daemonTemplateHash(&ds.Spec.Template)
	plan := planDaemonSet(ds, hash, d.nodes.List(), d.pods.ByIndex(podsByControllerIndex, ds.UID), d.now())
	var errs []error
	if d.writes.settled(key) {
		errs = append(errs, d.deletePods(ctx, key, ds, plan.remove), d.createPods(ctx, key, ds, hash, plan.create))
	}
	if plan.recheck > 0 {
		d.queue.AddAfter(key, plan.recheck)
	}
	st := plan.status
	st.CollisionCount, st.Conditions = ds.Status.CollisionCount, ds.Status.Conditions
	if !daemonStatusEqual(st, ds.Status) {
		next := meta.DeepCopy(ds)
		next.Status = st
		if _, err := d.setsC.UpdateStatus(ctx, next); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			errs = append(errs, fmt.Errorf("updating status: %w", err))
		}
	}
	return errors.Join(errs...)
}

func daemonStatusEqual(a, b apps.DaemonSetStatus) bool {
	return a.CurrentNumberScheduled == b.CurrentNumberScheduled && a.NumberMisscheduled == b.NumberMisscheduled &&
		a.DesiredNumberScheduled == b.DesiredNumberScheduled && a.NumberReady == b.NumberReady &&
		a.ObservedGeneration == b.ObservedGeneration && a.UpdatedNumberScheduled == b.UpdatedNumberScheduled &&
		a.NumberAvailable == b.NumberAvailable && a.NumberUnavailable == b.NumberUnavailable
}

func (d *DaemonSet) createPods(ctx context.Context, key string, ds *apps.DaemonSet, hash string, nodes []string) error {
	if len(nodes) == 0 {
		return nil
	}
	d.writes.expect(key, len(nodes), nil)
	attempted, err := inBatches(len(nodes), func(i int) error {
		p, err := d.podsC.Create(ctx, ds.Namespace, daemonPodTemplate(ds, nodes[i], hash))
		if err != nil {
			d.writes.created(key) // will never be seen
			d.rec.Eventf(ds, core.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return err
		}
		d.rec.Eventf(ds, core.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", p.Name)
		return nil
	})
	for range len(nodes) - attempted {
		d.writes.created(key)
	}
	if err != nil {
		return fmt.Errorf("creating daemon pods: %w", err)
	}
	return nil
}

func (d *DaemonSet) deletePods(ctx context.Context, key string, ds *apps.DaemonSet, pods []*core.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = podKeyOf(p)
	}
	d.writes.expect(key, 0, names)
	_, err := inBatches(len(pods), func(i int) error {
		p := pods[i]
		if p.Status.Phase == core.PodFailed {
			d.rec.Eventf(ds, core.EventTypeWarning, "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, daemonPodNode(p))
		}
		uid := p.UID
		err := d.podsC.Delete(ctx, p.Namespace, p.Name, &meta.DeleteOptions{Preconditions: &meta.Preconditions{UID: &uid}})
		if err != nil {
			d.writes.deleted(key, podKeyOf(p))
			if errors.Is(err, errdefs.ErrNotFound) {
				return nil
			}
			d.rec.Eventf(ds, core.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			return err
		}
		d.rec.Eventf(ds, core.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
		return nil
	})
	if err != nil {
		// Some were never attempted, and will never be seen: act again on
		// the next sync rather than wait for them.
		for _, n := range names {
			d.writes.deleted(key, n)
		}
		return fmt.Errorf("deleting daemon pods: %w", err)
	}
	return nil
}
