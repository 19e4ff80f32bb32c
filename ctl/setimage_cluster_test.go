package ctl

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// images returns the name=image of each container of a pod spec, init
// containers first.
func images(spec *core.PodSpec) []string {
	var out []string
	for _, c := range spec.AllContainers() {
		out = append(out, c.Name+"="+c.Image)
	}
	return out
}

func TestSetImage(t *testing.T) {
	c := startAPIServer(t)
	cl := c.client(t)
	createDeployment(t, cl, webDeployment(2, "web=nginx:1", "side=envoy:1"))

	tests := []struct {
		name       string
		args       []string
		wantOut    string
		wantErr    string
		wantImages []string
	}{
		{
			name:       "one container",
			args:       []string{"deployment/web", "web=nginx:2"},
			wantOut:    "deployment.apps/web image updated\n",
			wantImages: []string{"web=nginx:2", "side=envoy:1"},
		},
		{
			name:       "the same image again changes nothing and prints nothing",
			args:       []string{"deployment", "web", "web=nginx:2"},
			wantImages: []string{"web=nginx:2", "side=envoy:1"},
		},
		{
			name:       "a missing container fails, the found one is still set",
			args:       []string{"deploy/web", "nope=x", "side=envoy:2"},
			wantOut:    "deployment.apps/web image updated\n",
			wantErr:    "error: unable to find container named \"nope\"\n",
			wantImages: []string{"web=nginx:2", "side=envoy:2"},
		},
		{
			name:       "every container",
			args:       []string{"deployments", "-l", "app=web", "*=all:3"},
			wantOut:    "deployment.apps/web image updated\n",
			wantImages: []string{"web=all:3", "side=all:3"},
		},
		{
			name:       "no image",
			args:       []string{"deployment/web"},
			wantErr:    "error: at least one image update is required\n",
			wantImages: []string{"web=all:3", "side=all:3"},
		},
		{
			name:       "no resource",
			args:       []string{"web=x"},
			wantErr:    "error: one or more resources must be specified as <resource> <name> or <resource>/<name>\n",
			wantImages: []string{"web=all:3", "side=all:3"},
		},
		{
			name:       "a missing object",
			args:       []string{"deployment/nope", "web=x"},
			wantErr:    "Error from server (NotFound): deployments.apps \"nope\" not found\n",
			wantImages: []string{"web=all:3", "side=all:3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.wharf(t, "", append([]string{"set", "image"}, tt.args...)...)
			wantCode := 0
			if tt.wantErr != "" {
				wantCode = 1
			}
			if r.code != wantCode || r.stdout != tt.wantOut || r.stderr != tt.wantErr {
				t.Errorf("got %+v, want exit %d, stdout %q, stderr %q", r, wantCode, tt.wantOut, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantImages, images(&getDeployment(t, cl, "web").Spec.Template.Spec)); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("pods and daemon sets", func(t *testing.T) {
		pod := &core.Pod{}
		pod.Name, pod.Namespace = "solo", "default"
		pod.Spec.Containers = []core.Container{{Name: "main", Image: "busybox:1"}}
		if _, err := client.For[core.Pod](cl).Create(context.Background(), "default", pod); err != nil {
			t.Fatal(err)
		}
		ds := &apps.DaemonSet{}
		ds.Name, ds.Namespace = "agent", "default"
		ds.Spec.Selector = &meta.LabelSelector{MatchLabels: map[string]string{"app": "agent"}}
		ds.Spec.Template.Labels = map[string]string{"app": "agent"}
		ds.Spec.Template.Spec.Containers = []core.Container{{Name: "agent", Image: "agent:1"}}
		if _, err := client.For[apps.DaemonSet](cl).Create(context.Background(), "default", ds); err != nil {
			t.Fatal(err)
		}
		got := c.mustWharf(t, "", "set", "image", "pod/solo", "ds/agent", "*=v:2")
		if want := "pod/solo image updated\ndaemonset.apps/agent image updated\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		// The daemon set has no container "main": that is its error alone.
		r := c.wharf(t, "", "set", "image", "pod/solo", "ds/agent", "main=busybox:3")
		if r.code != 1 || r.stdout != "pod/solo image updated\n" || r.stderr != "error: unable to find container named \"main\"\n" {
			t.Errorf("got %+v, want the pod updated and the daemon set's missing container reported", r)
		}
		p, err := client.For[core.Pod](cl).Get(context.Background(), "default", "solo")
		if err != nil {
			t.Fatal(err)
		}
		d, err := client.For[apps.DaemonSet](cl).Get(context.Background(), "default", "agent")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := append(images(&p.Spec), images(&d.Spec.Template.Spec)...), []string{"main=busybox:3", "agent=v:2"}; !cmp.Equal(got, want) {
			t.Errorf("got images %v, want %v", got, want)
		}
	})
}
