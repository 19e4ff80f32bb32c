package registry

import (
	"context"
	"errors"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/storage"
)

// deleteStrategy is what a kind adds to deletion beyond finalizers.
type deleteStrategy struct {
	// begin is called when deletion starts (a Namespace turns Terminating).
	begin func(obj meta.Object)
	// blocked reports whether something besides metadata.finalizers still
	// holds the object (a Namespace's spec.finalizers).
	blocked func(obj meta.Object) bool
}

// deleteStrategies by kind. Immutable after init of the package: a table,
// not state.
var deleteStrategies = map[string]deleteStrategy{
	"Namespace": namespaceDeletion,
}

// Delete deletes an object, or starts its deletion: an object with
// finalizers, or a Pod with a grace period, gets a deletionTimestamp and is
// removed when they are done. It returns the object as it was deleted (or is
// now, while deletion is under way) and whether it is gone.
func (r *Registry) Delete(ctx context.Context, ns, name string, opts *meta.DeleteOptions) (meta.Object, bool, error) {
	if opts == nil {
		opts = &meta.DeleteOptions{}
	}
	dryRun := len(opts.DryRun) > 0
	key := r.key(ns, name)
	for {
		kv, err := r.store.Get(ctx, key)
		if err != nil {
			return nil, false, r.storageError(err, name)
		}
		cur, err := r.decode(kv.Value, kv.ModRevision)
		if err != nil {
			return nil, false, errdefs.Internal(err)
		}
		m := cur.GetObjectMeta()
		if p := opts.Preconditions; p != nil {
			if p.UID != nil && *p.UID != m.UID {
				return nil, false, errdefs.Conflict(r.res.GroupResource(), name,
					"Precondition failed: UID in precondition: "+*p.UID+", UID in object meta: "+m.UID)
			}
			if p.ResourceVersion != nil && *p.ResourceVersion != m.ResourceVersion {
				return nil, false, errdefs.Conflict(r.res.GroupResource(), name,
					"Precondition failed: ResourceVersion in precondition: "+*p.ResourceVersion+", ResourceVersion in object meta: "+m.ResourceVersion)
			}
		}
		next, changed := r.beginDeletion(cur, opts)
		if !changed && m.DeletionTimestamp == nil || r.deletable(next) {
			if dryRun {
				return cur, true, nil
			}
			if _, err := r.store.Delete(ctx, key, kv.ModRevision); err != nil {
				if errors.Is(err, storage.ErrConflict) {
					continue
				}
				return nil, false, r.storageError(err, name)
			}
			return cur, true, nil
		}
		if !changed || dryRun {
			return next, false, nil
		}
		b, err := r.encode(next)
		if err != nil {
			return nil, false, err
		}
		rev, err := r.store.Update(ctx, key, b, kv.ModRevision)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, false, r.storageError(err, name)
		}
		next.GetObjectMeta().ResourceVersion = formatRev(rev)
		return next, false, nil
	}
}

// beginDeletion returns cur marked for deletion as opts ask, and whether
// that changed it. An unchanged object with no deletionTimestamp has nothing
// holding it and can be deleted at once.
func (r *Registry) beginDeletion(cur meta.Object, opts *meta.DeleteOptions) (meta.Object, bool) {
	next := meta.DeepCopy(cur)
	m := next.GetObjectMeta()
	changed := false

	policy := ""
	if opts.PropagationPolicy != nil {
		policy = *opts.PropagationPolicy
	} else if opts.OrphanDependents != nil && *opts.OrphanDependents {
		policy = meta.DeletePropagationOrphan
	}
	switch policy {
	case meta.DeletePropagationOrphan:
		changed = addFinalizer(m, meta.FinalizerOrphan) || changed
	case meta.DeletePropagationForeground:
		changed = addFinalizer(m, meta.FinalizerForeground) || changed
	}

	var grace int64
	if r.res.DeleteGracePeriod != nil {
		grace = r.res.DeleteGracePeriod(next, opts.GracePeriodSeconds)
	}
	s, hasStrategy := deleteStrategies[r.res.Kind]
	held := len(m.Finalizers) > 0 || grace > 0 || (hasStrategy && s.blocked(next))
	if !held {
		if m.DeletionTimestamp != nil {
			// A graceful deletion cut short: nothing holds it any more.
			var zero int64
			m.DeletionGracePeriodSeconds = &zero
		}
		return next, changed
	}
	if m.DeletionTimestamp == nil {
		now := meta.NewTime(r.now())
		if grace > 0 {
			now = meta.NewTime(r.now().Add(secondsDuration(grace)))
		}
		m.DeletionTimestamp = &now
		m.DeletionGracePeriodSeconds = &grace
		if hasStrategy && s.begin != nil {
			s.begin(next)
		}
		changed = true
	} else if m.DeletionGracePeriodSeconds != nil && grace < *m.DeletionGracePeriodSeconds {
		// A second delete may shorten the grace period, never lengthen it.
		m.DeletionGracePeriodSeconds = &grace
		changed = true
	}
	return next, changed
}

func addFinalizer(m *meta.ObjectMeta, f string) bool {
	if m.HasFinalizer(f) {
		return false
	}
	m.Finalizers = append(m.Finalizers, f)
	return true
}
