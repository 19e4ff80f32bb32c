package controller

import (
	"slices"
	"sync"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// gcGraph is the garbage collector's picture of ownership: every object it
// has seen, by uid, with edges to its owners and dependents. An owner that
// dependents name but that has not been seen is a virtual node, kept until
// a GET says whether it exists.
type gcGraph struct {
	mu    sync.Mutex
	nodes map[string]*gcNode
}

type gcNode struct {
	uid string
	// apiVersion, kind, namespace and name locate the object; for a
	// virtual node they come from the first dependent's owner reference
	// (namespace: the dependent's, in case the owner kind is namespaced).
	apiVersion, kind, namespace, name string
	virtual                           bool
	owners                            []meta.OwnerReference
	dependents                        map[string]*gcNode
	deleting                          bool // deletionTimestamp set
	finalizers                        []string
}

// deletingDependents: foreground deletion, waiting for the dependents.
func (n *gcNode) deletingDependents() bool {
	return n.deleting && slices.Contains(n.finalizers, meta.FinalizerForeground)
}

// orphaning: deletion waits for the dependents to be let go.
func (n *gcNode) orphaning() bool {
	return n.deleting && slices.Contains(n.finalizers, meta.FinalizerOrphan)
}

func newGCGraph() *gcGraph { return &gcGraph{nodes: map[string]*gcNode{}} }

// gcWork is what a change to the graph asks the collector to look at.
type gcWork struct {
	attemptToDelete []string // uids: dependents that may have lost their owners, owners to verify or finalize
	attemptToOrphan []string // uids: owners whose dependents must be let go
}

func (w *gcWork) del(uid string) {
	if !slices.Contains(w.attemptToDelete, uid) {
		w.attemptToDelete = append(w.attemptToDelete, uid)
	}
}

// apply records one observed change of an object of kind res.
func (g *gcGraph) apply(res *scheme.Resource, evType string, obj *meta.PartialObjectMetadata) gcWork {
	g.mu.Lock()
	defer g.mu.Unlock()
	var w gcWork
	if evType == meta.Deleted {
		g.remove(obj.UID, &w)
		return w
	}
	n, ok := g.nodes[obj.UID]
	if !ok {
		n = &gcNode{uid: obj.UID, dependents: map[string]*gcNode{}}
		g.nodes[obj.UID] = n
	}
	var oldOwners []meta.OwnerReference
	wasDeletingDependents := false
	if ok && !n.virtual {
		oldOwners = n.owners
		wasDeletingDependents = n.deletingDependents()
	}
	n.apiVersion, n.kind = res.APIVersion(), res.Kind
	n.namespace, n.name = obj.Namespace, obj.Name
	n.virtual = false
	n.owners = slices.Clone(obj.OwnerReferences)
	n.deleting = obj.DeletionTimestamp != nil
	n.finalizers = slices.Clone(obj.Finalizers)

	for _, ref := range oldOwners {
		if ownerIndex(n.owners, ref.UID) >= 0 {
			continue
		}
		if o, ok := g.nodes[ref.UID]; ok {
			g.unlink(o, n.uid, &w)
		}
	}
	for _, ref := range n.owners {
		o, ok := g.nodes[ref.UID]
		if !ok {
			o = &gcNode{uid: ref.UID, apiVersion: ref.APIVersion, kind: ref.Kind, namespace: n.namespace,
				name: ref.Name, virtual: true, dependents: map[string]*gcNode{}}
			g.nodes[ref.UID] = o
			w.del(o.uid) // does it exist at all?
		}
		o.dependents[n.uid] = n
		if o.deletingDependents() {
			w.del(n.uid)
		}
	}
	if n.orphaning() {
		w.attemptToOrphan = append(w.attemptToOrphan, n.uid)
	}
	if n.deletingDependents() {
		if !wasDeletingDependents {
			for uid := range n.dependents {
				w.del(uid)
			}
		}
		w.del(n.uid)
	}
	return w
}

// remove forgets a deleted object: its dependents may have lost their
// last owner, and an owner waiting for it may be done.
func (g *gcGraph) remove(uid string, w *gcWork) {
	n, ok := g.nodes[uid]
	if !ok {
		return
	}
	delete(g.nodes, uid)
	for _, ref := range n.owners {
		if o, ok := g.nodes[ref.UID]; ok {
			g.unlink(o, uid, w)
		}
	}
	for dep := range n.dependents {
		w.del(dep)
	}
}

// unlink removes the edge from owner o to dependent uid.
func (g *gcGraph) unlink(o *gcNode, uid string, w *gcWork) {
	delete(o.dependents, uid)
	switch {
	case o.virtual && len(o.dependents) == 0:
		delete(g.nodes, o.uid)
	case o.deletingDependents():
		w.del(o.uid)
	}
}

// removeVirtual forgets a virtual node found not to exist and returns its
// dependents, which have lost that owner. It does nothing (and returns
// nil) if the node has been observed meanwhile.
func (g *gcGraph) removeVirtual(uid string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok || !n.virtual {
		return nil
	}
	delete(g.nodes, uid)
	deps := make([]string, 0, len(n.dependents))
	for dep := range n.dependents {
		deps = append(deps, dep)
	}
	slices.Sort(deps)
	return deps
}

// gcView is a copy of a node, safe to use without the graph's lock.
type gcView struct {
	gcNode
	dependents []gcDependent
}

// gcDependent is a dependent as its owner sees it.
type gcDependent struct {
	uid                string
	blockOwnerDeletion bool // its reference to the owner blocks foreground deletion
	deletingDependents bool
}

// view returns a copy of the node uid.
func (g *gcGraph) view(uid string) (gcView, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return gcView{}, false
	}
	v := gcView{gcNode: *n}
	v.gcNode.dependents = nil
	v.owners = slices.Clone(n.owners)
	v.finalizers = slices.Clone(n.finalizers)
	for dep, d := range n.dependents {
		gd := gcDependent{uid: dep, deletingDependents: d.deletingDependents()}
		if i := ownerIndex(d.owners, uid); i >= 0 {
			b := d.owners[i].BlockOwnerDeletion
			gd.blockOwnerDeletion = b != nil && *b
		}
		v.dependents = append(v.dependents, gd)
	}
	slices.SortFunc(v.dependents, func(a, b gcDependent) int {
		switch {
		case a.uid < b.uid:
			return -1
		case a.uid > b.uid:
			return 1
		}
		return 0
	})
	return v, true
}

func ownerIndex(refs []meta.OwnerReference, uid string) int {
	return slices.IndexFunc(refs, func(r meta.OwnerReference) bool { return r.UID == uid })
}
