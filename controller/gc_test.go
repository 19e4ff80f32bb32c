package controller

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// gcObj builds the metadata of an object for graph tests.
type gcObj struct{ m meta.PartialObjectMetadata }

func newGCObj(name, uid string) *gcObj {
	return &gcObj{m: meta.PartialObjectMetadata{ObjectMeta: meta.ObjectMeta{Namespace: "ns", Name: name, UID: uid}}}
}

func (o *gcObj) ownedBy(name, uid string, block bool) *gcObj {
	o.m.OwnerReferences = append(o.m.OwnerReferences, meta.OwnerReference{
		APIVersion: "apps/v1", Kind: "ReplicaSet", Name: name, UID: uid, BlockOwnerDeletion: &block,
	})
	return o
}

func (o *gcObj) deleting(finalizers ...string) *gcObj {
	now := meta.Now()
	o.m.DeletionTimestamp = &now
	o.m.Finalizers = finalizers
	return o
}

func (o *gcObj) meta() *meta.PartialObjectMetadata { m := o.m; return &m }

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestGCGraphVirtualOwner(t *testing.T) {
	g := newGCGraph()
	rs, pod := apps.ReplicaSetResource(), core.PodResource()
	w := g.apply(pod, meta.Added, newGCObj("p", "pod-1").ownedBy("rs", "rs-1", true).meta())
	if got, want := w.attemptToDelete, []string{"rs-1"}; !cmp.Equal(got, want) {
		t.Fatalf("a dependent of an unseen owner: attemptToDelete got %v, want %v (verify the owner)", got, want)
	}
	v, ok := g.view("rs-1")
	if !ok || !v.virtual || v.kind != "ReplicaSet" || v.name != "rs" || v.namespace != "ns" {
		t.Fatalf("virtual owner: got %+v ok=%v, want a virtual ReplicaSet ns/rs", v.gcNode, ok)
	}
	g.apply(rs, meta.Added, newGCObj("rs", "rs-1").meta())
	if v, _ := g.view("rs-1"); v.virtual || len(v.dependents) != 1 || !v.dependents[0].blockOwnerDeletion {
		t.Fatalf("observed owner: got virtual=%v dependents=%+v, want a real node with one blocking dependent", v.virtual, v.dependents)
	}
	if deps := g.removeVirtual("rs-1"); deps != nil {
		t.Fatalf("removeVirtual of an observed node: got %v, want nil", deps)
	}
}

func TestGCGraphOwnerDeleted(t *testing.T) {
	g := newGCGraph()
	rs, pod := apps.ReplicaSetResource(), core.PodResource()
	g.apply(rs, meta.Added, newGCObj("rs", "rs-1").meta())
	g.apply(pod, meta.Added, newGCObj("a", "pod-a").ownedBy("rs", "rs-1", true).meta())
	g.apply(pod, meta.Added, newGCObj("b", "pod-b").ownedBy("rs", "rs-1", false).meta())
	w := g.apply(rs, meta.Deleted, newGCObj("rs", "rs-1").meta())
	if got, want := sorted(w.attemptToDelete), []string{"pod-a", "pod-b"}; !cmp.Equal(got, want) {
		t.Fatalf("owner deleted: attemptToDelete got %v, want %v", got, want)
	}
	if _, ok := g.view("rs-1"); ok {
		t.Fatal("deleted owner still in the graph")
	}
}

func TestGCGraphForegroundAndOrphan(t *testing.T) {
	rs, pod := apps.ReplicaSetResource(), core.PodResource()
	t.Run("foreground", func(t *testing.T) {
		g := newGCGraph()
		g.apply(rs, meta.Added, newGCObj("rs", "rs-1").meta())
		g.apply(pod, meta.Added, newGCObj("a", "pod-a").ownedBy("rs", "rs-1", true).meta())
		w := g.apply(rs, meta.Modified, newGCObj("rs", "rs-1").deleting(meta.FinalizerForeground).meta())
		if got, want := sorted(w.attemptToDelete), []string{"pod-a", "rs-1"}; !cmp.Equal(got, want) {
			t.Fatalf("foreground deletion begins: attemptToDelete got %v, want %v", got, want)
		}
		// A dependent going away brings the waiting owner back.
		w = g.apply(pod, meta.Deleted, newGCObj("a", "pod-a").meta())
		if got, want := w.attemptToDelete, []string{"rs-1"}; !cmp.Equal(got, want) {
			t.Fatalf("last dependent deleted: attemptToDelete got %v, want %v", got, want)
		}
	})
	t.Run("orphan", func(t *testing.T) {
		g := newGCGraph()
		g.apply(rs, meta.Added, newGCObj("rs", "rs-1").meta())
		w := g.apply(rs, meta.Modified, newGCObj("rs", "rs-1").deleting(meta.FinalizerOrphan).meta())
		if got, want := w.attemptToOrphan, []string{"rs-1"}; !cmp.Equal(got, want) {
			t.Fatalf("orphan deletion: attemptToOrphan got %v, want %v", got, want)
		}
	})
	t.Run("reference dropped", func(t *testing.T) {
		g := newGCGraph()
		g.apply(pod, meta.Added, newGCObj("a", "pod-a").ownedBy("rs", "rs-1", true).meta())
		g.apply(pod, meta.Modified, newGCObj("a", "pod-a").meta())
		if _, ok := g.view("rs-1"); ok {
			t.Fatal("a virtual owner that no dependent names any more is still in the graph")
		}
	})
}

func TestGCDecide(t *testing.T) {
	const (
		solid    = gcOwnerSolid
		dangling = gcOwnerDangling
		waiting  = gcOwnerWaiting
	)
	tests := []struct {
		name          string
		owners        []gcOwnerState
		hasDependents bool
		want          gcAction
	}{
		{"no owners", nil, false, gcKeep},
		{"owner alive", []gcOwnerState{solid}, false, gcKeep},
		{"owner gone", []gcOwnerState{dangling}, false, gcDelete},
		{"one of two owners gone", []gcOwnerState{solid, dangling}, false, gcRemoveRefs},
		{"one owner alive, one in foreground deletion", []gcOwnerState{waiting, solid}, true, gcRemoveRefs},
		{"owner in foreground deletion", []gcOwnerState{waiting}, false, gcDelete},
		{"owner in foreground deletion, dependent owns others", []gcOwnerState{waiting}, true, gcDeleteForeground},
		{"all owners gone", []gcOwnerState{dangling, dangling}, true, gcDelete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gcDecide(tt.owners, tt.hasDependents); got != tt.want {
				t.Errorf("gcDecide(%v, %v) = %v, want %v", tt.owners, tt.hasDependents, got, tt.want)
			}
		})
	}
}
