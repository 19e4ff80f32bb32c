package apps

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func TestDeploymentScale(t *testing.T) {
	d := testDeployment(func(d *Deployment) {
		d.UID, d.ResourceVersion = "u1", "42"
		d.Spec.Replicas = ptr[int32](4)
		d.Spec.Selector.MatchExpressions = []meta.LabelSelectorRequirement{{Key: "tier", Operator: "In", Values: []string{"front"}}}
		d.Status.Replicas = 3
	})
	want := &Scale{
		TypeMeta:   meta.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: meta.ObjectMeta{Name: "web", Namespace: "default", UID: "u1", ResourceVersion: "42"},
		Spec:       ScaleSpec{Replicas: 4},
		Status:     ScaleStatus{Replicas: 3, Selector: "app=web,tier in (front)"},
	}
	if diff := cmp.Diff(want, DeploymentScale(d)); diff != "" {
		t.Errorf("scale (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(ReplicaSetScale(testReplicaSet()))
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web-7d9f","namespace":"default","creationTimestamp":null},"spec":{"replicas":1},"status":{"replicas":0,"selector":"app=web"}}`
	if string(b) != wantJSON {
		t.Errorf("got %s, want %s", b, wantJSON)
	}
}

func TestValidateScale(t *testing.T) {
	if errs := ValidateScale(&Scale{Spec: ScaleSpec{Replicas: 0}}); len(errs) != 0 {
		t.Errorf("got %v for 0 replicas, want none", errs)
	}
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.replicas"}, causesOf(ValidateScale(&Scale{Spec: ScaleSpec{Replicas: -1}}))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
