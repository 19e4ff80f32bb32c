package core

import "github.com/wharf/wharf/api/meta"

// ObjectReference points at another object, possibly at a field in it: an
// Event's involvedObject, an endpoint address's targetRef, a binding's target.
type ObjectReference struct {
	Kind            string `json:"kind,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	APIVersion      string `json:"apiVersion,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// FieldPath names a part of the object, such as
	// "spec.containers{web}" for one container of a pod.
	FieldPath string `json:"fieldPath,omitempty"`
}

// ReferenceTo returns a reference to obj, whose TypeMeta must be set.
func ReferenceTo(obj meta.Object) ObjectReference {
	t, m := obj.GetTypeMeta(), obj.GetObjectMeta()
	return ObjectReference{
		Kind:            t.Kind,
		Namespace:       m.Namespace,
		Name:            m.Name,
		UID:             m.UID,
		APIVersion:      t.APIVersion,
		ResourceVersion: m.ResourceVersion,
	}
}
