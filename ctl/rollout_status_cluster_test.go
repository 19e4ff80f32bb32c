package ctl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
)

// setDeploymentStatus writes d's status through the status subresource, as
// the deployment controller does: the generation it observed and the
// replica counts, ready counting as available.
func setDeploymentStatus(t *testing.T, cl *client.Client, name string, observed int64, total, updated, available int32, conds ...apps.DeploymentCondition) {
	t.Helper()
	d := getDeployment(t, cl, name)
	d.Status = apps.DeploymentStatus{
		ObservedGeneration: observed,
		Replicas:           total,
		UpdatedReplicas:    updated,
		ReadyReplicas:      available,
		AvailableReplicas:  available,
		Conditions:         conds,
	}
	if _, err := client.For[apps.Deployment](cl).UpdateStatus(context.Background(), d); err != nil {
		t.Fatalf("updating the status of %s: %v", name, err)
	}
}

// waitExit waits for a command running in the background to return its
// exit code.
func waitExit(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("the command did not exit within 30s")
		return 0
	}
}

func TestRolloutStatusFollowsTheRollout(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	createDeployment(t, cl, webDeployment(3, "web=nginx:1"))

	if got, want := c.mustWharf(t, "", "rollout", "status", "deployment/web", "--watch=false"), "Waiting for deployment spec update to be observed...\n"; got != want {
		t.Errorf("--watch=false printed %q, want %q", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--kubeconfig", c.kubeconfig, "rollout", "status", "deploy", "web"}, streams{in: strings.NewReader(""), out: out, errOut: errOut})
	}()
	lines := func() int { return strings.Count(out.String(), "\n") }
	// Each status the controller writes is one line, in order.
	waitFor(t, "the first status line", func() bool { return lines() == 1 })
	steps := []struct{ total, updated, available int32 }{
		{3, 1, 0}, // a first new replica
		{4, 3, 2}, // all new, one old left
		{3, 3, 2}, // old gone, one new not available yet
		{3, 3, 3}, // done
	}
	for i, st := range steps {
		setDeploymentStatus(t, cl, "web", 1, st.total, st.updated, st.available)
		waitFor(t, "a status line", func() bool { return lines() == i+2 })
	}
	if code := waitExit(t, done); code != 0 {
		t.Errorf("exit code %d, want 0 (stderr %q)", code, errOut.String())
	}
	want := "Waiting for deployment spec update to be observed...\n" +
		"Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n" +
		"Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n" +
		"Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n" +
		"deployment \"web\" successfully rolled out\n"
	if got := out.String(); got != want {
		t.Errorf("printed:\n%s\nwant:\n%s", got, want)
	}

	// Once rolled out, status says so at once and exits 0.
	if got, want := c.mustWharf(t, "", "rollout", "status", "deployment/web"), "deployment \"web\" successfully rolled out\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := c.mustWharf(t, "", "rollout", "status", "deployment/web", "--revision=0"), "deployment \"web\" successfully rolled out\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}

	// Several deployments, by selector: each in turn.
	api := webDeployment(1, "api=api:1")
	api.Name = "api"
	createDeployment(t, cl, api)
	setDeploymentStatus(t, cl, "api", 1, 1, 1, 1)
	got := c.mustWharf(t, "", "rollout", "status", "deployments", "-l", "app=web")
	if want := "deployment \"api\" successfully rolled out\ndeployment \"web\" successfully rolled out\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRolloutStatusFailures(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	createDeployment(t, cl, webDeployment(3, "web=nginx:1"))
	setDeploymentStatus(t, cl, "web", 1, 3, 1, 1, apps.DeploymentCondition{
		Type: apps.DeploymentProgressing, Status: core.ConditionFalse, Reason: apps.ProgressDeadlineExceededReason,
		Message: `ReplicaSet "web-5d4f" has timed out progressing.`,
	})

	t.Run("progress deadline exceeded", func(t *testing.T) {
		r := c.wharf(t, "", "rollout", "status", "deployment/web")
		if want := "error: deployment \"web\" exceeded its progress deadline\n"; r.code != 1 || r.stdout != "" || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
	})

	t.Run("deadline reached later, while watching", func(t *testing.T) {
		d := webDeployment(2, "web=nginx:1")
		d.Name = "api"
		createDeployment(t, cl, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out, errOut := &syncBuffer{}, &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"--kubeconfig", c.kubeconfig, "rollout", "status", "deployment/api"}, streams{in: strings.NewReader(""), out: out, errOut: errOut})
		}()
		waitFor(t, "the first status line", func() bool { return out.String() != "" })
		setDeploymentStatus(t, cl, "api", 1, 2, 0, 0, apps.DeploymentCondition{Type: apps.DeploymentProgressing, Status: core.ConditionFalse, Reason: apps.ProgressDeadlineExceededReason})
		waitFor(t, "the error", func() bool { return errOut.String() != "" })
		if code := waitExit(t, done); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		if want := "error: deployment \"api\" exceeded its progress deadline\n"; errOut.String() != want {
			t.Errorf("stderr %q, want %q", errOut.String(), want)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		d := webDeployment(2, "web=nginx:1")
		d.Name = "slow"
		createDeployment(t, cl, d)
		r := c.wharf(t, "", "rollout", "status", "deployment/slow", "--timeout=300ms")
		if r.code != 1 || r.stdout != "Waiting for deployment spec update to be observed...\n" || r.stderr != "error: timed out waiting for the condition\n" {
			t.Errorf("got %+v, want the waiting line, then exit 1 and kubectl's timeout error", r)
		}
	})

	t.Run("deleted while watching", func(t *testing.T) {
		d := webDeployment(2, "web=nginx:1")
		d.Name = "doomed"
		createDeployment(t, cl, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out, errOut := &syncBuffer{}, &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"--kubeconfig", c.kubeconfig, "rollout", "status", "deployment/doomed"}, streams{in: strings.NewReader(""), out: out, errOut: errOut})
		}()
		waitFor(t, "the first status line", func() bool { return out.String() != "" })
		if err := client.For[apps.Deployment](cl).Delete(context.Background(), "default", "doomed", nil); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, done); code != 1 || errOut.String() != "error: object has been deleted\n" {
			t.Errorf("got exit %d, stderr %q; want 1 and %q", code, errOut.String(), "error: object has been deleted\n")
		}
	})

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not found", []string{"deployment/nope"}, "Error from server (NotFound): deployments.apps \"nope\" not found\n"},
		{"kind without rollouts", []string{"configmap", "x"}, "error: no status viewer has been implemented for ConfigMap\n"},
		{"several objects, until one fails", []string{"deployment/api", "deployment/web", "deployment/slow"}, "error: deployment \"api\" exceeded its progress deadline\n"},
		{"pinned to another revision", []string{"deployment/web", "--revision=3"}, "error: desired revision (3) is different from the running revision (0)\n"},
		{"negative revision", []string{"deployment/web", "--revision=-1"}, "error: revision must be a positive integer: -1\n"},
		{"nothing named", nil, "error: required resource not specified\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.wharf(t, "", append([]string{"rollout", "status"}, tt.args...)...)
			if r.code != 1 || r.stderr != tt.want {
				t.Errorf("got %+v, want exit 1 and %q", r, tt.want)
			}
		})
	}
}
