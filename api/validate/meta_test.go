package validate

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

// fieldErrors lists errs as "type field" strings, the part tests assert on.
func fieldErrors(errs ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func TestObjectMeta(t *testing.T) {
	yes := true
	tests := []struct {
		name        string
		meta        meta.ObjectMeta
		namespaced  bool
		nameIsLabel bool
		want        []string
	}{
		{name: "valid namespaced", meta: meta.ObjectMeta{Name: "web.v1", Namespace: "default"}, namespaced: true},
		{name: "valid cluster-scoped", meta: meta.ObjectMeta{Name: "n1"}},
		{name: "no name", meta: meta.ObjectMeta{Namespace: "default"}, namespaced: true,
			want: []string{"FieldValueRequired metadata.name"}},
		{name: "bad name", meta: meta.ObjectMeta{Name: "Web", Namespace: "default"}, namespaced: true,
			want: []string{"FieldValueInvalid metadata.name"}},
		{name: "dots in a label name", meta: meta.ObjectMeta{Name: "a.b"}, nameIsLabel: true,
			want: []string{"FieldValueInvalid metadata.name"}},
		{name: "generateName prefix may end in a dash", meta: meta.ObjectMeta{Name: "web-x7k2p", GenerateName: "web-", Namespace: "default"}, namespaced: true},
		{name: "generateName of a single dash", meta: meta.ObjectMeta{Name: "x7k2p", GenerateName: "-"},
			want: []string{"FieldValueInvalid metadata.generateName"}},
		{name: "bad generateName", meta: meta.ObjectMeta{Name: "web-x7k2p", GenerateName: "Web-", Namespace: "default"}, namespaced: true,
			want: []string{"FieldValueInvalid metadata.generateName"}},
		{name: "namespace required", meta: meta.ObjectMeta{Name: "a"}, namespaced: true,
			want: []string{"FieldValueRequired metadata.namespace"}},
		{name: "namespace must be a label", meta: meta.ObjectMeta{Name: "a", Namespace: "a.b"}, namespaced: true,
			want: []string{"FieldValueInvalid metadata.namespace"}},
		{name: "namespace forbidden", meta: meta.ObjectMeta{Name: "a", Namespace: "default"},
			want: []string{"FieldValueForbidden metadata.namespace"}},
		{name: "negative generation", meta: meta.ObjectMeta{Name: "a", Generation: -1},
			want: []string{"FieldValueInvalid metadata.generation"}},
		{name: "bad label value", meta: meta.ObjectMeta{Name: "a", Labels: map[string]string{"app": "-x"}},
			want: []string{"FieldValueInvalid metadata.labels[app]"}},
		{name: "bad annotation key", meta: meta.ObjectMeta{Name: "a", Annotations: map[string]string{"a b": "x"}},
			want: []string{"FieldValueInvalid metadata.annotations"}},
		{
			name: "owner reference fields required",
			meta: meta.ObjectMeta{Name: "a", OwnerReferences: []meta.OwnerReference{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "u1"},
				{},
			}},
			want: []string{
				"FieldValueRequired metadata.ownerReferences[1].apiVersion",
				"FieldValueRequired metadata.ownerReferences[1].kind",
				"FieldValueRequired metadata.ownerReferences[1].name",
				"FieldValueRequired metadata.ownerReferences[1].uid",
			},
		},
		{
			name: "two controllers",
			meta: meta.ObjectMeta{Name: "a", OwnerReferences: []meta.OwnerReference{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "a", UID: "u1", Controller: &yes},
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "b", UID: "u2", Controller: &yes},
			}},
			want: []string{"FieldValueInvalid metadata.ownerReferences"},
		},
		{name: "finalizers", meta: meta.ObjectMeta{Name: "a", Finalizers: []string{"example.com/cleanup", "kubernetes", "bad finalizer"}},
			want: []string{"FieldValueInvalid metadata.finalizers"}},
		{name: "orphan and foreground", meta: meta.ObjectMeta{Name: "a", Finalizers: []string{"orphan", "foregroundDeletion"}},
			want: []string{"FieldValueInvalid metadata.finalizers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fieldErrors(ObjectMeta(&tt.meta, tt.namespaced, tt.nameIsLabel, NewPath("metadata")))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObjectMetaTwoControllersMessage(t *testing.T) {
	yes := true
	m := meta.ObjectMeta{Name: "a", OwnerReferences: []meta.OwnerReference{
		{APIVersion: "v1", Kind: "A", Name: "x", UID: "1", Controller: &yes},
		{APIVersion: "v1", Kind: "B", Name: "y", UID: "2", Controller: &yes},
	}}
	errs := ObjectMeta(&m, false, false, NewPath("metadata"))
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1", len(errs))
	}
	if got, want := errs[0].Error(), "Only one reference can have Controller set to true"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}

func TestObjectMetaUpdate(t *testing.T) {
	created := meta.NewTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	deleted := meta.NewTime(created.Add(time.Hour))
	later := meta.NewTime(created.Add(2 * time.Hour))
	grace := int64(30)
	other := int64(0)
	base := func() meta.ObjectMeta {
		return meta.ObjectMeta{
			Name: "a", Namespace: "default", UID: "u1", ResourceVersion: "5",
			Generation: 2, CreationTimestamp: created, Finalizers: []string{"example.com/f"},
		}
	}
	deleting := func() meta.ObjectMeta {
		m := base()
		m.DeletionTimestamp = &deleted
		m.DeletionGracePeriodSeconds = &grace
		return m
	}
	tests := []struct {
		name   string
		old    meta.ObjectMeta
		change func(m *meta.ObjectMeta)
		want   []string
	}{
		{name: "labels may change", old: base(), change: func(m *meta.ObjectMeta) { m.Labels = map[string]string{"a": "b"} }},
		{name: "generation may grow", old: base(), change: func(m *meta.ObjectMeta) { m.Generation = 3 }},
		{name: "finalizers may be removed while deleting", old: deleting(), change: func(m *meta.ObjectMeta) { m.Finalizers = nil }},
		{name: "name", old: base(), change: func(m *meta.ObjectMeta) { m.Name = "b" },
			want: []string{"FieldValueInvalid metadata.name"}},
		{name: "namespace", old: base(), change: func(m *meta.ObjectMeta) { m.Namespace = "other" },
			want: []string{"FieldValueInvalid metadata.namespace"}},
		{name: "uid", old: base(), change: func(m *meta.ObjectMeta) { m.UID = "u2" },
			want: []string{"FieldValueInvalid metadata.uid"}},
		{name: "creationTimestamp", old: base(), change: func(m *meta.ObjectMeta) { m.CreationTimestamp = later },
			want: []string{"FieldValueInvalid metadata.creationTimestamp"}},
		{name: "deletionTimestamp cleared", old: deleting(), change: func(m *meta.ObjectMeta) { m.DeletionTimestamp = nil },
			want: []string{"FieldValueInvalid metadata.deletionTimestamp"}},
		{name: "deletionTimestamp moved", old: deleting(), change: func(m *meta.ObjectMeta) { m.DeletionTimestamp = &later },
			want: []string{"FieldValueInvalid metadata.deletionTimestamp"}},
		{name: "deletionTimestamp set by an update", old: base(), change: func(m *meta.ObjectMeta) { m.DeletionTimestamp = &later },
			want: []string{"FieldValueInvalid metadata.deletionTimestamp"}},
		{name: "grace period changed", old: deleting(), change: func(m *meta.ObjectMeta) { m.DeletionGracePeriodSeconds = &other },
			want: []string{"FieldValueInvalid metadata.deletionGracePeriodSeconds"}},
		{name: "generation decremented", old: base(), change: func(m *meta.ObjectMeta) { m.Generation = 1 },
			want: []string{"FieldValueInvalid metadata.generation"}},
		{name: "finalizer added while deleting", old: deleting(), change: func(m *meta.ObjectMeta) { m.Finalizers = append(m.Finalizers, "example.com/g") },
			want: []string{"FieldValueForbidden metadata.finalizers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := meta.DeepCopy(tt.old)
			tt.change(&m)
			got := fieldErrors(ObjectMetaUpdate(&m, &tt.old, NewPath("metadata")))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImmutable(t *testing.T) {
	a, b := int32(1), int32(2)
	if errs := Immutable(&a, &a, NewPath("spec")); len(errs) != 0 {
		t.Errorf("got %v for equal values, want none", errs)
	}
	errs := Immutable(&b, &a, NewPath("spec", "x"))
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1", len(errs))
	}
	if got, want := errs[0].Error(), "spec.x: Invalid value: 2: field is immutable"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLabelSelector(t *testing.T) {
	tests := []struct {
		name string
		sel  *meta.LabelSelector
		want []string
	}{
		{"nil", nil, nil},
		{"valid", &meta.LabelSelector{
			MatchLabels: map[string]string{"app": "web"},
			MatchExpressions: []meta.LabelSelectorRequirement{
				{Key: "tier", Operator: "In", Values: []string{"a"}},
				{Key: "canary", Operator: "DoesNotExist"},
			},
		}, nil},
		{"bad label", &meta.LabelSelector{MatchLabels: map[string]string{"app": "a b"}},
			[]string{"FieldValueInvalid spec.selector.matchLabels[app]"}},
		{"in without values", &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "a", Operator: "In"}}},
			[]string{"FieldValueRequired spec.selector.matchExpressions[0].values"}},
		{"exists with values", &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "a", Operator: "Exists", Values: []string{"x"}}}},
			[]string{"FieldValueForbidden spec.selector.matchExpressions[0].values"}},
		{"bad operator, key and value", &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "a b", Operator: "Has", Values: []string{"-"}}}},
			[]string{
				"FieldValueInvalid spec.selector.matchExpressions[0].operator",
				"FieldValueInvalid spec.selector.matchExpressions[0].key",
				"FieldValueInvalid spec.selector.matchExpressions[0].values[0]",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fieldErrors(LabelSelector(tt.sel, NewPath("spec", "selector")))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
