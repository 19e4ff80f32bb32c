package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// claim decides which objects a controller owns, the way a ReplicaSet
// claims pods and a Deployment claims ReplicaSets: by controller owner
// reference first, by selector second. Objects it controls but that no
// longer match are released (so a pod relabelled for debugging leaves its
// ReplicaSet, which replaces it); orphans that match are adopted.
type claim[T any, PT interface {
	*T
	meta.Object
}] struct {
	// objects is where adoption and release patches go.
	objects *client.Resource[T, PT]
	// owner is the claiming controller object.
	owner meta.Object
	// ref is the controller reference adoption adds.
	ref meta.OwnerReference
	// matches is the owner's selector.
	matches func(PT) bool
	// canAdopt re-reads the owner from the server before the first
	// adoption: an owner deleted meanwhile must not take new dependents,
	// which the garbage collector would then delete with it.
	canAdopt func(ctx context.Context) error
}

// run returns the objects among candidates that owner controls after
// adopting and releasing. Objects that could not be adopted or released
// are left out (or kept) and the first such error is returned with the
// rest.
func (c *claim[T, PT]) run(ctx context.Context, candidates []PT) ([]PT, error) {
	om := c.owner.GetObjectMeta()
	var claimed []PT
	var errs []error
	adoptChecked := false
	var adoptErr error
	for _, obj := range candidates {
		m := obj.GetObjectMeta()
		if ref := m.ControllerRef(); ref != nil {
			if ref.UID != om.UID {
				continue // someone else's
			}
			if c.matches(obj) {
				claimed = append(claimed, obj)
				continue
			}
			if om.DeletionTimestamp != nil {
				// An owner being deleted releases nothing: the garbage
				// collector is about to deal with its dependents.
				continue
			}
			if err := c.release(ctx, obj); err != nil {
				if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrInvalid) {
					continue // gone, or being deleted
				}
				claimed = append(claimed, obj)
				errs = append(errs, err)
			}
			continue
		}
		if om.DeletionTimestamp != nil || m.DeletionTimestamp != nil || m.Namespace != om.Namespace || !c.matches(obj) {
			continue
		}
		if !adoptChecked {
			adoptChecked = true
			adoptErr = c.canAdopt(ctx)
		}
		if adoptErr != nil {
			errs = append(errs, adoptErr)
			continue
		}
		adopted, err := c.adopt(ctx, obj)
		if err != nil {
			if !errors.Is(err, errdefs.ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		claimed = append(claimed, adopted)
	}
	return claimed, errors.Join(errs...)
}

// ownerPatch is a strategic merge patch of an object's owner references;
// the uid makes it apply to the object that was looked at.
type ownerPatch struct {
	Metadata struct {
		OwnerReferences []any  `json:"ownerReferences"`
		UID             string `json:"uid"`
	} `json:"metadata"`
}

func (c *claim[T, PT]) adopt(ctx context.Context, obj PT) (PT, error) {
	m := obj.GetObjectMeta()
	var p ownerPatch
	p.Metadata.OwnerReferences = []any{c.ref}
	p.Metadata.UID = m.UID
	out, err := c.patch(ctx, m, p)
	if err != nil {
		return nil, fmt.Errorf("adopting %s/%s: %w", m.Namespace, m.Name, err)
	}
	return out, nil
}

func (c *claim[T, PT]) release(ctx context.Context, obj PT) error {
	m := obj.GetObjectMeta()
	var p ownerPatch
	p.Metadata.OwnerReferences = []any{map[string]string{"$patch": "delete", "uid": c.owner.GetObjectMeta().UID}}
	p.Metadata.UID = m.UID
	if _, err := c.patch(ctx, m, p); err != nil {
		return fmt.Errorf("releasing %s/%s: %w", m.Namespace, m.Name, err)
	}
	return nil
}

func (c *claim[T, PT]) patch(ctx context.Context, m *meta.ObjectMeta, p ownerPatch) (PT, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return c.objects.Patch(ctx, m.Namespace, m.Name, client.StrategicMergePatch, body)
}

// freshOwner is the canAdopt of a claim: it fails when the owner read from
// the server is another object of the same name, or is being deleted.
func freshOwner(get func(ctx context.Context) (meta.Object, error), owner meta.Object) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		fresh, err := get(ctx)
		if err != nil {
			return err
		}
		om, fm := owner.GetObjectMeta(), fresh.GetObjectMeta()
		if fm.UID != om.UID {
			return fmt.Errorf("original %s/%s is gone: got uid %s, wanted %s", om.Namespace, om.Name, fm.UID, om.UID)
		}
		if fm.DeletionTimestamp != nil {
			return fmt.Errorf("%s/%s has just been deleted at %s", om.Namespace, om.Name, fm.DeletionTimestamp.Format("2006-01-02T15:04:05Z07:00"))
		}
		return nil
	}
}
