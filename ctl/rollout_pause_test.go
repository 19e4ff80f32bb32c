package ctl

import (
	"testing"
	"time"

	"github.com/wharf/wharf/api/builtin"
)

func TestRolloutMutationPatches(t *testing.T) {
	sch := builtin.Scheme()
	lookup := func(kind string) objectRef {
		res, err := sch.Lookup(kind)
		if err != nil {
			t.Fatal(err)
		}
		return objectRef{res, "default", "web"}
	}
	deployment := lookup("deployments")
	replicaset := lookup("replicasets")
	paused := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"paused":true,"template":{"metadata":{"labels":{"app":"web"}}}}}`
	running := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"template":{"metadata":{"labels":{"app":"web"}}}}}`
	at := time.Date(2025, 3, 4, 5, 6, 7, 999, time.FixedZone("CET", 3600))

	tests := []struct {
		name    string
		ref     objectRef
		obj     string
		mutate  mutation
		want    string
		wantErr string
	}{
		{name: "pause", ref: deployment, obj: running, mutate: setPaused(true), want: `{"spec":{"paused":true}}`},
		{name: "pause twice", ref: deployment, obj: paused, mutate: setPaused(true), wantErr: `deployments.apps "web" is already paused`},
		{name: "resume", ref: deployment, obj: paused, mutate: setPaused(false), want: `{"spec":{"paused":false}}`},
		{name: "resume a running deployment", ref: deployment, obj: running, mutate: setPaused(false), wantErr: `deployments.apps "web" is not paused`},
		{name: "pause a replica set", ref: replicaset, obj: running, mutate: setPaused(true), wantErr: `replicasets.apps "web" pausing is not supported`},
		{
			name:   "restart stamps the template to the second in its zone",
			ref:    deployment,
			obj:    running,
			mutate: restartAt(at),
			want:   `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-03-04T05:06:07+01:00"}}}}}`,
		},
		{name: "restart a paused deployment", ref: deployment, obj: paused, mutate: restartAt(at), wantErr: `deployments.apps "web" can't restart paused deployment (run rollout resume first)`},
		{name: "restart a replica set", ref: replicaset, obj: running, mutate: restartAt(at), wantErr: `replicasets.apps "web" restarting is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := mutationPatch(tt.ref, []byte(tt.obj), tt.mutate)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, string(p), tt.want)
		})
	}
}
