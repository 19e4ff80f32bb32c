package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// GarbageCollector deletes objects whose owners are gone, and carries out
// the Foreground and Orphan deletion of owners, as Kubernetes' garbage
// collector does.
//
//	one metadata list+watch per kind ──▶ graph (uid → owners, dependents)
//	    ──changes──▶ attemptToDelete(uid) / attemptToOrphan(uid)
//	attemptToDelete: a virtual owner (named, never seen) is checked with a
//	    GET; a dependent whose owners are all gone (by GET) is deleted; one
//	    with some owners left loses its references to the gone ones; an
//	    owner in foreground deletion loses its foregroundDeletion finalizer
//	    once no dependent with blockOwnerDeletion is left.
//	attemptToOrphan: remove the owner's references from its dependents,
//	    then its orphan finalizer.
type GarbageCollector struct {
	client   *client.Client
	graph    *gcGraph
	monitors []*gcMonitor
	deleteQ  *Queue[string] // uids
	orphanQ  *Queue[string] // uids
	log      *slog.Logger

	mu     sync.Mutex
	absent map[string]struct{} // uids known to be gone for good
}

// gcIgnored are kinds that never own or are owned: watching them would
// only cost.
var gcIgnored = map[string]bool{"v1/Event": true}

// maxAbsent bounds the cache of uids known to be gone.
const maxAbsent = 10000

// NewGarbageCollector returns the garbage collector of every kind in c's
// scheme. It takes the arguments every controller takes but uses neither
// the shared informers (it watches the metadata of every kind itself) nor
// the recorder (like Kubernetes', it reports through its log).
func NewGarbageCollector(c *client.Client, _ *Informers, _ *events.Recorder, log *slog.Logger) *GarbageCollector {
	gc := &GarbageCollector{
		client:  c,
		graph:   newGCGraph(),
		deleteQ: NewQueue[string](50*time.Millisecond, 30*time.Second),
		orphanQ: NewQueue[string](50*time.Millisecond, 30*time.Second),
		log:     log.With("controller", "garbagecollector"),
		absent:  map[string]struct{}{},
	}
	for _, res := range c.Scheme().Resources() {
		if gcIgnored[res.APIVersion()+"/"+res.Kind] {
			continue
		}
		gc.monitors = append(gc.monitors, newGCMonitor(c, res, gc.log, gc.observe))
	}
	return gc
}

// observe is called by the monitors for every change.
func (gc *GarbageCollector) observe(res *scheme.Resource, evType string, obj *meta.PartialObjectMetadata) {
	if evType == meta.Deleted {
		gc.markAbsent(obj.UID)
	}
	w := gc.graph.apply(res, evType, obj)
	for _, uid := range w.attemptToDelete {
		gc.deleteQ.Add(uid)
	}
	for _, uid := range w.attemptToOrphan {
		gc.orphanQ.Add(uid)
	}
}

// Run collects garbage until ctx ends. Workers start once every kind has
// been listed, so that no owner looks absent merely for not being read
// yet.
func (gc *GarbageCollector) Run(ctx context.Context, workers int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		gc.deleteQ.ShutDown()
		gc.orphanQ.ShutDown()
	}()
	for _, m := range gc.monitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.run(ctx)
		}()
	}
	for _, m := range gc.monitors {
		select {
		case <-m.synced:
		case <-ctx.Done():
			return nil
		}
	}
	gc.log.Info("garbage collector graph synced", "kinds", len(gc.monitors))
	for i := 0; i < max(workers, 1); i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for gc.processNext(ctx, gc.deleteQ, gc.attemptToDelete) {
			}
		}()
		go func() {
			defer wg.Done()
			for gc.processNext(ctx, gc.orphanQ, gc.attemptToOrphan) {
			}
		}()
	}
	<-ctx.Done()
	return nil
}

func (gc *GarbageCollector) processNext(ctx context.Context, q *Queue[string], fn func(context.Context, string) error) bool {
	uid, ok := q.Get()
	if !ok {
		return false
	}
	defer q.Done(uid)
	if err := fn(ctx, uid); err != nil {
		if ctx.Err() == nil {
			gc.log.Warn("garbage collecting", "uid", uid, "err", err)
		}
		q.AddRateLimited(uid)
		return true
	}
	q.Forget(uid)
	return true
}

func (gc *GarbageCollector) markAbsent(uid string) {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if len(gc.absent) >= maxAbsent {
		clear(gc.absent)
	}
	gc.absent[uid] = struct{}{}
}

func (gc *GarbageCollector) isAbsent(uid string) bool {
	gc.mu.Lock()
	defer gc.mu.Unlock()
	_, ok := gc.absent[uid]
	return ok
}

// gcOwnerState is what became of one owner of a dependent.
type gcOwnerState int

const (
	// gcOwnerSolid: the owner exists and is not waiting on its dependents.
	gcOwnerSolid gcOwnerState = iota
	// gcOwnerDangling: no object of that uid exists.
	gcOwnerDangling
	// gcOwnerWaiting: the owner is in foreground deletion.
	gcOwnerWaiting
)

// gcAction is what the collector does with a dependent.
type gcAction int

const (
	gcKeep gcAction = iota
	// gcRemoveRefs: drop the references to gone or foreground-deleted
	// owners; the dependent lives on with its remaining owners.
	gcRemoveRefs
	// gcDeleteForeground: delete, in foreground, a dependent that has
	// dependents itself, so that its owner keeps waiting for them too.
	gcDeleteForeground
	gcDelete
)

// gcDecide chooses what to do with a live dependent given the states of
// its owners.
func gcDecide(owners []gcOwnerState, hasDependents bool) gcAction {
	solid, waiting := 0, 0
	for _, s := range owners {
		switch s {
		case gcOwnerSolid:
			solid++
		case gcOwnerWaiting:
			waiting++
		}
	}
	switch {
	case len(owners) == 0:
		return gcKeep
	case solid > 0 && solid == len(owners):
		return gcKeep
	case solid > 0:
		return gcRemoveRefs
	case waiting > 0 && hasDependents:
		return gcDeleteForeground
	}
	return gcDelete
}

// gcObject is the part of an object the collector reads from the server.
type gcObject = meta.PartialObjectMetadata

// get reads an object's metadata; nil, nil when it does not exist.
func (gc *GarbageCollector) get(ctx context.Context, res *scheme.Resource, ns, name string) (*gcObject, error) {
	if !res.Namespaced {
		ns = ""
	}
	raw, err := gc.client.Dynamic(res).Get(ctx, ns, name)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var obj gcObject
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decoding %s %s: %w", res.Kind, name, err)
	}
	return &obj, nil
}

// ownerState finds out what became of the owner ref of a dependent in ns.
// The graph may lag behind the server, so an owner it does not show is
// looked up before being called gone.
func (gc *GarbageCollector) ownerState(ctx context.Context, ns string, ref meta.OwnerReference) (gcOwnerState, error) {
	if gc.isAbsent(ref.UID) {
		return gcOwnerDangling, nil
	}
	if v, ok := gc.graph.view(ref.UID); ok && !v.virtual {
		if v.deletingDependents() {
			return gcOwnerWaiting, nil
		}
		return gcOwnerSolid, nil
	}
	res, ok := gc.client.Scheme().ByKind(ref.APIVersion, ref.Kind)
	if !ok {
		// A kind we cannot look up might exist: never delete on a guess.
		return gcOwnerSolid, nil
	}
	owner, err := gc.get(ctx, res, ns, ref.Name)
	if err != nil {
		return gcOwnerSolid, err
	}
	if owner == nil || owner.UID != ref.UID {
		gc.markAbsent(ref.UID)
		return gcOwnerDangling, nil
	}
	if owner.DeletionTimestamp != nil && owner.HasFinalizer(meta.FinalizerForeground) {
		return gcOwnerWaiting, nil
	}
	return gcOwnerSolid, nil
}

// attemptToDelete looks at one object of the graph: a virtual owner to
// verify, an owner in foreground deletion, or a dependent whose owners
// may be gone.
func (gc *GarbageCollector) attemptToDelete(ctx context.Context, uid string) error {
	v, ok := gc.graph.view(uid)
	if !ok {
		return nil
	}
	if v.virtual {
		return gc.verifyVirtual(ctx, v)
	}
	if v.deletingDependents() {
		return gc.deleteDependentsFirst(ctx, v)
	}
	res, ok := gc.client.Scheme().ByKind(v.apiVersion, v.kind)
	if !ok {
		return nil
	}
	item, err := gc.get(ctx, res, v.namespace, v.name)
	if err != nil || item == nil || item.UID != uid {
		return err // gone or replaced: the watch will say so
	}
	if item.DeletionTimestamp != nil || len(item.OwnerReferences) == 0 {
		return nil
	}
	states := make([]gcOwnerState, len(item.OwnerReferences))
	for i, ref := range item.OwnerReferences {
		if states[i], err = gc.ownerState(ctx, item.Namespace, ref); err != nil {
			return fmt.Errorf("looking up owner %s %s of %s %s/%s: %w", ref.Kind, ref.Name, res.Kind, item.Namespace, item.Name, err)
		}
	}
	switch gcDecide(states, len(v.dependents) > 0) {
	case gcRemoveRefs:
		var gone []string
		for i, ref := range item.OwnerReferences {
			if states[i] != gcOwnerSolid {
				gone = append(gone, ref.UID)
			}
		}
		return gc.removeOwnerRefs(ctx, res, item, gone)
	case gcDeleteForeground:
		return gc.deleteObject(ctx, res, item, meta.DeletePropagationForeground)
	case gcDelete:
		policy := meta.DeletePropagationBackground
		switch {
		case item.HasFinalizer(meta.FinalizerOrphan):
			policy = meta.DeletePropagationOrphan
		case item.HasFinalizer(meta.FinalizerForeground):
			policy = meta.DeletePropagationForeground
		}
		return gc.deleteObject(ctx, res, item, policy)
	}
	return nil
}

// verifyVirtual asks the server whether an owner the graph has only heard
// of exists; if not, its dependents have lost it.
func (gc *GarbageCollector) verifyVirtual(ctx context.Context, v gcView) error {
	ref := meta.OwnerReference{APIVersion: v.apiVersion, Kind: v.kind, Name: v.name, UID: v.uid}
	state, err := gc.ownerState(ctx, v.namespace, ref)
	if err != nil {
		return err
	}
	if state != gcOwnerDangling {
		return nil // it exists; its monitor will show it
	}
	for _, dep := range gc.graph.removeVirtual(v.uid) {
		gc.deleteQ.Add(dep)
	}
	return nil
}

// deleteDependentsFirst drives an owner's foreground deletion: its
// dependents go first, and once none that block it is left, so does its
// foregroundDeletion finalizer, which lets the server remove it.
func (gc *GarbageCollector) deleteDependentsFirst(ctx context.Context, v gcView) error {
	blocking := 0
	for _, d := range v.dependents {
		if !d.blockOwnerDeletion {
			continue
		}
		blocking++
		if !d.deletingDependents {
			gc.deleteQ.Add(d.uid)
		}
	}
	if blocking > 0 {
		return nil // each dependent's removal brings the owner back here
	}
	res, ok := gc.client.Scheme().ByKind(v.apiVersion, v.kind)
	if !ok {
		return nil
	}
	return gc.removeFinalizer(ctx, res, v.namespace, v.name, meta.FinalizerForeground)
}

// attemptToOrphan lets go of an owner's dependents, then removes its
// orphan finalizer.
func (gc *GarbageCollector) attemptToOrphan(ctx context.Context, uid string) error {
	v, ok := gc.graph.view(uid)
	if !ok || v.virtual || !v.orphaning() {
		return nil
	}
	var errs []error
	for _, d := range v.dependents {
		dv, ok := gc.graph.view(d.uid)
		if !ok {
			continue
		}
		res, ok := gc.client.Scheme().ByKind(dv.apiVersion, dv.kind)
		if !ok {
			continue
		}
		obj := &gcObject{ObjectMeta: meta.ObjectMeta{Namespace: dv.namespace, Name: dv.name}}
		if err := gc.removeOwnerRefs(ctx, res, obj, []string{uid}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	res, ok := gc.client.Scheme().ByKind(v.apiVersion, v.kind)
	if !ok {
		return nil
	}
	return gc.removeFinalizer(ctx, res, v.namespace, v.name, meta.FinalizerOrphan)
}

// removeOwnerRefs deletes the references to the owner uids from obj with
// a strategic merge patch, which names them by uid and so cannot undo a
// concurrent change of the other references.
func (gc *GarbageCollector) removeOwnerRefs(ctx context.Context, res *scheme.Resource, obj *gcObject, uids []string) error {
	refs := make([]map[string]string, len(uids))
	for i, uid := range uids {
		refs[i] = map[string]string{"$patch": "delete", "uid": uid}
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs}})
	if err != nil {
		return err
	}
	_, err = gc.client.Dynamic(res).Patch(ctx, gcNamespace(res, obj.Namespace), obj.Name, client.StrategicMergePatch, body)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing owner references from %s %s/%s: %w", res.Kind, obj.Namespace, obj.Name, err)
	}
	gc.log.Debug("removed owner references", "kind", res.Kind, "namespace", obj.Namespace, "name", obj.Name, "owners", uids)
	return nil
}

// removeFinalizer takes finalizer f off an object; if it was the last, the
// server deletes the object.
func (gc *GarbageCollector) removeFinalizer(ctx context.Context, res *scheme.Resource, ns, name, f string) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"$deleteFromPrimitiveList/finalizers": []string{f}}})
	if err != nil {
		return err
	}
	_, err = gc.client.Dynamic(res).Patch(ctx, gcNamespace(res, ns), name, client.StrategicMergePatch, body)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing finalizer %s from %s %s/%s: %w", f, res.Kind, ns, name, err)
	}
	gc.log.Info("removed finalizer", "finalizer", f, "kind", res.Kind, "namespace", ns, "name", name)
	return nil
}

// deleteObject deletes a dependent whose owners are gone, provided it is
// still the object of that uid.
func (gc *GarbageCollector) deleteObject(ctx context.Context, res *scheme.Resource, obj *gcObject, policy string) error {
	uid := obj.UID
	opts := &meta.DeleteOptions{PropagationPolicy: &policy, Preconditions: &meta.Preconditions{UID: &uid}}
	_, err := gc.client.Dynamic(res).Delete(ctx, gcNamespace(res, obj.Namespace), obj.Name, opts)
	if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", res.Kind, obj.Namespace, obj.Name, err)
	}
	gc.log.Info("deleted a dependent whose owners are gone", "kind", res.Kind, "namespace", obj.Namespace, "name", obj.Name, "propagation", policy)
	return nil
}

func gcNamespace(res *scheme.Resource, ns string) string {
	if !res.Namespaced {
		return ""
	}
	return ns
}
