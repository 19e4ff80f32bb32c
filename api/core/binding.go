package core

import "github.com/wharf/wharf/api/meta"

// Binding ties a pod to a node: the scheduler POSTs one to a pod's
// binding subresource, which sets spec.nodeName once.
type Binding struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Target          ObjectReference `json:"target"`
}
