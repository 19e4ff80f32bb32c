package apiserver

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/wharf/wharf/api/scheme"
)

// kubectl before 1.29 reads /openapi/v2, as protobuf, to learn whether the
// server validates fields itself (the fieldValidation parameter of each
// kind's PATCH operation); without it, `kubectl apply` fails. As with v3
// (openapi.go) the document lists paths and parameters but no schemas.
//
// The protobuf is the gnostic OpenAPIv2 Document message, written with
// protowire so that Wharf needs no generated code for it. Field numbers are
// those of openapiv2/OpenAPIv2.proto.

// The Accept header clients send, and the Content-Type of the reply (the
// '@' is not valid in a reply's media type).
const (
	openAPIV2Protobuf      = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	openAPIV2ProtobufReply = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
)

// v2Operation is one operation of the document.
type v2Operation struct {
	method, id string
	params     []string // query parameters
	gvk        [3]string
}

func openAPIV2Paths(s *scheme.Scheme) (map[string][]v2Operation, []string) {
	paths := map[string][]v2Operation{}
	for _, r := range s.Resources() {
		gvk := [3]string{r.Group, r.Version, r.Kind}
		writes := []string{"dryRun", "fieldManager", "fieldValidation"}
		base := "/" + gvPath(r.Group, r.Version)
		if r.Namespaced {
			base += "/namespaces/{namespace}"
		}
		base += "/" + r.Plural
		paths[base] = []v2Operation{{"get", "list" + r.Kind, nil, gvk}, {"post", "create" + r.Kind, writes, gvk}}
		paths[base+"/{name}"] = []v2Operation{
			{"get", "read" + r.Kind, nil, gvk}, {"put", "replace" + r.Kind, writes, gvk},
			{"delete", "delete" + r.Kind, []string{"dryRun"}, gvk}, {"patch", "patch" + r.Kind, writes, gvk},
		}
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return paths, keys
}

func serveOpenAPIV2(s *scheme.Scheme) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		paths, keys := openAPIV2Paths(s)
		if strings.Contains(r.Header.Get("Accept"), openAPIV2Protobuf) {
			b := openAPIV2ProtobufDoc(paths, keys)
			w.Header().Set("Content-Type", openAPIV2ProtobufReply)
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			_, _ = w.Write(b)
			return
		}
		jp := map[string]any{}
		for _, p := range keys {
			item := map[string]any{}
			for _, op := range paths[p] {
				var params []any
				for _, q := range op.params {
					params = append(params, map[string]any{"name": q, "in": "query", "type": "string", "uniqueItems": true})
				}
				item[op.method] = map[string]any{
					"operationId": op.id, "parameters": params,
					"responses":                       map[string]any{"200": map[string]string{"description": "OK"}},
					"x-kubernetes-group-version-kind": map[string]string{"group": op.gvk[0], "version": op.gvk[1], "kind": op.gvk[2]},
				}
			}
			jp[p] = item
		}
		writeJSON(w, r, http.StatusOK, map[string]any{
			"swagger": "2.0",
			"info":    map[string]string{"title": "Wharf", "version": "v" + apiMajor + "." + apiMinor + ".0"},
			"paths":   jp,
		})
	}
}

// Protobuf field numbers of the gnostic OpenAPIv2 messages used here.
const (
	docSwagger, docInfo, docPaths              = 1, 2, 8
	infoTitle, infoVersion                     = 1, 2
	pathsPath                                  = 2
	namedName, namedValue                      = 1, 2
	opID, opParameters, opResponses, opVendor  = 5, 8, 9, 13
	paramsItemParameter                        = 1
	parameterNonBody                           = 2
	nonBodyQuery                               = 3
	queryIn, queryName, queryType              = 2, 4, 6
	responsesCode                              = 1
	responseValueResponse, responseDescription = 1, 1
	anyYAML                                    = 2
)

var pathItemField = map[string]protowire.Number{"get": 2, "put": 3, "post": 4, "delete": 5, "patch": 8}

func appendString(b []byte, n protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, n, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, n protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, n, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

func openAPIV2ProtobufDoc(paths map[string][]v2Operation, keys []string) []byte {
	var info []byte
	info = appendString(info, infoTitle, "Wharf")
	info = appendString(info, infoVersion, "v"+apiMajor+"."+apiMinor+".0")

	var ps []byte
	for _, p := range keys {
		var item []byte
		for _, op := range paths[p] {
			item = appendMessage(item, pathItemField[op.method], v2OperationProto(op))
		}
		var named []byte
		named = appendString(named, namedName, p)
		named = appendMessage(named, namedValue, item)
		ps = appendMessage(ps, pathsPath, named)
	}

	var doc []byte
	doc = appendString(doc, docSwagger, "2.0")
	doc = appendMessage(doc, docInfo, info)
	doc = appendMessage(doc, docPaths, ps)
	return doc
}

func v2OperationProto(op v2Operation) []byte {
	var b []byte
	b = appendString(b, opID, op.id)
	for _, q := range op.params {
		var query []byte
		query = appendString(query, queryIn, "query")
		query = appendString(query, queryName, q)
		query = appendString(query, queryType, "string")
		nonBody := appendMessage(nil, nonBodyQuery, query)
		param := appendMessage(nil, parameterNonBody, nonBody)
		b = appendMessage(b, opParameters, appendMessage(nil, paramsItemParameter, param))
	}
	response := appendString(nil, responseDescription, "OK")
	var code []byte
	code = appendString(code, namedName, "200")
	code = appendMessage(code, namedValue, appendMessage(nil, responseValueResponse, response))
	b = appendMessage(b, opResponses, appendMessage(nil, responsesCode, code))

	yaml := "group: \"" + op.gvk[0] + "\"\nkind: " + op.gvk[2] + "\nversion: " + op.gvk[1] + "\n"
	var ext []byte
	ext = appendString(ext, namedName, "x-kubernetes-group-version-kind")
	ext = appendMessage(ext, namedValue, appendString(nil, anyYAML, yaml))
	return appendMessage(b, opVendor, ext)
}
