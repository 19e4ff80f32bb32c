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
	generated := m.Name == ""
	if generated {
		m.Name = generateName(m.GenerateName)
	}
	if err := r.validate(obj); err != nil {
		return nil, err
	}
	if r.admit != nil {
		if err := r.admit(ctx, obj); err != nil {
			return nil, err
		}
	}
	if dryRun {
		return obj, nil
	}
	// A generated name that collides is tried again, as Kubernetes' clients
	// would otherwise have to.
	for attempt := 0; ; attempt++ {
		b, err := r.encode(obj)
		if err != nil {
			return nil, err
		}
		rev, err := r.store.Create(ctx, r.key(m.Namespace, m.Name), b)
		if err == nil {
			m.ResourceVersion = formatRev(rev)
			return obj, nil
		}
		if generated && attempt < 5 && errors.Is(r.storageError(err, m.Name), errdefs.ErrAlreadyExists) {
			m.Name = generateName(m.GenerateName)
			continue
		}
		return nil, r.storageError(err, m.Name)
	}
}
