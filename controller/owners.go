package controller

import (
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
)

// cachedOwner returns the object of kind that ref names in namespace ns, if
// inf caches it with ref's uid (an owner deleted and recreated under the
// same name is not the owner).
func cachedOwner[T any, PT interface {
	*T
	meta.Object
}](inf *client.Informer[T, PT], kind, ns string, ref *meta.OwnerReference) PT {
	if ref == nil || ref.Kind != kind {
		return nil
	}
	o, ok := inf.Get(ns, ref.Name)
	if !ok || o.GetObjectMeta().UID != ref.UID {
		return nil
	}
	return o
}

// selectingOwners returns the objects in namespace ns, cached by inf and
// indexed by namespace, whose selector matches lbls: those that might adopt
// an object carrying those labels. An empty or invalid selector selects
// nothing.
func selectingOwners[T any, PT interface {
	*T
	meta.Object
}](inf *client.Informer[T, PT], ns string, lbls map[string]string, selector func(PT) *meta.LabelSelector) []PT {
	var out []PT
	for _, o := range inf.ByIndex(indexNamespace, ns) {
		sel, err := labels.FromLabelSelector(selector(o))
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(lbls) {
			out = append(out, o)
		}
	}
	return out
}
