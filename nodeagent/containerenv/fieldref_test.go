package containerenv

import (
	"context"
	"testing"

	"github.com/wharf/wharf/api/core"
)

func TestFieldRef(t *testing.T) {
	tests := []struct {
		path string
		opts Options
		want string
	}{
		{path: "metadata.name", want: "web-1"},
		{path: "metadata.namespace", want: "ns"},
		{path: "metadata.uid", want: "uid-123"},
		{path: "metadata.labels['app']", want: "web"},
		{path: "metadata.labels['missing']", want: ""},
		{path: "metadata.annotations['team']", want: "blue"},
		{path: "metadata.annotations['missing']", want: ""},
		{path: "spec.nodeName", want: "node-a"},
		{path: "spec.serviceAccountName", want: "runner"},
		{path: "status.hostIP", want: "192.168.1.5"},
		{path: "status.hostIPs", want: "192.168.1.5,fd00::5"},
		{path: "status.podIP", want: "10.0.0.7"},
		{path: "status.podIPs", want: "10.0.0.7,fd01::7"},
		{path: "status.podIP", opts: Options{PodIPs: []string{"10.9.9.9"}}, want: "10.9.9.9"},
		{path: "status.podIPs", opts: Options{PodIPs: []string{"10.9.9.9", "fd09::9"}}, want: "10.9.9.9,fd09::9"},
		{path: "status.hostIP", opts: Options{HostIPs: []string{"172.16.0.1"}}, want: "172.16.0.1"},
		{path: "status.hostIPs", opts: Options{HostIPs: []string{"172.16.0.1", "fd10::1"}}, want: "172.16.0.1,fd10::1"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c := core.Container{Name: "app", Env: []core.EnvVar{{Name: "V", ValueFrom: field(tt.path)}}}
			pod := testPod(c)
			got, err := ResolveWith(context.Background(), pod, &pod.Spec.Containers[0], nil, tt.opts)
			if err != nil {
				t.Fatalf("ResolveWith: got error %v, want none", err)
			}
			if want := []string{"V=" + tt.want}; len(got.Env) != 1 || got.Env[0] != want[0] {
				t.Errorf("env: got %q, want %q", got.Env, want)
			}
		})
	}
}

func TestFieldRefWithoutStatus(t *testing.T) {
	tests := []struct {
		name   string
		status core.PodStatus
		path   string
		want   string
	}{
		{name: "no IPs yet", path: "status.podIP", want: ""},
		{name: "no host IPs yet", path: "status.hostIPs", want: ""},
		{name: "singular podIP only", status: core.PodStatus{PodIP: "10.1.1.1"}, path: "status.podIPs", want: "10.1.1.1"},
		{name: "singular hostIP only", status: core.PodStatus{HostIP: "10.2.2.2"}, path: "status.hostIP", want: "10.2.2.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := core.Container{Name: "app", Env: []core.EnvVar{{Name: "V", ValueFrom: field(tt.path)}}}
			pod := testPod(c)
			pod.Status = tt.status
			got, err := Resolve(context.Background(), pod, &pod.Spec.Containers[0], nil)
			if err != nil {
				t.Fatalf("Resolve: got error %v, want none", err)
			}
			if len(got) != 1 || got[0] != "V="+tt.want {
				t.Errorf("env: got %q, want %q", got, []string{"V=" + tt.want})
			}
		})
	}
}

func TestFieldRefAPIVersion(t *testing.T) {
	for _, v := range []string{"", "v1"} {
		sel := &core.ObjectFieldSelector{APIVersion: v, FieldPath: "metadata.name"}
		if got, err := fieldValue(testPod(), sel, Options{}); err != nil || got != "web-1" {
			t.Errorf("apiVersion %q: got (%q, %v), want (%q, nil)", v, got, err, "web-1")
		}
	}
	sel := &core.ObjectFieldSelector{APIVersion: "v2", FieldPath: "metadata.name"}
	if _, err := fieldValue(testPod(), sel, Options{}); err == nil {
		t.Errorf("apiVersion v2: got no error, want one")
	}
}
