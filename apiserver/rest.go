package apiserver

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/fields"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/patch"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/apiserver/registry"
)

// rest serves the generic REST verbs of every resource.
type rest struct {
	scheme     *scheme.Scheme
	registries map[*scheme.Resource]*registry.Registry
	maxBody    int64
	log        *slog.Logger
}

func (h *rest) serve(w http.ResponseWriter, r *http.Request, info *requestInfo) {
	reg := h.registries[info.Resource]
	if err := checkAcceptable(r); err != nil {
		writeError(w, r, err)
		return
	}
	var err error
	switch {
	case info.Subresource == "binding":
		err = h.binding(w, r, reg, info)
	case info.Subresource == "scale":
		err = h.scale(w, r, reg, info)
	case info.Verb == "get":
		err = h.get(w, r, reg, info)
	case info.Verb == "list":
		err = h.list(w, r, reg, info)
	case info.Verb == "watch":
		err = h.watch(w, r, reg, info)
	case info.Verb == "create":
		err = h.create(w, r, reg, info)
	case info.Verb == "update":
		err = h.update(w, r, reg, info)
	case info.Verb == "patch":
		err = h.patch(w, r, reg, info)
	case info.Verb == "delete":
		err = h.delete(w, r, reg, info)
	case info.Verb == "deletecollection":
		err = h.deleteCollection(w, r, reg, info)
	default:
		err = errdefs.MethodNotAllowed("%s is not supported", info.Verb)
	}
	if err != nil {
		writeError(w, r, err)
	}
}

// checkSubresource rejects subresources the kind does not have for verb.
func checkSubresource(info *requestInfo, allowed ...string) error {
	for _, a := range allowed {
		if info.Subresource == a {
			if a == registry.Status && !info.Resource.HasStatus {
				break
			}
			return nil
		}
	}
	return errdefs.NotFound(info.Resource.GroupResource(), info.Name+"/"+info.Subresource)
}

func (h *rest) get(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	if err := checkSubresource(info, "", registry.Status); err != nil {
		return err
	}
	obj, err := reg.Get(r.Context(), info.Namespace, info.Name)
	if err != nil {
		return err
	}
	if tr, ok := acceptsTable(r); ok {
		raw, _ := json.Marshal(obj)
		writeJSON(w, r, http.StatusOK, renderTable(info.Resource, tr, []registry.Item{{Object: obj, Raw: raw}}, meta.ListMeta{}, includeObject(r)))
		return nil
	}
	writeJSON(w, r, http.StatusOK, obj)
	return nil
}

func parseListOptions(q url.Values) (registry.ListOptions, error) {
	var opts registry.ListOptions
	var err error
	if opts.Labels, err = labels.Parse(q.Get("labelSelector")); err != nil {
		return opts, errdefs.BadRequest("unable to parse labelSelector %q: %v", q.Get("labelSelector"), err)
	}
	if opts.Fields, err = fields.Parse(q.Get("fieldSelector")); err != nil {
		return opts, errdefs.BadRequest("unable to parse fieldSelector %q: %v", q.Get("fieldSelector"), err)
	}
	opts.ResourceVersion = q.Get("resourceVersion")
	opts.Continue = q.Get("continue")
	if l := q.Get("limit"); l != "" {
		if opts.Limit, err = strconv.ParseInt(l, 10, 64); err != nil || opts.Limit < 0 {
			return opts, errdefs.BadRequest("invalid limit %q", l)
		}
	}
	return opts, nil
}

func (h *rest) list(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	opts, err := parseListOptions(r.URL.Query())
	if err != nil {
		return err
	}
	res, err := reg.List(r.Context(), info.Namespace, opts)
	if err != nil {
		return err
	}
	lm := meta.ListMeta{ResourceVersion: strconv.FormatInt(res.Revision, 10), Continue: res.Continue, RemainingItemCount: res.Remaining}
	if tr, ok := acceptsTable(r); ok {
		writeJSON(w, r, http.StatusOK, renderTable(info.Resource, tr, res.Items, lm, includeObject(r)))
		return nil
	}
	writeBytes(w, r, http.StatusOK, encodeList(info.Resource, lm, res.Items))
	return nil
}

// encodeList assembles a list from the items' cached JSON, so a large list
// costs no encoding of its objects.
func encodeList(res *scheme.Resource, lm meta.ListMeta, items []registry.Item) []byte {
	head, _ := json.Marshal(struct {
		meta.TypeMeta `json:",inline"`
		Metadata      meta.ListMeta `json:"metadata"`
	}{meta.TypeMeta{Kind: res.ListKind(), APIVersion: res.APIVersion()}, lm})
	size := len(head) + 16
	for _, it := range items {
		size += len(it.Raw) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, head[:len(head)-1]...)
	b = append(b, `,"items":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it.Raw...)
	}
	return append(b, "]}"...)
}

// decodeObject decodes a request body into a new object of the resource,
// strictly unless the client asked for fieldValidation=Ignore or Warn.
func (h *rest) decodeObject(w http.ResponseWriter, r *http.Request, res *scheme.Resource, body []byte) (meta.Object, error) {
	obj := res.New()
	j, err := codec.ToJSON(body)
	if err != nil {
		return nil, err
	}
	switch fv := r.URL.Query().Get("fieldValidation"); fv {
	case "", "Strict":
		err = codec.DecodeJSON(j, obj)
	case "Ignore", "Warn":
		err = decodeLenient(w, j, obj, res, fv == "Warn")
	default:
		err = errdefs.BadRequest("fieldValidation must be Strict, Warn or Ignore, not %q", fv)
	}
	if err != nil {
		return nil, err
	}
	tm := obj.GetTypeMeta()
	if tm.Kind != "" && tm.Kind != res.Kind || tm.APIVersion != "" && tm.APIVersion != res.APIVersion() {
		return nil, errdefs.BadRequest("the object is %s %s, but this is the endpoint of %s (%s %s)", tm.APIVersion, tm.Kind, res.Plural, res.APIVersion(), res.Kind)
	}
	return obj, nil
}

func decodeLenient(w http.ResponseWriter, j []byte, obj meta.Object, res *scheme.Resource, warn bool) error {
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil {
		return errdefs.BadRequest("malformed JSON: %v", err)
	}
	if warn {
		for _, f := range codec.UnknownFields(generic, res.Type()) {
			w.Header().Add("Warning", fmt.Sprintf(`299 - "unknown field %q"`, f))
		}
	}
	if err := json.Unmarshal(j, obj); err != nil {
		return errdefs.BadRequest("decoding: %v", err)
	}
	return nil
}

// setNamespace puts a namespaced object in the request's namespace; one
// that names another namespace is refused.
func setNamespace(obj meta.Object, info *requestInfo) error {
	if !info.Resource.Namespaced {
		return nil
	}
	m := obj.GetObjectMeta()
	if m.Namespace != "" && m.Namespace != info.Namespace {
		return errdefs.BadRequest("the namespace of the provided object (%s) does not match the namespace sent on the request (%s)", m.Namespace, info.Namespace)
	}
	m.Namespace = info.Namespace
	return nil
}

func isDryRun(q url.Values) bool {
	for _, v := range q["dryRun"] {
		if v == "All" {
			return true
		}
	}
	return false
}

func (h *rest) create(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	if info.Name != "" {
		return errdefs.MethodNotAllowed("POST is not supported on a named %s", info.Resource.Singular)
	}
	if !info.Resource.Namespaced && info.Namespace != "" {
		return errdefs.NotFound(info.Resource.GroupResource(), "")
	}
	if info.Resource.Namespaced && info.Namespace == "" {
		return errdefs.MethodNotAllowed("%s must be created in a namespace: POST to /namespaces/{namespace}/%s", info.Resource.Plural, info.Resource.Plural)
	}
	if _, err := bodyMediaType(r, "application/json", "application/yaml"); err != nil {
		return err
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return err
	}
	obj, err := h.decodeObject(w, r, info.Resource, body)
	if err != nil {
		return err
	}
	if err := setNamespace(obj, info); err != nil {
		return err
	}
	out, err := reg.Create(r.Context(), obj, isDryRun(r.URL.Query()))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusCreated, out)
	return nil
}

func (h *rest) update(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	if info.Name == "" {
		return errdefs.MethodNotAllowed("PUT needs the name of the %s", info.Resource.Singular)
	}
	if err := checkSubresource(info, "", registry.Status, "finalize"); err != nil {
		return err
	}
	if _, err := bodyMediaType(r, "application/json", "application/yaml"); err != nil {
		return err
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return err
	}
	obj, err := h.decodeObject(w, r, info.Resource, body)
	if err != nil {
		return err
	}
	if m := obj.GetObjectMeta(); m.Name != info.Name {
		return errdefs.BadRequest("the name of the object (%s) does not match the name on the URL (%s)", m.Name, info.Name)
	}
	if err := setNamespace(obj, info); err != nil {
		return err
	}
	var out meta.Object
	if info.Subresource == "finalize" {
		if info.Resource.Kind != "Namespace" {
			return errdefs.NotFound(info.Resource.GroupResource(), info.Name+"/finalize")
		}
		out, err = reg.FinalizeNamespace(r.Context(), info.Name, obj)
	} else {
		out, err = reg.Update(r.Context(), obj, info.Subresource, isDryRun(r.URL.Query()))
	}
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

func (h *rest) patch(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	if info.Name == "" {
		return errdefs.MethodNotAllowed("PATCH needs the name of the %s", info.Resource.Singular)
	}
	if err := checkSubresource(info, "", registry.Status); err != nil {
		return err
	}
	pt, err := bodyMediaType(r, "application/strategic-merge-patch+json", "application/merge-patch+json", "application/json-patch+json")
	if err != nil {
		return err
	}
	if r.Header.Get("Content-Type") == "" {
		return errdefs.UnsupportedMediaType("a PATCH needs a Content-Type: application/strategic-merge-patch+json, application/merge-patch+json or application/json-patch+json")
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		return err
	}
	res := info.Resource
	out, err := reg.GuaranteedUpdate(r.Context(), info.Namespace, info.Name, info.Subresource, isDryRun(r.URL.Query()),
		func(cur meta.Object) (meta.Object, error) {
			curJSON, err := json.Marshal(cur)
			if err != nil {
				return nil, errdefs.Internal(err)
			}
			var patched []byte
			switch pt {
			case "application/merge-patch+json":
				patched, err = patch.MergePatch(curJSON, body)
			case "application/json-patch+json":
				patched, err = patch.JSONPatch(curJSON, body)
			default:
				patched, err = patch.StrategicMergePatch(curJSON, body, res.Type())
			}
			if err != nil {
				return nil, errdefs.BadRequest("applying the patch: %v", err)
			}
			next, err := h.decodeObject(w, r, res, patched)
			if err != nil {
				if e, ok := err.(*errdefs.Error); ok && e.Code == http.StatusBadRequest {
					return nil, errdefs.Invalid(res.Kind, info.Name, []errdefs.Cause{{Type: "FieldValueInvalid", Message: e.Message}})
				}
				return nil, err
			}
			if rv := next.GetObjectMeta().ResourceVersion; rv != cur.GetObjectMeta().ResourceVersion {
				return nil, errdefs.StaleResourceVersion(res.GroupResource(), info.Name)
			}
			return next, nil
		})
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, out)
	return nil
}

// deleteOptions reads DeleteOptions from the body and the query string.
func (h *rest) deleteOptions(w http.ResponseWriter, r *http.Request) (*meta.DeleteOptions, error) {
	opts := &meta.DeleteOptions{}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		b, err := readBody(w, r, h.maxBody)
		if err != nil && !strings.Contains(err.Error(), "has no body") {
			return nil, err
		}
		if len(b) > 0 {
			if err := codec.Decode(b, opts); err != nil {
				return nil, err
			}
		}
	}
	q := r.URL.Query()
	if g := q.Get("gracePeriodSeconds"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return nil, errdefs.BadRequest("invalid gracePeriodSeconds %q", g)
		}
		opts.GracePeriodSeconds = &n
	}
	if p := q.Get("propagationPolicy"); p != "" {
		opts.PropagationPolicy = &p
	}
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case meta.DeletePropagationBackground, meta.DeletePropagationForeground, meta.DeletePropagationOrphan:
		default:
			return nil, errdefs.BadRequest("propagationPolicy must be Background, Foreground or Orphan, not %q", *opts.PropagationPolicy)
		}
	}
	if o := q.Get("orphanDependents"); o != "" {
		b := o == "true"
		opts.OrphanDependents = &b
	}
	if isDryRun(q) {
		opts.DryRun = []string{"All"}
	}
	return opts, nil
}

func (h *rest) delete(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	if err := checkSubresource(info, ""); err != nil {
		return err
	}
	opts, err := h.deleteOptions(w, r)
	if err != nil {
		return err
	}
	obj, _, err := reg.Delete(r.Context(), info.Namespace, info.Name, opts)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, obj)
	return nil
}

func (h *rest) deleteCollection(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	lopts, err := parseListOptions(r.URL.Query())
	if err != nil {
		return err
	}
	lopts.Limit, lopts.Continue = 0, ""
	dopts, err := h.deleteOptions(w, r)
	if err != nil {
		return err
	}
	res, err := reg.List(r.Context(), info.Namespace, lopts)
	if err != nil {
		return err
	}
	var deleted []registry.Item
	for _, it := range res.Items {
		m := it.Object.GetObjectMeta()
		obj, _, err := reg.Delete(r.Context(), m.Namespace, m.Name, dopts)
		if err != nil {
			if errdefs.Code(err) == http.StatusNotFound {
				continue
			}
			return err
		}
		raw, _ := json.Marshal(obj)
		deleted = append(deleted, registry.Item{Object: obj, Raw: raw})
	}
	writeBytes(w, r, http.StatusOK, encodeList(info.Resource, meta.ListMeta{ResourceVersion: strconv.FormatInt(res.Revision, 10)}, deleted))
	return nil
}
