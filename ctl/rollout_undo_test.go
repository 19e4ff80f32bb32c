package ctl

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/patch"
)

func TestRollbackPatch(t *testing.T) {
	d := revisionRS("web", "4", "nginx:4").build(t)
	setField(d, "Deployment", "kind")
	delete(d.obj("spec", "template", "metadata", "labels"), apps.PodTemplateHashLabel)
	for k, v := range map[string]string{
		lastAppliedAnnotation: `{"kind":"Deployment"}`,
		"team":                "a",
		"deployment.kubernetes.io/desired-replicas": "3",
	} {
		setField(d, v, "metadata", "annotations", k)
	}
	rs := revisionRS("web-b", "2", "nginx:2").
		annotate("team", "b").
		annotate(apps.ChangeCauseAnnotation, "set image to nginx:2").
		annotate("deployment.kubernetes.io/max-replicas", "4").
		build(t)

	p, err := rollbackPatch(d, rs)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := json.Unmarshal(p, &got); err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]any{"op": "replace", "path": "/spec/template", "value": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
			"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx:2"}}},
		}},
		map[string]any{"op": "add", "path": "/metadata/annotations", "value": map[string]any{
			// The deployment's own bookkeeping stays...
			apps.RevisionAnnotation:                     "4",
			lastAppliedAnnotation:                       `{"kind":"Deployment"}`,
			"deployment.kubernetes.io/desired-replicas": "3",
			// ...the rest comes from the replica set.
			"team":                     "b",
			apps.ChangeCauseAnnotation: "set image to nginx:2",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}

	// The patch applies to a deployment without annotations too.
	bare := revisionRS("web", "", "nginx:4").build(t)
	delete(bare, "metadata")
	setField(bare, "web", "metadata", "name")
	raw, _ := json.Marshal(bare)
	p, err = rollbackPatch(bare, rs)
	if err != nil {
		t.Fatal(err)
	}
	out, err := patch.JSONPatch(raw, p)
	if err != nil {
		t.Fatalf("applying the patch to a deployment without annotations: %v", err)
	}
	o, err := parseObject(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.stringMap("metadata", "annotations")["team"]; got != "b" {
		t.Errorf("got annotation team=%q, want %q", got, "b")
	}
}
