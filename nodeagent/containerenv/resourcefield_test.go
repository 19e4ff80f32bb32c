package containerenv

import (
	"context"
	"testing"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/resource"
)

func TestResourceFieldRef(t *testing.T) {
	q := resource.MustParse
	app := core.Container{Name: "app", Resources: core.ResourceRequirements{
		Limits: core.ResourceList{
			core.ResourceCPU: q("500m"), core.ResourceMemory: q("128Mi"), core.ResourceEphemeralStorage: q("1Gi"),
		},
		Requests: core.ResourceList{core.ResourceCPU: q("250m"), core.ResourceMemory: q("100M")},
	}}
	sidecar := core.Container{Name: "sidecar", Resources: core.ResourceRequirements{
		Limits: core.ResourceList{core.ResourceCPU: q("2")},
	}}
	setup := core.Container{Name: "setup", Resources: core.ResourceRequirements{
		Requests: core.ResourceList{core.ResourceMemory: q("1Ki")},
	}}
	allocatable := core.ResourceList{core.ResourceCPU: q("4"), core.ResourceMemory: q("8Gi"), core.ResourceEphemeralStorage: q("100Gi")}

	tests := []struct {
		name      string
		container string // container the variable belongs to
		sel       core.ResourceFieldSelector
		opts      Options
		want      string
	}{
		{name: "cpu 500m divisor 1 rounds up", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.cpu"}, want: "1"},
		{name: "cpu explicit divisor 1", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.cpu", Divisor: q("1")}, want: "1"},
		{name: "cpu divisor 1m", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.cpu", Divisor: q("1m")}, want: "500"},
		{name: "cpu request 250m divisor 100m", container: "app", sel: core.ResourceFieldSelector{Resource: "requests.cpu", Divisor: q("100m")}, want: "3"},
		{name: "memory 128Mi divisor 1Mi", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1Mi")}, want: "128"},
		{name: "memory bytes by default", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.memory"}, want: "134217728"},
		{name: "memory 128Mi divisor 1M rounds up", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1M")}, want: "135"},
		{name: "memory request 100M divisor 1Mi", container: "app", sel: core.ResourceFieldSelector{Resource: "requests.memory", Divisor: q("1Mi")}, want: "96"},
		{name: "memory divisor 1Gi", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1Gi")}, want: "1"},
		{name: "ephemeral-storage", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.ephemeral-storage", Divisor: q("1Mi")}, want: "1024"},
		{name: "unset request is 0", container: "sidecar", sel: core.ResourceFieldSelector{Resource: "requests.memory"}, want: "0"},
		{name: "unset request is 0 even with allocatable", container: "sidecar", sel: core.ResourceFieldSelector{Resource: "requests.cpu"}, opts: Options{NodeAllocatable: allocatable}, want: "0"},
		{name: "unset limit without allocatable is 0", container: "sidecar", sel: core.ResourceFieldSelector{Resource: "limits.memory"}, want: "0"},
		{name: "unset limit falls back to allocatable", container: "sidecar", sel: core.ResourceFieldSelector{Resource: "limits.memory", Divisor: q("1Mi")}, opts: Options{NodeAllocatable: allocatable}, want: "8192"},
		{name: "unset cpu limit falls back to allocatable", container: "setup", sel: core.ResourceFieldSelector{Resource: "limits.cpu"}, opts: Options{NodeAllocatable: allocatable}, want: "4"},
		{name: "set limit wins over allocatable", container: "app", sel: core.ResourceFieldSelector{Resource: "limits.cpu", Divisor: q("1m")}, opts: Options{NodeAllocatable: allocatable}, want: "500"},
		{name: "another container by name", container: "app", sel: core.ResourceFieldSelector{ContainerName: "sidecar", Resource: "limits.cpu"}, want: "2"},
		{name: "own name", container: "app", sel: core.ResourceFieldSelector{ContainerName: "app", Resource: "requests.cpu", Divisor: q("1m")}, want: "250"},
		{name: "init container by name", container: "app", sel: core.ResourceFieldSelector{ContainerName: "setup", Resource: "requests.memory"}, want: "1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(app, sidecar)
			pod.Spec.InitContainers = []core.Container{setup}
			c := findContainer(pod, tt.container)
			sel := tt.sel
			c.Env = []core.EnvVar{{Name: "V", ValueFrom: &core.EnvVarSource{ResourceFieldRef: &sel}}}
			got, err := ResolveWith(context.Background(), pod, c, nil, tt.opts)
			if err != nil {
				t.Fatalf("ResolveWith: got error %v, want none", err)
			}
			if len(got.Env) != 1 || got.Env[0] != "V="+tt.want {
				t.Errorf("env: got %q, want %q", got.Env, []string{"V=" + tt.want})
			}
		})
	}
}

func TestCeilDiv(t *testing.T) {
	tests := []struct{ n, d, want int64 }{
		{0, 1, 0}, {1, 1, 1}, {1, 2, 1}, {4, 2, 2}, {5, 2, 3}, {-3, 2, -1}, {-4, 2, -2},
	}
	for _, tt := range tests {
		if got := ceilDiv(tt.n, tt.d); got != tt.want {
			t.Errorf("ceilDiv(%d, %d): got %d, want %d", tt.n, tt.d, got, tt.want)
		}
	}
}
