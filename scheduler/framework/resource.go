package framework

import (
	"github.com/wharf/wharf/api/core"
)

// Resource is an amount of the resources the scheduler fits pods by, in
// integers so that summing thousands of pods stays cheap and exact.
type Resource struct {
	MilliCPU int64
	Memory   int64 // bytes
}

// Add adds r2 to r.
func (r *Resource) Add(r2 Resource) {
	r.MilliCPU += r2.MilliCPU
	r.Memory += r2.Memory
}

// Sub subtracts r2 from r.
func (r *Resource) Sub(r2 Resource) {
	r.MilliCPU -= r2.MilliCPU
	r.Memory -= r2.Memory
}

// Requests for scoring that a container which asks for nothing is counted
// with, as kube-scheduler does, so that best-effort pods still spread
// instead of piling onto one "empty" node.
const (
	DefaultMilliCPURequest int64 = 100               // 0.1 core
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// ResourceList converts a core.ResourceList: CPU in millicores, memory in
// bytes, each rounded up.
func ResourceList(l core.ResourceList) Resource {
	cpu, mem := l.CPU(), l.Memory()
	return Resource{MilliCPU: cpu.MilliValue(), Memory: mem.Value()}
}

// PodRequests is what a pod occupies on its node while it runs: the sum
// of its app containers' requests or, when larger, the largest init
// container's (init containers run one at a time, before the others),
// plus the pod overhead.
func PodRequests(spec *core.PodSpec) Resource {
	var sum Resource
	for i := range spec.Containers {
		sum.Add(ResourceList(spec.Containers[i].Resources.Requests))
	}
	for i := range spec.InitContainers {
		r := ResourceList(spec.InitContainers[i].Resources.Requests)
		sum.MilliCPU = max(sum.MilliCPU, r.MilliCPU)
		sum.Memory = max(sum.Memory, r.Memory)
	}
	sum.Add(ResourceList(spec.Overhead))
	return sum
}

// NonZeroPodRequests is PodRequests of the app containers with a default
// for every CPU or memory request left unset. It is used for scoring only.
func NonZeroPodRequests(spec *core.PodSpec) Resource {
	var sum Resource
	for i := range spec.Containers {
		r := ResourceList(spec.Containers[i].Resources.Requests)
		if _, ok := spec.Containers[i].Resources.Requests[core.ResourceCPU]; !ok {
			r.MilliCPU = DefaultMilliCPURequest
		}
		if _, ok := spec.Containers[i].Resources.Requests[core.ResourceMemory]; !ok {
			r.Memory = DefaultMemoryRequest
		}
		sum.Add(r)
	}
	sum.Add(ResourceList(spec.Overhead))
	return sum
}
