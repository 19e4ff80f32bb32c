package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// controllerRig runs controllers against a real API server for one test.
type controllerRig struct {
	srv *apiservertest.Server
	c   *client.Client
	f   *Informers
	rec *events.Recorder
	log *slog.Logger
}

func newControllerRig(t *testing.T) *controllerRig {
	t.Helper()
	srv := apiservertest.Start(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &controllerRig{
		srv: srv,
		c:   srv.Client,
		f:   NewInformers(srv.Client, log),
		rec: events.NewRecorder(srv.Client, "wharf-controller-test", "test", log),
		log: log,
	}
}

// start runs the shared informers, the recorder and each of runs (a
// controller's Run) until the test ends.
func (r *controllerRig) start(t *testing.T, runs ...func(context.Context, int) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	r.f.Start(ctx)
	wg.Add(1)
	go func() { defer wg.Done(); r.rec.Run(ctx) }()
	for _, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx, 2); err != nil {
				t.Errorf("controller stopped: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		r.f.Wait()
	})
}

func gcTestPod(name string, owners ...meta.OwnerReference) *core.Pod {
	return &core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{"app": "gc"}, OwnerReferences: owners},
		Spec:       core.PodSpec{Containers: []core.Container{{Name: "c", Image: "busybox"}}},
	}
}

func gcTestReplicaSet(name string) *apps.ReplicaSet {
	replicas := int32(2)
	return &apps.ReplicaSet{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name},
		Spec: apps.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": "gc"}},
			Template: core.PodTemplateSpec{
				ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "gc"}},
				Spec:       core.PodSpec{Containers: []core.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}

func gcOwnerRef(rs *apps.ReplicaSet, block bool) meta.OwnerReference {
	yes := true
	return meta.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes, BlockOwnerDeletion: &block}
}

// gcOwnedFixture creates a replica set and n pods it owns.
func gcOwnedFixture(t *testing.T, c *client.Client, name string, n int, block bool) (*apps.ReplicaSet, []string) {
	t.Helper()
	ctx := context.Background()
	rs, err := client.For[apps.ReplicaSet](c).Create(ctx, "default", gcTestReplicaSet(name))
	if err != nil {
		t.Fatal(err)
	}
	var pods []string
	for i := range n {
		p, err := client.For[core.Pod](c).Create(ctx, "default", gcTestPod(fmt.Sprintf("%s-%d", name, i), gcOwnerRef(rs, block)))
		if err != nil {
			t.Fatal(err)
		}
		pods = append(pods, p.Name)
	}
	return rs, pods
}

func gcDeleteWith(t *testing.T, c *client.Client, rs *apps.ReplicaSet, policy string) {
	t.Helper()
	if err := client.For[apps.ReplicaSet](c).Delete(context.Background(), "default", rs.Name, &meta.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
}

// gcGone reports "" when ns/name no longer exists.
func gcGone[T any, PT interface {
	*T
	meta.Object
}](c *client.Client, name string) string {
	_, err := client.For[T, PT](c).Get(context.Background(), "default", name)
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		return ""
	case err != nil:
		return err.Error()
	}
	return name + " still exists"
}

func TestGarbageCollectorAgainstServer(t *testing.T) {
	r := newControllerRig(t)
	gc := NewGarbageCollector(r.c, r.f, r.rec, r.log)
	r.start(t, gc.Run)
	ctx := context.Background()
	pods := client.For[core.Pod](r.c)

	t.Run("background", func(t *testing.T) {
		rs, names := gcOwnedFixture(t, r.c, "bg", 3, false)
		gcDeleteWith(t, r.c, rs, meta.DeletePropagationBackground)
		apiservertest.Eventually(t, 20*time.Second, func() string {
			for _, n := range names {
				if msg := gcGone[core.Pod](r.c, n); msg != "" {
					return msg
				}
			}
			return ""
		})
	})

	t.Run("foreground", func(t *testing.T) {
		rs, names := gcOwnedFixture(t, r.c, "fg", 3, true)
		w, err := pods.Watch(ctx, "default", client.ListOptions{LabelSelector: "app=gc"})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		gcDeleteWith(t, r.c, rs, meta.DeletePropagationForeground)
		// While the pods are there, the owner waits with its finalizer.
		left := len(names)
		timeout := time.After(20 * time.Second)
		for left > 0 {
			select {
			case ev := <-w.Events():
				if ev.Type != meta.Deleted {
					continue
				}
				left--
				if left > 0 {
					got, err := client.For[apps.ReplicaSet](r.c).Get(ctx, "default", rs.Name)
					if err != nil {
						t.Fatalf("owner gone with %d dependents left: %v", left, err)
					}
					if got.DeletionTimestamp == nil || !got.HasFinalizer(meta.FinalizerForeground) {
						t.Fatalf("owner during foreground deletion: got deletionTimestamp=%v finalizers=%v, want set and [foregroundDeletion]", got.DeletionTimestamp, got.Finalizers)
					}
				}
			case <-timeout:
				t.Fatalf("%d dependents not deleted within 20s", left)
			}
		}
		apiservertest.Eventually(t, 20*time.Second, func() string { return gcGone[apps.ReplicaSet](r.c, rs.Name) })
	})

	t.Run("orphan", func(t *testing.T) {
		rs, names := gcOwnedFixture(t, r.c, "or", 2, true)
		gcDeleteWith(t, r.c, rs, meta.DeletePropagationOrphan)
		apiservertest.Eventually(t, 20*time.Second, func() string { return gcGone[apps.ReplicaSet](r.c, rs.Name) })
		for _, n := range names {
			p, err := pods.Get(ctx, "default", n)
			if err != nil {
				t.Fatalf("orphaned pod %s: %v", n, err)
			}
			if len(p.OwnerReferences) != 0 {
				t.Fatalf("orphaned pod %s: got ownerReferences %+v, want none", n, p.OwnerReferences)
			}
		}
	})

	t.Run("one of two owners gone", func(t *testing.T) {
		a, err := client.For[apps.ReplicaSet](r.c).Create(ctx, "default", gcTestReplicaSet("two-a"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := client.For[apps.ReplicaSet](r.c).Create(ctx, "default", gcTestReplicaSet("two-b"))
		if err != nil {
			t.Fatal(err)
		}
		refB := gcOwnerRef(b, false)
		refB.Controller = nil
		if _, err := pods.Create(ctx, "default", gcTestPod("two", gcOwnerRef(a, false), refB)); err != nil {
			t.Fatal(err)
		}
		gcDeleteWith(t, r.c, a, meta.DeletePropagationBackground)
		apiservertest.Eventually(t, 20*time.Second, func() string {
			p, err := pods.Get(ctx, "default", "two")
			if err != nil {
				return err.Error()
			}
			if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].UID != b.UID {
				return fmt.Sprintf("ownerReferences %+v, want only two-b's", p.OwnerReferences)
			}
			return ""
		})
	})

	t.Run("owner never existed", func(t *testing.T) {
		ghost := gcTestReplicaSet("ghost")
		ghost.UID = "00000000-0000-0000-0000-000000000001"
		if _, err := pods.Create(ctx, "default", gcTestPod("haunted", gcOwnerRef(ghost, false))); err != nil {
			t.Fatal(err)
		}
		apiservertest.Eventually(t, 20*time.Second, func() string { return gcGone[core.Pod](r.c, "haunted") })
	})
}
