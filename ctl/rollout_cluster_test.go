package ctl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
)

// startAPIServer starts a real API server without any controller: these
// tests play the deployment controller, writing replica sets and status by
// hand, and a real one would fight them.
func startAPIServer(t *testing.T) *testCluster {
	t.Helper()
	return &testCluster{kubeconfig: apiservertest.Start(t).Kubeconfig}
}

// webDeployment is a deployment "web" in default with the given containers
// (name=image), as a user would create it.
func webDeployment(replicas int32, containers ...string) *apps.Deployment {
	d := &apps.Deployment{}
	d.Name, d.Namespace = "web", "default"
	d.Spec.Replicas = &replicas
	d.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	d.Labels = map[string]string{"app": "web"}
	d.Spec.Template.Labels = map[string]string{"app": "web"}
	for _, c := range containers {
		name, image, _ := strings.Cut(c, "=")
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, core.Container{Name: name, Image: image})
	}
	return d
}

func createDeployment(t *testing.T, cl *client.Client, d *apps.Deployment) *apps.Deployment {
	t.Helper()
	got, err := client.For[apps.Deployment](cl).Create(context.Background(), d.Namespace, d)
	if err != nil {
		t.Fatalf("creating deployment %s: %v", d.Name, err)
	}
	return got
}

func getDeployment(t *testing.T, cl *client.Client, name string) *apps.Deployment {
	t.Helper()
	d, err := client.For[apps.Deployment](cl).Get(context.Background(), "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// createRevision creates the replica set of one revision of d, as the
// deployment controller would: d's template with image as the first
// container's, a pod-template-hash label, and d as its controller.
// owner=false leaves out the owner reference.
func createRevision(t *testing.T, cl *client.Client, d *apps.Deployment, revision, hash, image string, annotations map[string]string, owner bool) {
	t.Helper()
	rs := &apps.ReplicaSet{}
	rs.Name, rs.Namespace = d.Name+"-"+hash, d.Namespace
	rs.Annotations = map[string]string{apps.RevisionAnnotation: revision}
	for k, v := range annotations {
		rs.Annotations[k] = v
	}
	if owner {
		rs.OwnerReferences = []meta.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptrTo(true)}}
	}
	rs.Spec.Replicas = ptrTo[int32](0)
	rs.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{"app": "web", apps.PodTemplateHashLabel: hash}}
	rs.Spec.Template = meta.DeepCopy(d.Spec.Template)
	rs.Spec.Template.Labels = map[string]string{"app": "web", apps.PodTemplateHashLabel: hash}
	rs.Labels = rs.Spec.Template.Labels
	rs.Spec.Template.Spec.Containers[0].Image = image
	if _, err := client.For[apps.ReplicaSet](cl).Create(context.Background(), rs.Namespace, rs); err != nil {
		t.Fatalf("creating replica set %s: %v", rs.Name, err)
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestRolloutHistoryAndUndo(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	d := createDeployment(t, cl, webDeployment(2, "web=nginx:3"))
	createRevision(t, cl, d, "1", "aaa", "nginx:1", nil, true)
	createRevision(t, cl, d, "2", "bbb", "nginx:2", map[string]string{apps.ChangeCauseAnnotation: "wharf set image deployment/web web=nginx:2", "team": "blue"}, true)
	createRevision(t, cl, d, "3", "ccc", "nginx:3", nil, true)
	// Matches the selector but is not the deployment's: not its history.
	createRevision(t, cl, d, "9", "zzz", "nginx:9", nil, false)

	t.Run("history", func(t *testing.T) {
		got := c.mustWharf(t, "", "rollout", "history", "deployment/web")
		want := "deployment.apps/web \n" +
			"REVISION  CHANGE-CAUSE\n" +
			"1         <none>\n" +
			"2         wharf set image deployment/web web=nginx:2\n" +
			"3         <none>\n" +
			"\n"
		if got != want {
			t.Errorf("got:\n%q\nwant:\n%q", got, want)
		}
	})
	t.Run("history of one revision", func(t *testing.T) {
		got := c.mustWharf(t, "", "rollout", "history", "deploy", "web", "--revision=2")
		for _, want := range []string{"deployment.apps/web with revision #2\nPod Template:\n", "pod-template-hash=bbb", "nginx:2", "kubernetes.io/change-cause: wharf set image"} {
			if !strings.Contains(got, want) {
				t.Errorf("got:\n%s\nwant it to contain %q", got, want)
			}
		}
		r := c.wharf(t, "", "rollout", "history", "deploy/web", "--revision=7")
		if want := "error: unable to find the specified revision\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
	})
	t.Run("undo to a missing revision", func(t *testing.T) {
		r := c.wharf(t, "", "rollout", "undo", "deployment/web", "--to-revision=9")
		if want := "error: unable to find specified revision 9 in history\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
	})
	t.Run("undo to the previous revision", func(t *testing.T) {
		if got, want := c.mustWharf(t, "", "rollout", "undo", "deployment/web"), "deployment.apps/web rolled back\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		got := getDeployment(t, cl, "web")
		if img := got.Spec.Template.Spec.Containers[0].Image; img != "nginx:2" {
			t.Errorf("got image %q, want revision 2's nginx:2", img)
		}
		if _, ok := got.Spec.Template.Labels[apps.PodTemplateHashLabel]; ok || got.Spec.Template.Labels["app"] != "web" {
			t.Errorf("got template labels %v, want app=web without %s", got.Spec.Template.Labels, apps.PodTemplateHashLabel)
		}
		if got.Annotations["team"] != "blue" || !strings.HasPrefix(got.Annotations[apps.ChangeCauseAnnotation], "wharf set image") {
			t.Errorf("got annotations %v, want revision 2's team and change-cause", got.Annotations)
		}
		if got.Generation != d.Generation+1 {
			t.Errorf("got generation %d, want %d: the template changed", got.Generation, d.Generation+1)
		}
	})
	t.Run("undo to the current template", func(t *testing.T) {
		got := c.mustWharf(t, "", "rollout", "undo", "deployment/web", "--to-revision=2")
		if want := "deployment.apps/web skipped rollback (current template already matches revision 2)\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("undo a paused deployment", func(t *testing.T) {
		c.mustWharf(t, "", "rollout", "pause", "deployment/web")
		r := c.wharf(t, "", "rollout", "undo", "deployment/web", "--to-revision=1")
		if want := "error: you cannot rollback a paused deployment; resume it first with 'wharf rollout resume' and try again\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
		if img := getDeployment(t, cl, "web").Spec.Template.Spec.Containers[0].Image; img != "nginx:2" {
			t.Errorf("got image %q, want it unchanged", img)
		}
	})
	t.Run("kinds without history", func(t *testing.T) {
		r := c.wharf(t, "", "rollout", "undo", "rs/web-aaa")
		if want := "error: no rollbacker has been implemented for \"ReplicaSet.apps\"\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
		r = c.wharf(t, "", "rollout", "history", "rs/web-aaa")
		if want := "error: no history viewer has been implemented for \"ReplicaSet.apps\"\n"; r.code != 1 || r.stderr != want {
			t.Errorf("got %+v, want exit 1 and %q", r, want)
		}
	})
}

func TestRolloutPauseResumeRestart(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	createDeployment(t, cl, webDeployment(2, "web=nginx:1"))

	tests := []struct {
		args       []string
		wantOut    string
		wantErr    string
		wantPaused bool
	}{
		{args: []string{"rollout", "pause", "deployment/web"}, wantOut: "deployment.apps/web paused\n", wantPaused: true},
		{args: []string{"rollout", "pause", "deployment", "web"}, wantErr: "error: deployments.apps \"web\" is already paused\n", wantPaused: true},
		{args: []string{"rollout", "restart", "deploy/web"}, wantErr: "error: deployments.apps \"web\" can't restart paused deployment (run rollout resume first)\n", wantPaused: true},
		{args: []string{"rollout", "resume", "deployment/web"}, wantOut: "deployment.apps/web resumed\n"},
		{args: []string{"rollout", "resume", "deployment/web"}, wantErr: "error: deployments.apps \"web\" is not paused\n"},
		{args: []string{"rollout", "pause", "deployment/nope"}, wantErr: "Error from server (NotFound): deployments.apps \"nope\" not found\n"},
		{args: []string{"rollout", "pause"}, wantErr: "error: required resource not specified\n"},
		{args: []string{"rollout", "pause", "deployments"}, wantErr: "error: resource(s) were provided, but no name was specified\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := c.wharf(t, "", tt.args...)
			wantCode := 0
			if tt.wantErr != "" {
				wantCode = 1
			}
			if r.code != wantCode || r.stdout != tt.wantOut || r.stderr != tt.wantErr {
				t.Errorf("got %+v, want exit %d, stdout %q, stderr %q", r, wantCode, tt.wantOut, tt.wantErr)
			}
			if got := getDeployment(t, cl, "web").Spec.Paused; got != tt.wantPaused {
				t.Errorf("got paused=%v, want %v", got, tt.wantPaused)
			}
		})
	}

	t.Run("restart", func(t *testing.T) {
		before := getDeployment(t, cl, "web")
		if got, want := c.mustWharf(t, "", "rollout", "restart", "deployment/web"), "deployment.apps/web restarted\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		after := getDeployment(t, cl, "web")
		stamp := after.Spec.Template.Annotations[restartedAtAnnotation]
		if at, err := time.Parse(time.RFC3339, stamp); err != nil || time.Since(at) > time.Minute {
			t.Errorf("got %s=%q, want the time of the restart in RFC 3339", restartedAtAnnotation, stamp)
		}
		if after.Generation != before.Generation+1 {
			t.Errorf("got generation %d, want %d", after.Generation, before.Generation+1)
		}
	})
	t.Run("restart twice within a second", func(t *testing.T) {
		at := time.Now().Add(time.Hour)
		restart := func() (string, string, error) {
			var out, errOut bytes.Buffer
			g := &globalOptions{kubeconfig: c.kubeconfig, requestTimeout: "0"}
			cmd := newRolloutRestartCommandAt(g, streams{in: strings.NewReader(""), out: &out, errOut: &errOut}, func() time.Time { return at })
			cmd.SetArgs([]string{"deployment/web"})
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.ExecuteContext(context.Background())
			return out.String(), errOut.String(), err
		}
		if out, _, err := restart(); err != nil || out != "deployment.apps/web restarted\n" {
			t.Fatalf("first restart: got (%q, %v), want it restarted", out, err)
		}
		out, _, err := restart()
		want := "failed to create patch for web: if restart has already been triggered within the past second, please wait before attempting to trigger another"
		if out != "" || err == nil || err.Error() != want {
			t.Errorf("second restart: got (%q, %v), want the error %q", out, err, want)
		}
	})
}
