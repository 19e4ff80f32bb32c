package apiserver

import (
	"encoding/json"
	"net/http"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/patch"
	"github.com/wharf/wharf/apiserver/registry"
)

// binding serves POST pods/{name}/binding, by which the scheduler places a pod.
func (h *rest) binding(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	if info.Resource.Kind != "Pod" || info.Resource.Group != "" {
		return errdefs.NotFound(info.Resource.GroupResource(), info.Name+"/binding")
	}
	if info.Verb != "create" {
		return errdefs.MethodNotAllowed("binding only supports POST")
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return err
	}
	var b core.Binding
	if err := codec.Decode(body, &b); err != nil {
		return err
	}
	if b.Name != "" && b.Name != info.Name {
		return errdefs.BadRequest("the binding names pod %s, but the URL names %s", b.Name, info.Name)
	}
	if err := reg.Bind(r.Context(), info.Namespace, info.Name, &b); err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, &meta.Status{TypeMeta: meta.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: meta.StatusSuccess, Code: http.StatusCreated})
	return nil
}

// scaler reads and writes the replica count of a scalable kind.
type scaler struct {
	scale       func(obj meta.Object) *apps.Scale
	setReplicas func(obj meta.Object, n int32)
}

// scalers by kind: what has a /scale subresource.
var scalers = map[string]scaler{
	"Deployment": {
		scale:       func(o meta.Object) *apps.Scale { return apps.DeploymentScale(o.(*apps.Deployment)) },
		setReplicas: func(o meta.Object, n int32) { o.(*apps.Deployment).Spec.Replicas = &n },
	},
	"ReplicaSet": {
		scale:       func(o meta.Object) *apps.Scale { return apps.ReplicaSetScale(o.(*apps.ReplicaSet)) },
		setReplicas: func(o meta.Object, n int32) { o.(*apps.ReplicaSet).Spec.Replicas = &n },
	},
}

// scale serves GET, PUT and PATCH of {deployments,replicasets}/{name}/scale:
// the replica count alone, as `kubectl scale` and autoscalers use it.
func (h *rest) scale(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	s, ok := scalers[info.Resource.Kind]
	if !ok || info.Resource.Group != "apps" {
		return errdefs.NotFound(info.Resource.GroupResource(), info.Name+"/scale")
	}
	switch info.Verb {
	case "get":
		obj, err := reg.Get(r.Context(), info.Namespace, info.Name)
		if err != nil {
			return err
		}
		writeJSON(w, r, http.StatusOK, s.scale(obj))
		return nil
	case "update", "patch":
	default:
		return errdefs.MethodNotAllowed("scale supports GET, PUT and PATCH")
	}
	var pt string
	if info.Verb == "patch" {
		var err error
		if pt, err = bodyMediaType(r, "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json"); err != nil {
			return err
		}
	} else if _, err := bodyMediaType(r, "application/json", "application/yaml"); err != nil {
		return err
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return err
	}
	out, err := reg.GuaranteedUpdate(r.Context(), info.Namespace, info.Name, registry.MainResource, isDryRun(r.URL.Query()),
		func(cur meta.Object) (meta.Object, error) {
			curScale := s.scale(cur)
			var want apps.Scale
			if pt == "" {
				if err := codec.Decode(body, &want); err != nil {
					return nil, err
				}
			} else {
				curJSON, _ := json.Marshal(curScale)
				var patched []byte
				var err error
				switch pt {
				case "application/json-patch+json":
					patched, err = patch.JSONPatch(curJSON, body)
				case "application/strategic-merge-patch+json":
					patched, err = patch.StrategicMergePatch(curJSON, body, nil)
				default:
					patched, err = patch.MergePatch(curJSON, body)
				}
				if err != nil {
					return nil, err
				}
				if err := codec.DecodeJSON(patched, &want); err != nil {
					return nil, err
				}
			}
			if want.Name != "" && want.Name != info.Name {
				return nil, errdefs.BadRequest("the scale names %s, but the URL names %s", want.Name, info.Name)
			}
			if rv := want.ResourceVersion; rv != "" && rv != cur.GetObjectMeta().ResourceVersion {
				return nil, errdefs.StaleResourceVersion(info.Resource.GroupResource(), info.Name)
			}
			if err := apps.ValidateScale(&want).ToError("Scale", info.Name); err != nil {
				return nil, err
			}
			s.setReplicas(cur, want.Spec.Replicas)
			return cur, nil
		})
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, s.scale(out))
	return nil
}
