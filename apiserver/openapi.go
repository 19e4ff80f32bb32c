package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/scheme"
)

// The OpenAPI v3 documents served here are deliberately small: they list
// each resource's paths and say that writes take the fieldValidation query
// parameter. That is what kubectl reads to decide that the server validates
// fields itself (so it sends fieldValidation=Strict instead of validating
// against a downloaded schema). They carry no schemas; kubectl then computes
// strategic merge patches from its built-in types.

func gvPath(group, version string) string {
	if group == "" {
		return "api/" + version
	}
	return "apis/" + group + "/" + version
}

func openAPIGroupVersions(s *scheme.Scheme) map[string][2]string {
	out := map[string][2]string{}
	for _, r := range s.Resources() {
		out[gvPath(r.Group, r.Version)] = [2]string{r.Group, r.Version}
	}
	return out
}

func serveOpenAPIRoot(s *scheme.Scheme) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		paths := map[string]any{}
		for p, gv := range openAPIGroupVersions(s) {
			doc, _ := json.Marshal(openAPIDocument(s, gv[0], gv[1]))
			sum := sha256.Sum256(doc)
			paths[p] = map[string]string{"serverRelativeURL": "/openapi/v3/" + p + "?hash=" + strings.ToUpper(hex.EncodeToString(sum[:]))}
		}
		writeJSON(w, r, http.StatusOK, map[string]any{"paths": paths})
	}
}

func serveOpenAPIGroupVersion(s *scheme.Scheme) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := chi.URLParam(r, "*")
		gv, ok := openAPIGroupVersions(s)[p]
		if !ok {
			writeError(w, r, errdefs.NotFound(errdefs.Resource{Resource: "openapi"}, p))
			return
		}
		writeJSON(w, r, http.StatusOK, openAPIDocument(s, gv[0], gv[1]))
	}
}

func openAPIDocument(s *scheme.Scheme, group, version string) map[string]any {
	queryParam := func(name string) map[string]any {
		return map[string]any{"name": name, "in": "query", "schema": map[string]string{"type": "string"}, "uniqueItems": true}
	}
	writeParams := []any{queryParam("dryRun"), queryParam("fieldManager"), queryParam("fieldValidation")}
	ok := map[string]any{"200": map[string]string{"description": "OK"}}
	paths := map[string]any{}
	for _, r := range s.Resources() {
		if r.Group != group || r.Version != version {
			continue
		}
		gvk := map[string]string{"group": r.Group, "version": r.Version, "kind": r.Kind}
		op := func(id string, params []any) map[string]any {
			return map[string]any{"operationId": id + r.Kind, "parameters": params, "responses": ok, "x-kubernetes-group-version-kind": gvk}
		}
		base := "/" + gvPath(r.Group, r.Version)
		if r.Namespaced {
			base += "/namespaces/{namespace}"
		}
		base += "/" + r.Plural
		paths[base] = map[string]any{"get": op("list", nil), "post": op("create", writeParams)}
		item := map[string]any{"get": op("read", nil), "put": op("replace", writeParams), "patch": op("patch", writeParams), "delete": op("delete", []any{queryParam("dryRun")})}
		paths[base+"/{name}"] = item
		if r.HasStatus {
			paths[base+"/{name}/status"] = map[string]any{"get": op("readStatus", nil), "put": op("replaceStatus", writeParams), "patch": op("patchStatus", writeParams)}
		}
	}
	return map[string]any{
		"openapi":    "3.0.0",
		"info":       map[string]string{"title": "Wharf", "version": "v" + apiMajor + "." + apiMinor + ".0"},
		"paths":      paths,
		"components": map[string]any{"schemas": map[string]any{}},
	}
}
