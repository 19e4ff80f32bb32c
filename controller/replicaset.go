package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
)

// burstReplicas caps the pods one sync of a ReplicaSet creates or
// deletes, so that one huge ReplicaSet cannot monopolise a worker or the
// API server; the next sync does the rest.
const burstReplicas = 500

// indexNamespace files objects under their namespace in the shared
// informers: controllers look at one namespace's pods or ReplicaSets.
const indexNamespace = "namespace"

func byNamespace[PT meta.Object](obj PT) []string {
	return []string{obj.GetObjectMeta().Namespace}
}

// ReplicaSet keeps the number of pods of each ReplicaSet at its
// spec.replicas, and its status current.
//
//	pod & ReplicaSet informers ──handlers──▶ queue(ns/name) ──▶ sync:
//	    claim pods (adopt orphans that match, release owned ones that
//	    don't); unless creates/deletes are still in flight, create or
//	    delete the difference; write status if it changed
type ReplicaSet struct {
	rsets  *client.Resource[apps.ReplicaSet, *apps.ReplicaSet]
	rsInf  *client.Informer[apps.ReplicaSet, *apps.ReplicaSet]
	podInf *client.Informer[core.Pod, *core.Pod]
	pods   podControl
	queue  *Queue[string]
	exp    *expectations
	log    *slog.Logger
	now    func() time.Time
}

// NewReplicaSet returns the ReplicaSet controller; the caller starts f.
func NewReplicaSet(c *client.Client, f *Informers, rec *events.Recorder, log *slog.Logger) *ReplicaSet {
	r := &ReplicaSet{
		rsets:  client.For[apps.ReplicaSet](c),
		rsInf:  InformerFor[apps.ReplicaSet](f),
		podInf: InformerFor[core.Pod](f),
		pods:   podControl{pods: client.For[core.Pod](c), rec: rec},
		queue:  NewQueue[string](5*time.Millisecond, time.Minute),
		exp:    newExpectations(),
		log:    log.With("controller", "replicaset"),
		now:    time.Now,
	}
	r.rsInf.AddIndex(indexNamespace, byNamespace[*apps.ReplicaSet])
	r.podInf.AddIndex(indexNamespace, byNamespace[*core.Pod])
	r.rsInf.AddHandler(client.Handler[*apps.ReplicaSet]{
		OnAdd:    func(rs *apps.ReplicaSet) { r.queue.Add(objectKey(rs)) },
		OnUpdate: func(_, rs *apps.ReplicaSet) { r.queue.Add(objectKey(rs)) },
		OnDelete: func(rs *apps.ReplicaSet) {
			r.exp.forget(objectKey(rs))
			r.queue.Add(objectKey(rs))
		},
	})
	r.podInf.AddHandler(client.Handler[*core.Pod]{
		OnAdd:    r.addPod,
		OnUpdate: r.updatePod,
		OnDelete: r.deletePod,
	})
	return r
}

// Run works on ReplicaSets until ctx ends; the shared informers must be
// started.
func (r *ReplicaSet) Run(ctx context.Context, workers int) error {
	return runWorkers(ctx, r.queue, workers, r.log, r.sync, r.rsInf.WaitForSync, r.podInf.WaitForSync)
}

func objectKey(obj meta.Object) string {
	m := obj.GetObjectMeta()
	return m.Namespace + "/" + m.Name
}

func splitKey(key string) (ns, name string) {
	ns, name, _ = strings.Cut(key, "/")
	return ns, name
}

// controllerOf returns the ReplicaSet that ref (a pod's controller
// reference in namespace ns) points to, if it is in the cache.
func (r *ReplicaSet) controllerOf(ns string, ref *meta.OwnerReference) *apps.ReplicaSet {
	return cachedOwner(r.rsInf, "ReplicaSet", ns, ref)
}

// selecting returns the cached ReplicaSets of pod's namespace whose
// selector matches it: those that might adopt it.
func (r *ReplicaSet) selecting(pod *core.Pod) []*apps.ReplicaSet {
	return selectingOwners(r.rsInf, pod.Namespace, pod.Labels, func(rs *apps.ReplicaSet) *meta.LabelSelector { return rs.Spec.Selector })
}

func (r *ReplicaSet) addPod(pod *core.Pod) {
	if pod.DeletionTimestamp != nil {
		// Seen for the first time already being deleted (after a restart
		// of the controller, say): not one of our creations.
		r.deletePod(pod)
		return
	}
	if ref := pod.ControllerRef(); ref != nil {
		if rs := r.controllerOf(pod.Namespace, ref); rs != nil {
			key := objectKey(rs)
			r.exp.creationObserved(key)
			r.queue.Add(key)
		}
		return
	}
	for _, rs := range r.selecting(pod) {
		r.queue.Add(objectKey(rs))
	}
}

func (r *ReplicaSet) updatePod(old, cur *core.Pod) {
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	labelsChanged := !mapsEqual(old.Labels, cur.Labels)
	if cur.DeletionTimestamp != nil {
		// Graceful deletion has started: for the ReplicaSet the pod is
		// gone already, so its replacement can start now.
		r.deletePod(cur)
		if labelsChanged {
			r.deletePod(old)
		}
		return
	}
	curRef, oldRef := cur.ControllerRef(), old.ControllerRef()
	refChanged := !sameRef(curRef, oldRef)
	if refChanged && oldRef != nil {
		if rs := r.controllerOf(old.Namespace, oldRef); rs != nil {
			r.queue.Add(objectKey(rs))
		}
	}
	if curRef != nil {
		rs := r.controllerOf(cur.Namespace, curRef)
		if rs == nil {
			return
		}
		key := objectKey(rs)
		r.queue.Add(key)
		if !old.IsReady() && cur.IsReady() && rs.Spec.MinReadySeconds > 0 {
			// Available only minReadySeconds from now, and nothing else may
			// change to make us look again; a second more absorbs clock
			// rounding.
			r.queue.AddAfter(key, time.Duration(rs.Spec.MinReadySeconds)*time.Second+time.Second)
		}
		return
	}
	if labelsChanged || refChanged {
		for _, rs := range r.selecting(cur) {
			r.queue.Add(objectKey(rs))
		}
	}
}

func (r *ReplicaSet) deletePod(pod *core.Pod) {
	rs := r.controllerOf(pod.Namespace, pod.ControllerRef())
	if rs == nil {
		return
	}
	key := objectKey(rs)
	r.exp.deletionObserved(key, objectKey(pod))
	r.queue.Add(key)
}

func sameRef(a, b *meta.OwnerReference) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.UID == b.UID
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// sync brings the ReplicaSet key's pods to its replicas and writes its
// status.
func (r *ReplicaSet) sync(ctx context.Context, key string) error {
	ns, name := splitKey(key)
	cached, ok := r.rsInf.Get(ns, name)
	if !ok {
		r.exp.forget(key)
		return nil
	}
	rs := meta.DeepCopy(cached)
	needsSync := r.exp.satisfied(key)
	sel, err := labels.FromLabelSelector(rs.Spec.Selector)
	if err != nil {
		// The API server validates selectors: this cannot be fixed by
		// retrying.
		r.log.Error("invalid selector", "replicaset", key, "err", err)
		return nil
	}
	var active []*core.Pod
	for _, p := range r.podInf.ByIndex(indexNamespace, ns) {
		if isActivePod(p) {
			active = append(active, p)
		}
	}
	pods, err := r.claimPods(ctx, rs, sel, active)
	if err != nil {
		return err
	}
	var manageErr error
	switch {
	case !needsSync:
		// Should a watch event be lost, the expectations expire; make
		// sure someone looks then.
		r.queue.AddAfter(key, expectationsTTL+time.Second)
	case rs.DeletionTimestamp == nil:
		manageErr = r.manage(ctx, key, rs, pods)
	}
	st := replicaSetStatus(rs, pods, manageErr, r.now())
	updated, err := r.updateStatus(ctx, rs, st)
	if err != nil {
		return err
	}
	if manageErr == nil && updated.Spec.MinReadySeconds > 0 &&
		updated.Status.ReadyReplicas == replicasOf(updated.Spec.Replicas) &&
		updated.Status.AvailableReplicas != replicasOf(updated.Spec.Replicas) {
		r.queue.AddAfter(key, time.Duration(updated.Spec.MinReadySeconds)*time.Second)
	}
	return manageErr
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func (r *ReplicaSet) claimPods(ctx context.Context, rs *apps.ReplicaSet, sel labels.Selector, pods []*core.Pod) ([]*core.Pod, error) {
	c := &claim[core.Pod, *core.Pod]{
		objects: r.pods.pods,
		owner:   rs,
		ref:     controllerRef(rs, "apps/v1", "ReplicaSet"),
		matches: func(p *core.Pod) bool { return sel.Matches(p.Labels) },
		canAdopt: freshOwner(func(ctx context.Context) (meta.Object, error) {
			return r.rsets.Get(ctx, rs.Namespace, rs.Name)
		}, rs),
	}
	return c.run(ctx, pods)
}

// manage creates or deletes pods to match rs.spec.replicas, recording
// what it issued as expectations first so that the next sync waits for
// the cache to show it.
func (r *ReplicaSet) manage(ctx context.Context, key string, rs *apps.ReplicaSet, pods []*core.Pod) error {
	diff := len(pods) - int(replicasOf(rs.Spec.Replicas))
	switch {
	case diff < 0:
		n := min(-diff, burstReplicas)
		r.exp.expectCreations(key, n)
		ref := controllerRef(rs, "apps/v1", "ReplicaSet")
		r.log.Debug("creating pods", "replicaset", key, "need", replicasOf(rs.Spec.Replicas), "creating", n)
		created, err := slowStartBatch(n, 1, func() error {
			return r.pods.create(ctx, rs, &rs.Spec.Template, ref)
		})
		// Creations never attempted, or failed, will never be observed.
		for range n - created {
			r.exp.creationObserved(key)
		}
		return err
	case diff > 0:
		n := min(diff, burstReplicas)
		victims := podsToDelete(pods, r.relatedPods(rs, pods), n)
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = objectKey(p)
		}
		r.exp.expectDeletions(key, keys)
		r.log.Debug("deleting pods", "replicaset", key, "need", replicasOf(rs.Spec.Replicas), "deleting", n)
		errs := make([]error, len(victims))
		var wg sync.WaitGroup
		for i, p := range victims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := r.pods.delete(ctx, rs, p); err != nil {
					// Never to be observed as deleted by us.
					r.exp.deletionObserved(key, objectKey(p))
					if !errors.Is(err, errdefs.ErrNotFound) {
						errs[i] = err
					}
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	return nil
}

// relatedPods are the active pods of every ReplicaSet controlled by the
// same owner as rs (its Deployment), or rs's own pods when it has none.
func (r *ReplicaSet) relatedPods(rs *apps.ReplicaSet, own []*core.Pod) []*core.Pod {
	owner := rs.ControllerRef()
	if owner == nil {
		return own
	}
	family := map[string]bool{}
	for _, sib := range r.rsInf.ByIndex(indexNamespace, rs.Namespace) {
		if ref := sib.ControllerRef(); ref != nil && ref.UID == owner.UID {
			family[sib.UID] = true
		}
	}
	var out []*core.Pod
	for _, p := range r.podInf.ByIndex(indexNamespace, rs.Namespace) {
		if ref := p.ControllerRef(); ref != nil && family[ref.UID] && isActivePod(p) {
			out = append(out, p)
		}
	}
	return out
}

// updateStatus writes st as rs's status, unless nothing changed, and
// returns the ReplicaSet as it now is.
func (r *ReplicaSet) updateStatus(ctx context.Context, rs *apps.ReplicaSet, st apps.ReplicaSetStatus) (*apps.ReplicaSet, error) {
	st.ObservedGeneration = rs.Generation
	if replicaSetStatusEqual(rs.Status, st) {
		return rs, nil
	}
	next := meta.DeepCopy(rs)
	next.Status = st
	out, err := r.rsets.UpdateStatus(ctx, next)
	if err != nil {
		if errors.Is(err, errdefs.ErrNotFound) {
			return rs, nil
		}
		return nil, fmt.Errorf("updating status of replicaset %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	return out, nil
}
