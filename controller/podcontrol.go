package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// Events the pod-owning controllers record, with Kubernetes' reasons.
const (
	reasonSuccessfulCreate = "SuccessfulCreate"
	reasonFailedCreate     = "FailedCreate"
	reasonSuccessfulDelete = "SuccessfulDelete"
	reasonFailedDelete     = "FailedDelete"
)

// podControl creates and deletes the pods of a controller object, and
// tells users about it in events on that object.
type podControl struct {
	pods *client.Resource[core.Pod, *core.Pod]
	rec  *events.Recorder
}

// controllerRef is the owner reference that makes owner the controller of
// a dependent; blockOwnerDeletion lets a foreground deletion of the owner
// wait for it.
func controllerRef(owner meta.Object, apiVersion, kind string) meta.OwnerReference {
	m := owner.GetObjectMeta()
	yes := true
	return meta.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: m.Name, UID: m.UID, Controller: &yes, BlockOwnerDeletion: &yes}
}

// podFromTemplate is the pod a controller named owner stamps out of tmpl:
// the template's labels, annotations, finalizers and spec, a name
// generated from the owner's, and ref making the owner its controller.
func podFromTemplate(tmpl *core.PodTemplateSpec, ns, owner string, ref meta.OwnerReference) *core.Pod {
	t := meta.DeepCopy(*tmpl)
	prefix := owner + "-"
	if len(validate.DNS1123Subdomain(prefix+"a")) != 0 {
		prefix = owner
	}
	return &core.Pod{
		ObjectMeta: meta.ObjectMeta{
			GenerateName:    prefix,
			Namespace:       ns,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []meta.OwnerReference{ref},
		},
		Spec: t.Spec,
	}
}

// create creates one pod from tmpl for owner and records the outcome.
func (pc podControl) create(ctx context.Context, owner meta.Object, tmpl *core.PodTemplateSpec, ref meta.OwnerReference) error {
	m := owner.GetObjectMeta()
	pod, err := pc.pods.Create(ctx, m.Namespace, podFromTemplate(tmpl, m.Namespace, m.Name, ref))
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			pc.rec.Eventf(owner, core.EventTypeWarning, reasonFailedCreate, "Error creating: %v", err)
		}
		return err
	}
	pc.rec.Eventf(owner, core.EventTypeNormal, reasonSuccessfulCreate, "Created pod: %s", pod.Name)
	return nil
}

// delete deletes pod, a pod of owner, gracefully, and records it; the UID
// precondition spares a pod that took the name since. A pod already gone
// is an errdefs.ErrNotFound the caller may ignore.
func (pc podControl) delete(ctx context.Context, owner meta.Object, pod *core.Pod) error {
	uid := pod.UID
	err := pc.pods.Delete(ctx, pod.Namespace, pod.Name, &meta.DeleteOptions{Preconditions: &meta.Preconditions{UID: &uid}})
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		return err
	case errors.Is(err, errdefs.ErrConflict):
		// The UID precondition failed: the pod we meant is gone and
		// another took its name.
		return fmt.Errorf("pod %s/%s: %w", pod.Namespace, pod.Name, errdefs.ErrNotFound)
	case err != nil:
		if !errors.Is(err, context.Canceled) {
			pc.rec.Eventf(owner, core.EventTypeWarning, reasonFailedDelete, "Error deleting: %v", err)
		}
		return err
	}
	pc.rec.Eventf(owner, core.EventTypeNormal, reasonSuccessfulDelete, "Deleted pod: %s", pod.Name)
	return nil
}

// slowStartBatch calls fn count times, in batches that double from
// initial (1, 2, 4, ...), the calls of a batch in parallel, and stops after
// the first batch in which a call failed. A request that fails for every
// pod (a quota, a bad template) thus costs one call, not hundreds, while a
// healthy one still finishes in a logarithmic number of rounds. It returns
// how many calls succeeded and the first error.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining, successes := count, 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errs := make(chan error, batch)
		var wg sync.WaitGroup
		for range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := fn(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		successes += batch - len(errs)
		if len(errs) > 0 {
			return successes, <-errs
		}
		remaining -= batch
	}
	return successes, nil
}
