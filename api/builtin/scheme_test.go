package builtin

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/validate"
)

// fixture decodes testdata/<kind>.yaml, a typical manifest of r's kind, as
// the server would receive it.
func fixture(t *testing.T, r *scheme.Resource) meta.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", strings.ToLower(r.Kind)+".yaml"))
	if err != nil {
		t.Fatalf("every kind needs a fixture: %v", err)
	}
	obj := r.New()
	if err := codec.Decode(data, obj); err != nil {
		t.Fatalf("decoding the fixture: %v", err)
	}
	if tm := obj.GetTypeMeta(); tm.APIVersion != r.APIVersion() || tm.Kind != r.Kind {
		t.Fatalf("fixture is %s %s, want %s %s", tm.APIVersion, tm.Kind, r.APIVersion(), r.Kind)
	}
	return obj
}

// created runs what the server runs on a create before validating. The
// registry assigns the UID first, which a Job's generated selector uses.
func created(r *scheme.Resource, obj meta.Object) meta.Object {
	if m := obj.GetObjectMeta(); m.UID == "" {
		m.UID = "6a1f3c9e-0000-4000-8000-000000000000"
	}
	if r.PrepareForCreate != nil {
		r.PrepareForCreate(obj)
	}
	if r.Default != nil {
		r.Default(obj)
	}
	return obj
}

func TestSchemeIsFreshEachCall(t *testing.T) {
	a, b := Scheme(), Scheme()
	if a == b || a.Resources()[0] == b.Resources()[0] {
		t.Error("got shared schemes or resources from two calls, want fresh ones")
	}
}

func TestLookup(t *testing.T) {
	s := Scheme()
	tests := []struct {
		name, wantGroup, wantKind string
	}{
		{"po", "", "Pod"},
		{"pods", "", "Pod"},
		{"deploy", "apps", "Deployment"},
		{"deployments.apps", "apps", "Deployment"},
		{"rs", "apps", "ReplicaSet"},
		{"ds", "apps", "DaemonSet"},
		{"daemonsets.apps", "apps", "DaemonSet"},
		{"job", "batch", "Job"},
		{"jobs.v1.batch", "batch", "Job"},
		{"cm", "", "ConfigMap"},
		{"no", "", "Node"},
		{"ns", "", "Namespace"},
		{"svc", "", "Service"},
		{"ep", "", "Endpoints"},
		{"ev", "", "Event"},
		{"secret", "", "Secret"},
		{"leases.coordination.k8s.io", "coordination.k8s.io", "Lease"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if r.Group != tt.wantGroup || r.Kind != tt.wantKind {
				t.Errorf("got %s %s, want %s %s", r.Group, r.Kind, tt.wantGroup, tt.wantKind)
			}
		})
	}
	if _, err := s.Lookup("widgets"); err == nil {
		t.Error("got no error looking up widgets, want one")
	}
}

func TestAllInCategory(t *testing.T) {
	var got []string
	for _, r := range Scheme().Resources() {
		for _, c := range r.Categories {
			if c == "all" {
				got = append(got, r.Plural)
			}
		}
	}
	if want := "pods,services,daemonsets,deployments,replicasets,jobs"; strings.Join(got, ",") != want {
		t.Errorf("got `all` = %v, want %s", got, want)
	}
}

// TestJSONRoundTrip checks that every kind's JSON names are consistent: what
// it writes, strict decoding reads back, unchanged.
func TestJSONRoundTrip(t *testing.T) {
	for _, r := range Scheme().Resources() {
		t.Run(r.Plural, func(t *testing.T) {
			for name, obj := range map[string]meta.Object{"zero": r.New(), "filled": created(r, fixture(t, r))} {
				first, err := json.Marshal(obj)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				back := r.New()
				if err := codec.DecodeJSON(first, back); err != nil {
					t.Fatalf("%s: decoding what was written: %v", name, err)
				}
				second, err := json.Marshal(back)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !bytes.Equal(first, second) {
					t.Errorf("%s: got %s after a round trip, want %s", name, second, first)
				}
			}
		})
	}
}

func TestRowsFitColumns(t *testing.T) {
	for _, r := range Scheme().Resources() {
		t.Run(r.Plural, func(t *testing.T) {
			if len(r.Columns) == 0 || r.Columns[0].Name != "Name" && r.Kind != "Event" {
				t.Errorf("got columns %v, want Name first", r.Columns)
			}
			for name, obj := range map[string]meta.Object{"zero": r.New(), "filled": created(r, fixture(t, r))} {
				if got := len(r.Row(obj)); got != len(r.Columns) {
					t.Errorf("%s: got %d cells, want %d", name, got, len(r.Columns))
				}
			}
		})
	}
}

func TestFixturesValidate(t *testing.T) {
	for _, r := range Scheme().Resources() {
		t.Run(r.Plural, func(t *testing.T) {
			obj := created(r, fixture(t, r))
			errs := validate.ObjectMeta(obj.GetObjectMeta(), r.Namespaced, r.NameIsLabel, validate.NewPath("metadata"))
			errs = append(errs, r.Validate(obj)...)
			for _, e := range errs {
				t.Errorf("got %v, want a typical manifest accepted", e)
			}
			if r.ValidateUpdate != nil {
				for _, e := range r.ValidateUpdate(obj, obj) {
					t.Errorf("got %v updating to itself, want no error", e)
				}
			}
		})
	}
}

func TestFieldsSupported(t *testing.T) {
	s := Scheme()
	tests := []struct {
		resource, field string
	}{
		{"pods", "spec.nodeName"},
		{"pods", "status.phase"},
		{"namespaces", "status.phase"},
		{"nodes", "spec.unschedulable"},
		{"secrets", "type"},
		{"events", "involvedObject.uid"},
		{"events", "source"},
		{"replicasets", "status.replicas"},
		{"jobs", "status.successful"},
		{"services", "metadata.namespace"},
	}
	for _, tt := range tests {
		r, err := s.Lookup(tt.resource)
		if err != nil {
			t.Fatal(err)
		}
		if !r.SupportsField(tt.field) {
			t.Errorf("%s: got %s unsupported, want supported", tt.resource, tt.field)
		}
	}
	if r, _ := s.Lookup("nodes"); r.SupportsField("metadata.namespace") {
		t.Error("nodes: got metadata.namespace supported, want not: nodes are cluster-scoped")
	}
}
