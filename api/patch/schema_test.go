package patch

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"

	"github.com/wharf/wharf/api/meta"
)

type testTree struct {
	Name     string     `json:"name"`
	Children []testTree `json:"children,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	Parent   *testTree  `json:"parent,omitempty"`
}

type testBase struct {
	Name  string `json:"name"`
	Shade string `json:"shade"`
}

type testShadowing struct {
	testBase
	*meta.TypeMeta `json:",inline"`
	Shade          int               `json:"shade" patchStrategy:"replace"`
	Skipped        string            `json:"-"`
	hidden         string            // must not become a field
	Blob           []byte            `json:"blob"`
	Any            any               `json:"any"`
	Raw            json.RawMessage   `json:"raw"`
	Untagged       map[string][]int  `json:""`
	Named          testBase          `json:"named"`
	Labels         map[string]string `json:"labels" patchStrategy:"merge"`
}

func TestSchema(t *testing.T) {
	pod := schemaFor(podType)
	list := schemaFor(reflect.TypeFor[meta.List[testPod]]())
	tree := schemaFor(reflect.TypeFor[*testTree]())
	shadow := schemaFor(reflect.TypeFor[testShadowing]())
	lookup := func(s *schema, path ...string) field {
		var f field
		for _, p := range path {
			if p == "[]" {
				f = field{schema: f.schema.elemOf()}
				s = f.schema
				continue
			}
			f = s.field(p)
			s = f.schema
		}
		return f
	}
	for _, tc := range []struct {
		name string
		got  field
		kind kind
		meta patchMeta
	}{
		{"inline TypeMeta", lookup(pod, "kind"), kindAtomic, patchMeta{}},
		{"metadata struct", lookup(pod, "metadata"), kindStruct, patchMeta{}},
		{"finalizers merge as a set", lookup(pod, "metadata", "finalizers"), kindList, patchMeta{merge: true}},
		{"owner references by uid", lookup(pod, "metadata", "ownerReferences"), kindList, patchMeta{merge: true, mergeKey: "uid"}},
		{"labels map", lookup(pod, "metadata", "labels"), kindMap, patchMeta{}},
		{"a label value", lookup(pod, "metadata", "labels", "any-key"), kindAtomic, patchMeta{}},
		{"Time is atomic", lookup(pod, "metadata", "creationTimestamp"), kindAtomic, patchMeta{}},
		{"*Time is atomic", lookup(pod, "metadata", "deletionTimestamp"), kindAtomic, patchMeta{}},
		{"containers by name", lookup(pod, "spec", "containers"), kindList, patchMeta{merge: true, mergeKey: "name"}},
		{"container element", lookup(pod, "spec", "containers", "[]"), kindStruct, patchMeta{}},
		{"env by name", lookup(pod, "spec", "containers", "[]", "env"), kindList, patchMeta{merge: true, mergeKey: "name"}},
		{"volumes merge and retain keys", lookup(pod, "spec", "volumes"), kindList, patchMeta{merge: true, retainKeys: true, mergeKey: "name"}},
		{"inline volume source", lookup(pod, "spec", "volumes", "[]", "hostPath"), kindStruct, patchMeta{}},
		{"retainKeys on a struct", lookup(pod, "spec", "strategy"), kindStruct, patchMeta{retainKeys: true}},
		{"Unmarshaler is atomic", lookup(pod, "spec", "strategy", "rollingUpdate", "maxSurge"), kindAtomic, patchMeta{}},
		{"map of atomic", lookup(pod, "spec", "containers", "[]", "resources", "cpu"), kindAtomic, patchMeta{}},
		{"unknown field", lookup(pod, "spec", "nope"), kindUnknown, patchMeta{}},
		{"named embedded struct is not inlined", lookup(list, "metadata", "resourceVersion"), kindAtomic, patchMeta{}},
		{"list items", lookup(list, "items", "[]", "spec", "containers"), kindList, patchMeta{merge: true, mergeKey: "name"}},
		{"recursive type", lookup(tree, "children", "[]", "parent", "children"), kindList, patchMeta{merge: true, mergeKey: "name"}},
		{"embedded untagged struct", lookup(shadow, "name"), kindAtomic, patchMeta{}},
		{"embedded pointer inline", lookup(shadow, "apiVersion"), kindAtomic, patchMeta{}},
		{"direct field wins", lookup(shadow, "shade"), kindAtomic, patchMeta{replace: true}},
		{"json:- skipped", lookup(shadow, "Skipped"), kindUnknown, patchMeta{}},
		{"unexported skipped", lookup(shadow, "hidden"), kindUnknown, patchMeta{}},
		{"[]byte is atomic", lookup(shadow, "blob"), kindAtomic, patchMeta{}},
		{"interface is unknown", lookup(shadow, "any"), kindUnknown, patchMeta{}},
		{"RawMessage is atomic", lookup(shadow, "raw"), kindAtomic, patchMeta{}},
		{"empty tag name uses Go name", lookup(shadow, "Untagged", "k"), kindList, patchMeta{}},
		{"named struct", lookup(shadow, "named", "shade"), kindAtomic, patchMeta{}},
		{"map merge strategy", lookup(shadow, "labels"), kindMap, patchMeta{merge: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.got.schema.kindOf(); got != tc.kind {
				t.Errorf("got kind %d, want %d", got, tc.kind)
			}
			if tc.got.meta != tc.meta {
				t.Errorf("got patch meta %+v, want %+v", tc.got.meta, tc.meta)
			}
		})
	}
}

// The cache is shared by concurrent requests; building the same recursive
// type from many goroutines must agree (and pass the race detector).
func TestSchemaConcurrent(t *testing.T) {
	type fresh struct {
		Tree  testTree `json:"tree"`
		Other []string `json:"other" patchStrategy:"merge"`
	}
	var wg sync.WaitGroup
	got := make([]*schema, 8)
	for i := range got {
		wg.Go(func() { got[i] = schemaFor(reflect.TypeFor[fresh]()) })
	}
	wg.Wait()
	for i, s := range got {
		if f := s.field("tree").schema.field("children"); f.meta.mergeKey != "name" || f.schema.elemOf().kindOf() != kindStruct {
			t.Errorf("goroutine %d: got children field %+v, want a list merged by name", i, f)
		}
		if f := s.field("other"); !f.meta.merge {
			t.Errorf("goroutine %d: got other field %+v, want merge", i, f)
		}
	}
}
