package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func TestNamespaceCreate(t *testing.T) {
	r := NamespaceResource()
	tests := []struct {
		name           string
		in             Namespace
		wantFinalizers []FinalizerName
	}{
		{"adds the kubernetes finalizer", Namespace{}, []FinalizerName{FinalizerKubernetes}},
		{"keeps other finalizers", Namespace{Spec: NamespaceSpec{Finalizers: []FinalizerName{"example.com/x"}}},
			[]FinalizerName{"example.com/x", FinalizerKubernetes}},
		{"does not add it twice", Namespace{Spec: NamespaceSpec{Finalizers: []FinalizerName{FinalizerKubernetes}}},
			[]FinalizerName{FinalizerKubernetes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.in
			ns.Status.Phase = NamespaceTerminating // a client may not choose it
			r.PrepareForCreate(&ns)
			r.Default(&ns)
			if diff := cmp.Diff(tt.wantFinalizers, ns.Spec.Finalizers); diff != "" {
				t.Errorf("finalizers (-want +got):\n%s", diff)
			}
			if ns.Status.Phase != NamespaceActive {
				t.Errorf("got phase %q, want Active", ns.Status.Phase)
			}
		})
	}
}

func TestNamespaceDefaultKeepsPhase(t *testing.T) {
	ns := Namespace{Status: NamespaceStatus{Phase: NamespaceTerminating}}
	DefaultNamespace(&ns)
	if ns.Status.Phase != NamespaceTerminating {
		t.Errorf("got phase %q, want Terminating", ns.Status.Phase)
	}
}

func TestValidateNamespace(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(ns *Namespace)
		want   []string
	}{
		{"valid", func(ns *Namespace) {}, nil},
		{"qualified finalizer", func(ns *Namespace) { ns.Spec.Finalizers = append(ns.Spec.Finalizers, "example.com/x") }, nil},
		{"unqualified finalizer", func(ns *Namespace) { ns.Spec.Finalizers = []FinalizerName{"mine"} },
			[]string{"FieldValueInvalid spec.finalizers"}},
		{"bad finalizer", func(ns *Namespace) { ns.Spec.Finalizers = []FinalizerName{"example.com/a b"} },
			[]string{"FieldValueInvalid spec.finalizers"}},
		{"bad phase", func(ns *Namespace) { ns.Status.Phase = "Gone" },
			[]string{"FieldValueNotSupported status.phase"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := Namespace{ObjectMeta: meta.ObjectMeta{Name: "a"}}
			prepareNamespaceForCreate(&ns)
			tt.mutate(&ns)
			if diff := cmp.Diff(tt.want, causesOf(ValidateNamespace(&ns))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNamespaceTable(t *testing.T) {
	r := NamespaceResource()
	ns := &Namespace{ObjectMeta: meta.ObjectMeta{Name: "prod"}, Status: NamespaceStatus{Phase: NamespaceTerminating}}
	want := []any{"prod", "Terminating", "<unknown>"}
	if diff := cmp.Diff(want, r.Row(ns)); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}
	if got := r.FieldSet(ns)["status.phase"]; got != "Terminating" {
		t.Errorf("status.phase field = %q, want Terminating", got)
	}
}
