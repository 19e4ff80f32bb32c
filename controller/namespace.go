package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// Namespace empties namespaces that are being deleted, then clears their
// "kubernetes" finalizer so that the API server removes them.
//
//	namespace informer ──deletionTimestamp set──▶ queue(name) ──▶ sync:
//	    delete every namespaced object in it; any left (finalizers, grace
//	    periods)? retry later : PUT /namespaces/{name}/finalize
type Namespace struct {
	client     *client.Client
	namespaces *client.Informer[core.Namespace, *core.Namespace]
	queue      *Queue[string]
	log        *slog.Logger
	// Recheck is how soon a namespace with content still going away is
	// looked at again.
	Recheck time.Duration
}

// NewNamespace returns the namespace controller; the caller starts f.
func NewNamespace(c *client.Client, f *Informers, log *slog.Logger) *Namespace {
	n := &Namespace{
		client:     c,
		namespaces: InformerFor[core.Namespace](f),
		queue:      NewQueue[string](100*time.Millisecond, 30*time.Second),
		log:        log.With("controller", "namespace"),
		Recheck:    time.Second,
	}
	enqueue := func(ns *core.Namespace) {
		if ns.DeletionTimestamp != nil {
			n.queue.Add(ns.Name)
		}
	}
	n.namespaces.AddHandler(client.Handler[*core.Namespace]{
		OnAdd:    enqueue,
		OnUpdate: func(_, ns *core.Namespace) { enqueue(ns) },
	})
	return n
}

// Run runs the workers until ctx ends; the shared informers must be started.
func (n *Namespace) Run(ctx context.Context, workers int) error {
	return runWorkers(ctx, n.queue, workers, n.log, n.sync, n.namespaces.WaitForSync)
}

func (n *Namespace) sync(ctx context.Context, name string) error {
	ns, ok := n.namespaces.Get("", name)
	if !ok || ns.DeletionTimestamp == nil {
		return nil
	}
	remaining := 0
	for _, res := range n.client.Scheme().Resources() {
		if !res.Namespaced {
			continue
		}
		dyn := n.client.Dynamic(res)
		left, err := n.deleteAll(ctx, dyn, name)
		if err != nil {
			return fmt.Errorf("%s: %w", res.Plural, err)
		}
		remaining += left
	}
	if remaining > 0 {
		// Content held by finalizers or grace periods goes away by
		// itself: look again soon, without the back-off of a failure.
		n.queue.AddAfter(name, n.Recheck)
		return nil
	}
	return n.finalize(ctx, ns)
}

// deleteAll deletes every object of one kind in the namespace and returns
// how many are still there (held by finalizers or grace periods).
func (n *Namespace) deleteAll(ctx context.Context, dyn *client.Dynamic, ns string) (int, error) {
	raw, err := dyn.List(ctx, ns, client.ListOptions{})
	if err != nil {
		return 0, err
	}
	var list meta.List[meta.PartialObjectMetadata]
	if err := json.Unmarshal(raw, &list); err != nil {
		return 0, err
	}
	left := 0
	for _, it := range list.Items {
		if it.DeletionTimestamp != nil {
			left++
			continue
		}
		policy := meta.DeletePropagationBackground
		out, err := dyn.Delete(ctx, ns, it.Name, &meta.DeleteOptions{PropagationPolicy: &policy})
		if errors.Is(err, errdefs.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		var after meta.PartialObjectMetadata
		if json.Unmarshal(out, &after) == nil && after.DeletionTimestamp != nil && after.UID == it.UID {
			// Deletion started but waits on finalizers or a grace period.
			if _, err := dyn.Get(ctx, ns, it.Name); err == nil {
				left++
			}
		}
	}
	return left, nil
}

// finalize removes the "kubernetes" finalizer through /finalize.
func (n *Namespace) finalize(ctx context.Context, ns *core.Namespace) error {
	next := meta.DeepCopy(ns)
	next.Spec.Finalizers = nil
	for _, f := range ns.Spec.Finalizers {
		if f != core.FinalizerKubernetes {
			next.Spec.Finalizers = append(next.Spec.Finalizers, f)
		}
	}
	if len(next.Spec.Finalizers) == len(ns.Spec.Finalizers) {
		return nil
	}
	body, err := json.Marshal(next)
	if err != nil {
		return err
	}
	res, _ := n.client.Scheme().ByKind("v1", "Namespace")
	_, err = n.client.Dynamic(res).Update(ctx, "", ns.Name, body, "finalize")
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil
	}
	if err == nil {
		n.log.Info("namespace emptied and finalized", "namespace", ns.Name)
	}
	return err
}
