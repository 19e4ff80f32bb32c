package registry

import (
	"bytes"
	"context"
	"errors"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/storage"
)

// Subresources that write part of an object.
const (
	MainResource = ""
	Status       = "status"
)

// UpdateFunc computes the new object from the current one. It may return
// the object it was given, changed; returning an error aborts the update.
type UpdateFunc func(current meta.Object) (meta.Object, error)

// Update replaces an object (PUT). A resourceVersion in obj must be the
// current one (else 409 Conflict); without one the update is unconditional.
func (r *Registry) Update(ctx context.Context, obj meta.Object, subresource string, dryRun bool) (meta.Object, error) {
	m := obj.GetObjectMeta()
	want := m.ResourceVersion
	return r.GuaranteedUpdate(ctx, m.Namespace, m.Name, subresource, dryRun, func(cur meta.Object) (meta.Object, error) {
		if want != "" && want != cur.GetObjectMeta().ResourceVersion {
			return nil, errdefs.StaleResourceVersion(r.res.GroupResource(), m.Name)
		}
		m.ResourceVersion = cur.GetObjectMeta().ResourceVersion
		return obj, nil
	})
}

// GuaranteedUpdate reads the object, applies fn, and writes the result with
// compare-and-swap, retrying from a fresh read when another write got in
// between. fn enforces any resourceVersion precondition itself by
// returning a Conflict.
func (r *Registry) GuaranteedUpdate(ctx context.Context, ns, name, subresource string, dryRun bool, fn UpdateFunc) (meta.Object, error) {
	key := r.key(ns, name)
	for {
		kv, err := r.store.Get(ctx, key)
		if err != nil {
			return nil, r.storageError(err, name)
		}
		cur, err := r.decode(kv.Value, kv.ModRevision)
		if err != nil {
			return nil, errdefs.Internal(err)
		}
		snapshot, err := r.decode(kv.Value, kv.ModRevision)
		if err != nil {
			return nil, errdefs.Internal(err)
		}
		next, err := fn(snapshot)
		if err != nil {
			return nil, err
		}
		if next, err = r.prepareUpdate(next, cur, subresource); err != nil {
			return nil, err
		}
		b, err := r.encode(next)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(b, kv.Value) {
			// Nothing changed: no write, and the resourceVersion stays,
			// so controllers that re-write the same status cost nothing.
			return cur, nil
		}
		if dryRun {
			return next, nil
		}
		if r.deletable(next) {
			// The last finalizer went away from an object being deleted.
			if _, err := r.store.Delete(ctx, key, kv.ModRevision); err != nil {
				if errors.Is(err, storage.ErrConflict) {
					continue
				}
				return nil, r.storageError(err, name)
			}
			return next, nil
		}
		rev, err := r.store.Update(ctx, key, b, kv.ModRevision)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, r.storageError(err, name)
		}
		next.GetObjectMeta().ResourceVersion = formatRev(rev)
		return next, nil
	}
}

// prepareUpdate makes next a valid successor of cur: the fields only the
// server sets are carried over, the part the subresource does not own is
// kept, generation counts spec changes, and the result is defaulted and
// validated.
func (r *Registry) prepareUpdate(next, cur meta.Object, subresource string) (meta.Object, error) {
	nm, cm := next.GetObjectMeta(), cur.GetObjectMeta()
	if nm.Name != cm.Name {
		return nil, errdefs.BadRequest("the name of the object (%s) does not match the name on the URL (%s)", nm.Name, cm.Name)
	}
	if r.res.Namespaced && nm.Namespace != "" && nm.Namespace != cm.Namespace {
		return nil, errdefs.BadRequest("the namespace of the object (%s) does not match the namespace on the request (%s)", nm.Namespace, cm.Namespace)
	}
	tm := next.GetTypeMeta()
	if (tm.Kind != "" && tm.Kind != r.res.Kind) || (tm.APIVersion != "" && tm.APIVersion != r.res.APIVersion()) {
		return nil, errdefs.BadRequest("the object is a %s %s, but this is the endpoint of %s", tm.APIVersion, tm.Kind, r.res.Plural)
	}
	r.res.SetTypeMeta(next)
	switch subresource {
	case Status:
		if !r.res.HasStatus {
			return nil, errdefs.NotFound(r.res.GroupResource(), cm.Name+"/status")
		}
		// A status write changes only the status.
		status := next
		next = meta.DeepCopy(cur)
		copyStatus(next, status)
		nm = next.GetObjectMeta()
	case MainResource, finalize:
		if r.res.HasStatus {
			copyStatus(next, cur)
		}
	default:
		return nil, errdefs.NotFound(r.res.GroupResource(), cm.Name+"/"+subresource)
	}
	if nm.UID != "" && nm.UID != cm.UID {
		// A uid in the request is a precondition: the object was deleted
		// and recreated since the client read it.
		return nil, errdefs.Conflict(r.res.GroupResource(), cm.Name,
			"Precondition failed: UID in precondition: "+nm.UID+", UID in object meta: "+cm.UID)
	}
	nm.Namespace = cm.Namespace
	nm.UID = cm.UID
	nm.CreationTimestamp = cm.CreationTimestamp
	nm.SelfLink = ""
	if cm.DeletionTimestamp != nil {
		// Once deletion has started it cannot be undone or moved.
		nm.DeletionTimestamp = cm.DeletionTimestamp
		nm.DeletionGracePeriodSeconds = cm.DeletionGracePeriodSeconds
	} else {
		nm.DeletionTimestamp = nil
		nm.DeletionGracePeriodSeconds = nil
	}
	if r.res.PrepareForUpdate != nil && subresource == MainResource {
		// PrepareForUpdate is the main resource's strategy: status and
		// finalize write exactly what it protects.
		r.res.PrepareForUpdate(next, cur)
	}
	if r.res.Default != nil {
		r.res.Default(next)
	}
	nm.Generation = cm.Generation
	if subresource != Status && !bytes.Equal(specJSON(next), specJSON(cur)) {
		nm.Generation++
	}
	return next, r.validateUpdate(next, cur)
}

// deletable reports whether an object that is being deleted has nothing
// left holding it.
func (r *Registry) deletable(obj meta.Object) bool {
	m := obj.GetObjectMeta()
	if m.DeletionTimestamp == nil || len(m.Finalizers) > 0 {
		return false
	}
	if m.DeletionGracePeriodSeconds != nil && *m.DeletionGracePeriodSeconds > 0 {
		return false
	}
	if s, ok := deleteStrategies[r.res.Kind]; ok && s.blocked(obj) {
		return false
	}
	return true
}
