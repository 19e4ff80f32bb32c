package coordination

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func ptr[T any](v T) *T { return &v }

func TestValidateLease(t *testing.T) {
	tests := []struct {
		name string
		spec LeaseSpec
		want []string
	}{
		{"empty", LeaseSpec{}, nil},
		{"held", LeaseSpec{HolderIdentity: ptr("n1"), LeaseDurationSeconds: ptr[int32](40), LeaseTransitions: ptr[int32](0)}, nil},
		{"zero duration", LeaseSpec{LeaseDurationSeconds: ptr[int32](0)}, []string{"FieldValueInvalid spec.leaseDurationSeconds"}},
		{"negative transitions", LeaseSpec{LeaseTransitions: ptr[int32](-1)}, []string{"FieldValueInvalid spec.leaseTransitions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range ValidateLease(&Lease{Spec: tt.spec}) {
				got = append(got, string(e.Type)+" "+e.Field)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLeaseWireFormat(t *testing.T) {
	renew := meta.MicroTime{Time: time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)}
	l := Lease{Spec: LeaseSpec{HolderIdentity: ptr("n1"), RenewTime: &renew}}
	b, err := json.Marshal(l.Spec)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"holderIdentity":"n1","renewTime":"2024-05-01T12:00:00.123456Z"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestLeaseRow(t *testing.T) {
	r := LeaseResource()
	tests := []struct {
		lease *Lease
		want  []any
	}{
		{&Lease{ObjectMeta: meta.ObjectMeta{Name: "n1"}, Spec: LeaseSpec{HolderIdentity: ptr("n1")}}, []any{"n1", "n1", "<unknown>"}},
		{&Lease{}, []any{"", "", "<unknown>"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, r.Row(tt.lease)); diff != "" {
			t.Errorf("row (-want +got):\n%s", diff)
		}
	}
	if r.HasStatus || !r.Namespaced || r.APIVersion() != "coordination.k8s.io/v1" {
		t.Errorf("got hasStatus %v namespaced %v apiVersion %q, want false, true, coordination.k8s.io/v1", r.HasStatus, r.Namespaced, r.APIVersion())
	}
}
