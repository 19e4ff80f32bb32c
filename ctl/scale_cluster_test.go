package ctl

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
)

func TestScale(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	d := createDeployment(t, cl, webDeployment(2, "web=nginx:1"))
	createRevision(t, cl, d, "1", "aaa", "nginx:1", nil, true)

	replicas := func(t *testing.T) int32 {
		t.Helper()
		return *getDeployment(t, cl, "web").Spec.Replicas
	}
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name         string
		args         []string
		wantOut      string
		wantErr      string
		wantReplicas int32
	}{
		{name: "by kind/name", args: []string{"deployment/web", "--replicas=5"}, wantOut: "deployment.apps/web scaled\n", wantReplicas: 5},
		{name: "by kind and name", args: []string{"deploy", "web", "--replicas", "4"}, wantOut: "deployment.apps/web scaled\n", wantReplicas: 4},
		{name: "by manifest", args: []string{"-f", manifest, "--replicas=3"}, wantOut: "deployment.apps/web scaled\n", wantReplicas: 3},
		{name: "precondition met", args: []string{"deployment/web", "--current-replicas=3", "--replicas=2"}, wantOut: "deployment.apps/web scaled\n", wantReplicas: 2},
		{name: "precondition not met", args: []string{"deployment/web", "--current-replicas=7", "--replicas=9"}, wantErr: "error: Expected replicas to be 7, was 2\n", wantReplicas: 2},
		{name: "to zero", args: []string{"deployment/web", "--replicas=0"}, wantOut: "deployment.apps/web scaled\n", wantReplicas: 0},
		{name: "negative", args: []string{"deployment/web", "--replicas=-1"}, wantErr: "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n", wantReplicas: 0},
		{name: "replicas missing", args: []string{"deployment/web"}, wantErr: "error: required flag(s) \"replicas\" not set\n", wantReplicas: 0},
		{name: "missing object", args: []string{"deployment/nope", "--replicas=1"}, wantErr: "Error from server (NotFound): deployments.apps \"nope\" not found\n", wantReplicas: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.wharf(t, "", append([]string{"scale"}, tt.args...)...)
			wantCode := 0
			if tt.wantErr != "" {
				wantCode = 1
			}
			if r.code != wantCode || r.stdout != tt.wantOut || r.stderr != tt.wantErr {
				t.Errorf("got %+v, want exit %d, stdout %q, stderr %q", r, wantCode, tt.wantOut, tt.wantErr)
			}
			if got := replicas(t); got != tt.wantReplicas {
				t.Errorf("got %d replicas, want %d", got, tt.wantReplicas)
			}
		})
	}

	t.Run("resource version precondition", func(t *testing.T) {
		rv := getDeployment(t, cl, "web").ResourceVersion
		r := c.wharf(t, "", "scale", "deployment/web", "--resource-version=1", "--replicas=9")
		if want := "error: Expected resource version to be 1, was " + rv + "\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
		if got, want := c.mustWharf(t, "", "scale", "deployment/web", "--resource-version="+rv, "--replicas=3"), "deployment.apps/web scaled\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got := replicas(t); got != 3 {
			t.Errorf("got %d replicas, want 3", got)
		}
	})
	t.Run("replica sets by selector", func(t *testing.T) {
		got := c.mustWharf(t, "", "scale", "rs", "-l", "app=web", "--replicas=2")
		if want := "replicaset.apps/web-aaa scaled\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		rs, err := client.For[apps.ReplicaSet](cl).Get(context.Background(), "default", "web-aaa")
		if err != nil {
			t.Fatal(err)
		}
		if *rs.Spec.Replicas != 2 {
			t.Errorf("got %d replicas, want 2", *rs.Spec.Replicas)
		}
	})
	t.Run("waiting for the replicas", func(t *testing.T) {
		// Nothing creates the pods, so the status never catches up.
		r := c.wharf(t, "", "scale", "deployment/web", "--replicas=1", "--timeout=300ms")
		if want := "error: timed out waiting for \"web\" to be synced\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
		// The status says it has: the wait ends at once.
		setDeploymentStatus(t, cl, "web", getDeployment(t, cl, "web").Generation, 1, 1, 1)
		if got, want := c.mustWharf(t, "", "scale", "deployment/web", "--replicas=1", "--timeout=30s"), "deployment.apps/web scaled\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("kinds without a scale", func(t *testing.T) {
		r := c.wharf(t, "", "scale", "configmap/x", "--replicas=1")
		if r.code != 1 || r.stdout != "" || r.stderr == "" {
			t.Errorf("got %+v, want exit 1 and an error", r)
		}
	})
}
