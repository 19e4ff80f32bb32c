package registry

import (
	"context"
	"errors"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// Create stores a new object. It fills the name from generateName, sets the
// fields only the server may set, defaults and validates, and returns the
// stored object with its resourceVersion.
func (r *Registry) Create(ctx context.Context, obj meta.Object, dryRun bool) (meta.Object, error) {
	m := obj.GetObjectMeta()
	if m.Name == "" && m.GenerateName == "" {
		return nil, errdefs.Invalid(r.res.Kind, "", []errdefs.Cause{{
			Type: "FieldValueRequired", Field: "metadata.name", Message: "name or generateName is required"}})
	}
	generated := m.Name == ""
	orig := obj
	// A generated name that collides is tried again, as Kubernetes'
	// clients would otherwise have to; the object is prepared anew each
	// time, since what is derived from the name (a Job's labels) changes.
	for attempt := 0; ; attempt++ {
		if generated {
			obj = meta.DeepCopy(orig)
			obj.GetObjectMeta().Name = generateName(m.GenerateName)
		}
		if err := r.prepareCreate(ctx, obj); err != nil {
			return nil, err
		}
		if dryRun {
			return obj, nil
		}
		b, err := r.encode(obj)
		if err != nil {
			return nil, err
		}
		om := obj.GetObjectMeta()
		rev, err := r.store.Create(ctx, r.key(om.Namespace, om.Name), b)
		if err == nil {
			om.ResourceVersion = formatRev(rev)
			return obj, nil
		}
		err = r.storageError(err, om.Name)
		if generated && attempt < 5 && errors.Is(err, errdefs.ErrAlreadyExists) {
			continue
		}
		return nil, err
	}
}

// prepareCreate sets what only the server sets, then defaults, validates
// and admits the object.
func (r *Registry) prepareCreate(ctx context.Context, obj meta.Object) error {
	m := obj.GetObjectMeta()
	if !r.res.Namespaced {
		m.Namespace = ""
	}
	r.res.SetTypeMeta(obj)
	m.UID = newUID()
	m.ResourceVersion = ""
	m.SelfLink = ""
	m.Generation = 1
	m.CreationTimestamp = meta.NewTime(r.now())
	m.DeletionTimestamp = nil
	m.DeletionGracePeriodSeconds = nil
	if r.res.PrepareForCreate != nil {
		r.res.PrepareForCreate(obj)
	}
	if r.mutate != nil {
		r.mutate(obj)
	}
	if r.res.Default != nil {
		r.res.Default(obj)
	}
	if err := r.validate(obj); err != nil {
		return err
	}
	if r.admit != nil {
		return r.admit(ctx, obj)
	}
	return nil
}
