package patch

import (
	"encoding/json"
	"testing"
)

// FuzzStrategicMergePatch feeds arbitrary documents and patches to the
// strategic merge patch of a pod: it must never panic, and what it returns
// must be a JSON object. The three-way patch from (doc, patch as a manifest,
// doc) must not panic either.
func FuzzStrategicMergePatch(f *testing.F) {
	seeds := [][2]string{
		{`{"spec":{"containers":[{"name":"a","image":"i"}]}}`, `{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}`},
		{`{"metadata":{"finalizers":["a","b"]}}`, `{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"$setElementOrder/finalizers":["b","c"],"finalizers":["c"]}}`},
		{`{"spec":{"strategy":{"type":"A","rollingUpdate":{}}}}`, `{"spec":{"strategy":{"$retainKeys":["type"],"type":"B"}}}`},
		{`{"spec":{"containers":[{"name":"a"},{"name":"b"}]}}`, `{"spec":{"$setElementOrder/containers":[{"name":"b"}],"containers":[{"$patch":"replace"},{"name":"c","env":[{"name":"X"}]}]}}`},
		{`{"metadata":{"labels":{"a":"b"}}}`, `{"metadata":{"labels":{"$patch":"replace"}},"$patch":"merge"}`},
		{`{"spec":{"tolerations":[1,[2],{"3":4}]}}`, `{"spec":{"tolerations":[{"$patch":"merge"},null,{"$patch":"delete"}]}}`},
		{`{}`, `{"$patch":"delete"}`},
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, doc, patch []byte) {
		out, err := StrategicMergePatch(doc, patch, podType)
		if err == nil {
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil || m == nil {
				t.Fatalf("StrategicMergePatch returned %q, not a JSON object: %v", out, err)
			}
		}
		if p, err := CreateThreeWayMergePatch(doc, patch, doc, podType); err == nil {
			if !json.Valid(p) {
				t.Fatalf("CreateThreeWayMergePatch returned invalid JSON %q", p)
			}
		}
	})
}
