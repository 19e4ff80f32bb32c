package framework

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
)

func requests(cpu, mem string) core.ResourceRequirements {
	r := core.ResourceRequirements{Requests: core.ResourceList{}}
	if cpu != "" {
		r.Requests[core.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		r.Requests[core.ResourceMemory] = resource.MustParse(mem)
	}
	return r
}

func TestPodRequests(t *testing.T) {
	for _, tc := range []struct {
		name          string
		spec          core.PodSpec
		want, nonZero Resource
	}{
		{
			name:    "containers add up",
			spec:    core.PodSpec{Containers: []core.Container{{Resources: requests("500m", "1Gi")}, {Resources: requests("250m", "1Mi")}}},
			want:    Resource{MilliCPU: 750, Memory: 1<<30 + 1<<20},
			nonZero: Resource{MilliCPU: 750, Memory: 1<<30 + 1<<20},
		},
		{
			name: "a larger init container wins per resource",
			spec: core.PodSpec{
				InitContainers: []core.Container{{Resources: requests("2", "")}},
				Containers:     []core.Container{{Resources: requests("500m", "1Gi")}},
			},
			want:    Resource{MilliCPU: 2000, Memory: 1 << 30},
			nonZero: Resource{MilliCPU: 500, Memory: 1 << 30},
		},
		{
			name: "overhead is added",
			spec: core.PodSpec{
				Containers: []core.Container{{Resources: requests("100m", "")}},
				Overhead:   core.ResourceList{core.ResourceCPU: resource.MustParse("10m")},
			},
			want:    Resource{MilliCPU: 110},
			nonZero: Resource{MilliCPU: 110, Memory: DefaultMemoryRequest},
		},
		{
			name:    "nothing requested",
			spec:    core.PodSpec{Containers: []core.Container{{}, {}}},
			want:    Resource{},
			nonZero: Resource{MilliCPU: 2 * DefaultMilliCPURequest, Memory: 2 * DefaultMemoryRequest},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodRequests(&tc.spec); got != tc.want {
				t.Errorf("PodRequests: got %+v, want %+v", got, tc.want)
			}
			if got := NonZeroPodRequests(&tc.spec); got != tc.nonZero {
				t.Errorf("NonZeroPodRequests: got %+v, want %+v", got, tc.nonZero)
			}
		})
	}
}

func TestNodeInfoAddRemove(t *testing.T) {
	yes := true
	pod := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: "p", OwnerReferences: []meta.OwnerReference{{UID: "rs", Controller: &yes}}},
		Spec: core.PodSpec{Containers: []core.Container{{
			Resources: requests("1", "1Gi"),
			Ports:     []core.ContainerPort{{ContainerPort: 80, HostPort: 8080}},
		}}},
	}
	node := &core.Node{ObjectMeta: meta.ObjectMeta{Name: "n"}, Status: core.NodeStatus{Allocatable: core.ResourceList{
		core.ResourceCPU: resource.MustParse("4"), core.ResourceMemory: resource.MustParse("8Gi"), core.ResourcePods: resource.MustParse("110"),
	}}}
	ni := NewNodeInfo(node)
	if ni.Allocatable != (Resource{MilliCPU: 4000, Memory: 8 << 30}) || ni.AllowedPods != 110 {
		t.Fatalf("allocatable: got %+v and %d pods, want 4000m, 8Gi, 110", ni.Allocatable, ni.AllowedPods)
	}
	empty := ni.Clone()
	pi := NewPodInfo(pod)
	ni.AddPod(pi)
	want := HostPort{Protocol: core.ProtocolTCP, IP: "0.0.0.0", Port: 8080}
	if ni.Pods != 1 || ni.Requested != (Resource{MilliCPU: 1000, Memory: 1 << 30}) || ni.UsedPorts[want] != 1 || ni.OwnerPods["rs"] != 1 {
		t.Fatalf("after AddPod: got %+v", ni)
	}
	if !ni.PortInUse(HostPort{Protocol: core.ProtocolTCP, IP: "10.0.0.1", Port: 8080}) {
		t.Error("a port on every address does not block the same port on one address")
	}
	if empty.Pods != 0 || len(empty.UsedPorts) != 0 {
		t.Errorf("the clone taken before AddPod changed: %+v", empty)
	}
	ni.RemovePod(pi)
	if diff := cmp.Diff(empty, ni); diff != "" {
		t.Errorf("RemovePod did not undo AddPod (-want +got):\n%s", diff)
	}
}
