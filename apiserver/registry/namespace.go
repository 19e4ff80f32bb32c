package registry

import (
	"context"
	"reflect"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// finalize is the Namespace subresource that sets spec.finalizers.
const finalize = "finalize"

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }

// namespaceDeletion: a deleted Namespace turns Terminating and stays until
// the namespace controller has emptied it and cleared spec.finalizers.
var namespaceDeletion = deleteStrategy{
	begin: func(obj meta.Object) {
		if phase := field(obj, "Status").FieldByName("Phase"); phase.IsValid() {
			phase.SetString("Terminating")
		}
	},
	blocked: func(obj meta.Object) bool {
		f := field(obj, "Spec").FieldByName("Finalizers")
		return f.IsValid() && f.Len() > 0
	},
}

// NamespaceAdmission returns the admission check that every namespaced
// create passes: its namespace must exist and not be terminating.
func NamespaceAdmission(namespaces *Registry) func(ctx context.Context, obj meta.Object) error {
	return func(ctx context.Context, obj meta.Object) error {
		m := obj.GetObjectMeta()
		if m.Namespace == "" {
			return nil
		}
		entry, ok, err := namespaces.cache.Get(ctx, namespaces.key("", m.Namespace), 0)
		if err != nil {
			return namespaces.storageError(err, m.Namespace)
		}
		if !ok {
			// The cache may lag a namespace created a moment ago.
			ns, err := namespaces.Get(ctx, "", m.Namespace)
			if err != nil {
				return err
			}
			entry.Object = ns
		}
		if dt := entry.Object.(meta.Object).GetObjectMeta().DeletionTimestamp; dt != nil {
			return errdefs.Forbidden("unable to create new content in namespace %s because it is being terminated", m.Namespace)
		}
		return nil
	}
}

// FinalizeNamespace sets a namespace's spec.finalizers to those of from (the
// /finalize subresource); clearing them lets a terminating namespace go.
func (r *Registry) FinalizeNamespace(ctx context.Context, name string, from meta.Object) (meta.Object, error) {
	if r.res.Kind != "Namespace" {
		return nil, errdefs.NotFound(r.res.GroupResource(), name+"/"+finalize)
	}
	return r.GuaranteedUpdate(ctx, "", name, finalize, false, func(cur meta.Object) (meta.Object, error) {
		f := field(cur, "Spec").FieldByName("Finalizers")
		if !f.IsValid() {
			return nil, errdefs.MethodNotAllowed("%s has no finalizers to finalize", r.res.Plural)
		}
		src := field(from, "Spec").FieldByName("Finalizers")
		f.Set(reflect.Zero(f.Type()))
		if src.IsValid() && src.Len() > 0 {
			f.Set(src)
		}
		return cur, nil
	})
}
