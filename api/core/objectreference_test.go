package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// causesOf lists errs as "type field", the part validation tests assert on.
func causesOf(errs validate.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func TestReferenceTo(t *testing.T) {
	cm := &ConfigMap{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta.ObjectMeta{Name: "a", Namespace: "ns", UID: "u1", ResourceVersion: "7"},
	}
	want := ObjectReference{Kind: "ConfigMap", Namespace: "ns", Name: "a", UID: "u1", APIVersion: "v1", ResourceVersion: "7"}
	if diff := cmp.Diff(want, ReferenceTo(cm)); diff != "" {
		t.Errorf("ReferenceTo (-want +got):\n%s", diff)
	}
}
