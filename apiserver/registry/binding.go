package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/storage"
)

// Bind assigns a pod to a node (the pods/binding subresource): it sets
// spec.nodeName, which nothing else may change, and the PodScheduled
// condition, in one write. A pod that is bound already, or being deleted,
// is a Conflict.
func (r *Registry) Bind(ctx context.Context, ns, name string, b *core.Binding) error {
	if r.res.Kind != "Pod" || r.res.Group != "" {
		return errdefs.NotFound(r.res.GroupResource(), name+"/binding")
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		return errdefs.Invalid("Binding", name, []errdefs.Cause{{Type: "FieldValueNotSupported", Field: "target.kind", Message: fmt.Sprintf("Unsupported value: %q: supported values: \"Node\"", b.Target.Kind)}})
	}
	if b.Target.Name == "" {
		return errdefs.Invalid("Binding", name, []errdefs.Cause{{Type: "FieldValueRequired", Field: "target.name", Message: "Required value"}})
	}
	key := r.key(ns, name)
	for {
		kv, err := r.store.Get(ctx, key)
		if err != nil {
			return r.storageError(err, name)
		}
		var pod core.Pod
		if err := json.Unmarshal(kv.Value, &pod); err != nil {
			return errdefs.Internal(err)
		}
		if b.UID != "" && b.UID != pod.UID {
			return errdefs.Conflict(r.res.GroupResource(), name, "the binding's uid does not match the pod's")
		}
		if pod.DeletionTimestamp != nil {
			return errdefs.Conflict(r.res.GroupResource(), name, "pod is being deleted, cannot be assigned to a host")
		}
		if pod.Spec.NodeName != "" {
			return errdefs.Conflict(r.res.GroupResource(), name, fmt.Sprintf("pod %s is already assigned to node %q", name, pod.Spec.NodeName))
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodCondition(&pod.Status, core.PodCondition{Type: core.PodScheduled, Status: core.ConditionTrue, LastTransitionTime: meta.NewTime(r.now())})
		pod.ResourceVersion = ""
		out, err := json.Marshal(&pod)
		if err != nil {
			return errdefs.Internal(err)
		}
		if _, err := r.store.Update(ctx, key, out, kv.ModRevision); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				continue
			}
			return r.storageError(err, name)
		}
		return nil
	}
}

// setPodCondition replaces the condition of c's type, keeping its
// transition time when the status did not change.
func setPodCondition(s *core.PodStatus, c core.PodCondition) {
	for i := range s.Conditions {
		if s.Conditions[i].Type != c.Type {
			continue
		}
		if s.Conditions[i].Status == c.Status {
			c.LastTransitionTime = s.Conditions[i].LastTransitionTime
		}
		s.Conditions[i] = c
		return
	}
	s.Conditions = append(s.Conditions, c)
}
