package apps

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// testReplicaSet is a valid replica set, defaulted after mutate runs.
func testReplicaSet(mutate ...func(rs *ReplicaSet)) *ReplicaSet {
	rs := &ReplicaSet{
		ObjectMeta: meta.ObjectMeta{Name: "web-7d9f", Namespace: "default"},
		Spec: ReplicaSetSpec{
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate(),
		},
	}
	for _, m := range mutate {
		m(rs)
	}
	DefaultReplicaSet(rs)
	return rs
}

func TestDefaultReplicaSet(t *testing.T) {
	rs := testReplicaSet()
	if rs.Spec.Replicas == nil || *rs.Spec.Replicas != 1 {
		t.Errorf("got replicas %v, want 1", rs.Spec.Replicas)
	}
	if rs.Spec.Template.Spec.DNSPolicy == "" {
		t.Error("got an empty template dnsPolicy, want the pod spec defaults applied")
	}
}

func TestValidateReplicaSet(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(rs *ReplicaSet)
		want   []string
	}{
		{"valid", func(rs *ReplicaSet) {}, nil},
		{"negative replicas and min ready", func(rs *ReplicaSet) { rs.Spec.Replicas, rs.Spec.MinReadySeconds = ptr[int32](-1), -1 },
			[]string{"FieldValueInvalid spec.replicas", "FieldValueInvalid spec.minReadySeconds"}},
		{"no selector", func(rs *ReplicaSet) { rs.Spec.Selector = nil }, []string{"FieldValueRequired spec.selector"}},
		{"selector does not match", func(rs *ReplicaSet) {
			rs.Spec.Selector = &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "tier", Operator: "NotIn", Values: []string{"front"}}}}
		}, []string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"restart policy", func(rs *ReplicaSet) { rs.Spec.Template.Spec.RestartPolicy = core.RestartPolicyOnFailure },
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"inconsistent status", func(rs *ReplicaSet) {
			rs.Status = ReplicaSetStatus{Replicas: 1, FullyLabeledReplicas: 2, ObservedGeneration: -1}
		},
			[]string{"FieldValueInvalid status.observedGeneration", "FieldValueInvalid status.fullyLabeledReplicas"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, causesOf(ValidateReplicaSet(testReplicaSet(tt.mutate)))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplicaSetUpdate(t *testing.T) {
	old := testReplicaSet(func(rs *ReplicaSet) { rs.Generation = 4 })
	scaled := testReplicaSet(func(rs *ReplicaSet) { rs.Spec.Replicas = ptr[int32](5) })
	ReplicaSetResource().PrepareForUpdate(scaled, old)
	if scaled.Generation != 5 {
		t.Errorf("got generation %d, want 5", scaled.Generation)
	}
	moved := testReplicaSet(func(rs *ReplicaSet) { rs.Spec.Selector.MatchLabels["tier"] = "front" })
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.selector"}, causesOf(ValidateReplicaSetUpdate(moved, old))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestReplicaSetRowAndFields(t *testing.T) {
	rs := testReplicaSet(func(rs *ReplicaSet) {
		rs.Spec.Replicas = ptr[int32](3)
		rs.Status = ReplicaSetStatus{Replicas: 2, ReadyReplicas: 1}
	})
	r := ReplicaSetResource()
	want := []any{"web-7d9f", int64(3), int64(2), int64(1), "<unknown>", "web", "nginx:1.27", "app=web"}
	if diff := cmp.Diff(want, r.Row(rs)); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}
	if got := r.FieldSet(rs)["status.replicas"]; got != "2" {
		t.Errorf("status.replicas = %q, want 2", got)
	}
}
