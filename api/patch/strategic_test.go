package patch

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/wharf/wharf/api/errdefs"
)

func TestStrategicMergePatch(t *testing.T) {
	for _, tc := range []struct {
		name, doc, patch, want string
	}{
		{
			"maps merge and null deletes",
			`{"metadata":{"name":"p","labels":{"a":"1","b":"2"}}}`,
			`{"metadata":{"labels":{"a":null,"c":"3"}}}`,
			`{"metadata":{"name":"p","labels":{"b":"2","c":"3"}}}`,
		},
		{
			"resourceVersion is applied",
			`{"metadata":{"name":"p","resourceVersion":"5"}}`,
			`{"metadata":{"resourceVersion":"4"}}`,
			`{"metadata":{"name":"p","resourceVersion":"4"}}`,
		},
		{
			"keyed list merges by name",
			`{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}`,
			`{"spec":{"containers":[{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}}`,
			`{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"},{"name":"c","image":"c:1"}]}}`,
		},
		{
			"nested keyed lists",
			`{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],"volumeMounts":[{"name":"v","mountPath":"/v"}]}]}}`,
			`{"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"3"}],"volumeMounts":[{"name":"w","mountPath":"/w"}]}]}}`,
			`{"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"3"}],"volumeMounts":[{"name":"v","mountPath":"/v"},{"name":"w","mountPath":"/w"}]}]}}`,
		},
		{
			"numeric merge key",
			`{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"},{"containerPort":443}]}]}}`,
			`{"spec":{"containers":[{"name":"a","ports":[{"containerPort":443,"name":"https"},{"containerPort":8080}]}]}}`,
			`{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"},{"containerPort":443,"name":"https"},{"containerPort":8080}]}]}}`,
		},
		{
			"merged primitive list is a union",
			`{"metadata":{"finalizers":["a","b"]}}`,
			`{"metadata":{"finalizers":["c","b","c"]}}`,
			`{"metadata":{"finalizers":["a","b","c"]}}`,
		},
		{
			"other lists are replaced",
			`{"spec":{"tolerations":[{"key":"a"},{"key":"b"}],"containers":[{"name":"a","args":["x","y"]}]}}`,
			`{"spec":{"tolerations":[{"key":"c"}],"containers":[{"name":"a","args":["z"]}]}}`,
			`{"spec":{"tolerations":[{"key":"c"}],"containers":[{"name":"a","args":["z"]}]}}`,
		},
		{
			"replace strategy on a struct",
			`{"spec":{"affinity":{"zones":["a"],"hard":true}}}`,
			`{"spec":{"affinity":{"zones":["b"]}}}`,
			`{"spec":{"affinity":{"zones":["b"]}}}`,
		},
		{
			"atomic value replaced whole",
			`{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"a":1}}}}}`,
			`{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"b":2}}}}}`,
			`{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"b":2}}}}}`,
		},
		{
			"map of atomic values merges by key",
			`{"spec":{"containers":[{"name":"a","resources":{"cpu":"1","memory":"1Gi"}}]}}`,
			`{"spec":{"containers":[{"name":"a","resources":{"cpu":"2"}}]}}`,
			`{"spec":{"containers":[{"name":"a","resources":{"cpu":"2","memory":"1Gi"}}]}}`,
		},
		{
			"unknown field merges as a merge patch",
			`{"spec":{"extra":{"a":1,"b":[1,2]}}}`,
			`{"spec":{"extra":{"a":null,"b":[3],"c":{"d":null}}}}`,
			`{"spec":{"extra":{"b":[3],"c":{}}}}`,
		},
		{
			"patch value of another JSON type replaces",
			`{"spec":{"containers":"oops","nodeSelector":[1]}}`,
			`{"spec":{"containers":[{"name":"a"}],"nodeSelector":{"zone":"a"}}}`,
			`{"spec":{"containers":[{"name":"a"}],"nodeSelector":{"zone":"a"}}}`,
		},
		{
			"$patch replace in a map",
			`{"metadata":{"labels":{"a":"1","b":"2"}}}`,
			`{"metadata":{"labels":{"$patch":"replace","c":"3"}}}`,
			`{"metadata":{"labels":{"c":"3"}}}`,
		},
		{
			"$patch replace in a list",
			`{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`,
			`{"spec":{"containers":[{"name":"c"},{"$patch":"replace"}]}}`,
			`{"spec":{"containers":[{"name":"c"}]}}`,
		},
		{
			"$patch replace in a merged primitive list",
			`{"metadata":{"finalizers":["a","b"]}}`,
			`{"metadata":{"finalizers":[{"$patch":"replace"},"c"]}}`,
			`{"metadata":{"finalizers":["c"]}}`,
		},
		{
			"$patch replace of a list element",
			`{"spec":{"containers":[{"name":"a","image":"i","args":["x"]}]}}`,
			`{"spec":{"containers":[{"name":"a","image":"j","$patch":"replace"}]}}`,
			`{"spec":{"containers":[{"name":"a","image":"j"}]}}`,
		},
		{
			"$patch delete of a list element",
			`{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}}`,
			`{"spec":{"containers":[{"name":"b","$patch":"delete"},{"name":"x","$patch":"delete"}]}}`,
			`{"spec":{"containers":[{"name":"a"},{"name":"c"}]}}`,
		},
		{
			"$patch delete in a map",
			`{"spec":{"strategy":{"type":"Recreate"},"nodeSelector":{"a":"b"}}}`,
			`{"spec":{"strategy":{"$patch":"delete"}}}`,
			`{"spec":{"nodeSelector":{"a":"b"}}}`,
		},
		{
			"$patch delete of the document",
			`{"metadata":{"name":"p"}}`,
			`{"$patch":"delete"}`,
			`{}`,
		},
		{
			"$patch merge in a map is the default",
			`{"metadata":{"labels":{"a":"1"}}}`,
			`{"metadata":{"labels":{"$patch":"merge","b":"2"}}}`,
			`{"metadata":{"labels":{"a":"1","b":"2"}}}`,
		},
		{
			"$patch merge in a replaced list merges it",
			`{"spec":{"tolerations":[{"key":"a"}],"containers":[{"name":"c","args":["x"]}]}}`,
			`{"spec":{"tolerations":[{"$patch":"merge"},{"key":"b"},{"key":"a"}],"containers":[{"name":"c","args":[{"$patch":"merge"},"y"]}]}}`,
			`{"spec":{"tolerations":[{"key":"a"},{"key":"b"}],"containers":[{"name":"c","args":["x","y"]}]}}`,
		},
		{
			"$retainKeys drops the keys not listed",
			`{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}`,
			`{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`,
			`{"spec":{"strategy":{"type":"Recreate"}}}`,
		},
		{
			"$retainKeys in keyed list elements",
			`{"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}}`,
			`{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"},"$retainKeys":["hostPath","name"]}]}}`,
			`{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}},{"name":"w","emptyDir":{}}]}}`,
		},
		{
			"$setElementOrder of a keyed list",
			`{"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]}}`,
			`{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"e"},{"name":"a"}],"containers":[{"name":"e"}]}}`,
			`{"spec":{"containers":[{"name":"c"},{"name":"e"},{"name":"a"},{"name":"b"},{"name":"d"}]}}`,
		},
		{
			"$setElementOrder of a primitive list",
			`{"metadata":{"finalizers":["a","b","c"]}}`,
			`{"metadata":{"$setElementOrder/finalizers":["c","x","b"],"finalizers":["x"]}}`,
			`{"metadata":{"finalizers":["c","x","b","a"]}}`,
		},
		{
			"$deleteFromPrimitiveList",
			`{"metadata":{"finalizers":["a","b","c"]}}`,
			`{"metadata":{"$deleteFromPrimitiveList/finalizers":["b","z"],"finalizers":["d"]}}`,
			`{"metadata":{"finalizers":["a","c","d"]}}`,
		},
		{
			"list directives for a list the document lacks",
			`{"metadata":{"name":"p"}}`,
			`{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a"]}}`,
			`{"metadata":{"name":"p"}}`,
		},
		{
			"directives in a new subtree are dropped",
			`{"metadata":{"name":"p"}}`,
			`{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"name":"a","env":[{"name":"X","$patch":"delete"},{"name":"Y"}],"resources":{"$patch":"replace","cpu":"1"}}]}}`,
			`{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","env":[{"name":"Y"}],"resources":{"cpu":"1"}}]}}`,
		},
		{
			"directives in a replacing list are dropped",
			`{"spec":{"containers":[{"name":"a"}]}}`,
			`{"spec":{"containers":[{"$patch":"replace"},{"name":"b","env":[{"name":"X","$patch":"delete"}],"$setElementOrder/env":[]}]}}`,
			`{"spec":{"containers":[{"name":"b","env":[]}]}}`,
		},
		{
			"inline fields are the struct's own",
			`{"apiVersion":"v1","kind":"Pod","spec":{"volumes":[{"name":"v","hostPath":{"path":"/a"}}]}}`,
			`{"kind":"Other","spec":{"volumes":[{"name":"v","hostPath":{"path":"/b"}}]}}`,
			`{"apiVersion":"v1","kind":"Other","spec":{"volumes":[{"name":"v","hostPath":{"path":"/b"}}]}}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StrategicMergePatch([]byte(tc.doc), []byte(tc.patch), podType)
			if err != nil {
				t.Fatalf("StrategicMergePatch: %v", err)
			}
			sameJSON(t, got, tc.want)
		})
	}
}

// Without a type, a strategic merge patch is a merge patch that still
// honours (and drops) its directives.
func TestStrategicMergePatchWithoutType(t *testing.T) {
	got, err := StrategicMergePatch(
		[]byte(`{"spec":{"containers":[{"name":"a"}],"x":{"a":1}}}`),
		[]byte(`{"spec":{"containers":[{"name":"b"}],"x":{"$patch":"replace","b":2}}}`),
		nil)
	if err != nil {
		t.Fatalf("StrategicMergePatch: %v", err)
	}
	sameJSON(t, got, `{"spec":{"containers":[{"name":"b"}],"x":{"b":2}}}`)
}

// A struct field may be called like a directive (JSON schema's "$ref").
func TestStrategicMergePatchDollarField(t *testing.T) {
	type props struct {
		Ref   string `json:"$ref,omitempty"`
		Patch string `json:"$patch,omitempty"`
	}
	got, err := StrategicMergePatch([]byte(`{"$ref":"a"}`), []byte(`{"$ref":"b","$patch":"delete"}`), reflect.TypeFor[props]())
	if err != nil {
		t.Fatalf("StrategicMergePatch: %v", err)
	}
	sameJSON(t, got, `{"$ref":"b","$patch":"delete"}`)
}

func TestStrategicMergePatchErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc, patch, want string
	}{
		{"malformed document", `{`, `{}`, "malformed JSON in document"},
		{"document not an object", `[1]`, `{}`, "document must be a JSON object"},
		{"patch not an object", `{}`, `[1]`, "patch must be a JSON object"},
		{"unknown $patch", `{}`, `{"metadata":{"$patch":"frob"}}`, `metadata: unknown $patch directive "frob"`},
		{"element without merge key", `{}`, `{"spec":{"containers":[{"image":"x"}]}}`, `spec.containers[0]: element has no merge key "name"`},
		{"element not an object", `{}`, `{"spec":{"containers":["a"]}}`, "spec.containers[0]: elements of a list merged by \"name\" must be objects"},
		{"nested element without key", `{"spec":{"containers":[{"name":"a"}]}}`, `{"spec":{"containers":[{"name":"a","env":[{"value":"1"}]}]}}`, `spec.containers[name="a"].env[0]: element has no merge key "name"`},
		{"$retainKeys not a list", `{}`, `{"spec":{"strategy":{"$retainKeys":"type"}}}`, "spec.strategy: $retainKeys must be a list"},
		{"$retainKeys not strings", `{}`, `{"spec":{"strategy":{"$retainKeys":[1]}}}`, "spec.strategy: $retainKeys must be a list of field names"},
		{"patched key not retained", `{}`, `{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}`, `field "rollingUpdate" is set by the patch but not listed`},
		{"$setElementOrder not a list", `{"metadata":{"finalizers":["a"]}}`, `{"metadata":{"$setElementOrder/finalizers":"a"}}`, "metadata.finalizers: $setElementOrder/finalizers must be a list"},
		{"$setElementOrder entry without key", `{"spec":{"containers":[{"name":"a"}]}}`, `{"spec":{"$setElementOrder/containers":[{"image":"a"}]}}`, `has no merge key "name"`},
		{"$deleteFromPrimitiveList not a list", `{"metadata":{"finalizers":["a"]}}`, `{"metadata":{"$deleteFromPrimitiveList/finalizers":{}}}`, "$deleteFromPrimitiveList/finalizers must be a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := StrategicMergePatch([]byte(tc.doc), []byte(tc.patch), podType)
			if !errors.Is(err, errdefs.ErrBadRequest) {
				t.Fatalf("got error %v, want a BadRequest", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
