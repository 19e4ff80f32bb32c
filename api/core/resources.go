package core

import "github.com/wharf/wharf/api/resource"

// ResourceName names a compute resource: "cpu", "memory", or an extended
// resource such as "example.com/gpu".
type ResourceName string

// Standard resource names.
const (
	// ResourceCPU is measured in cores; "500m" is half a core.
	ResourceCPU ResourceName = "cpu"
	// ResourceMemory is measured in bytes.
	ResourceMemory ResourceName = "memory"
	// ResourcePods is the number of pods a node can hold.
	ResourcePods ResourceName = "pods"
	// ResourceEphemeralStorage is local scratch space, in bytes.
	ResourceEphemeralStorage ResourceName = "ephemeral-storage"
)

// ResourceList is a set of amounts by resource name: a container's requests
// or limits, a node's capacity.
type ResourceList map[ResourceName]resource.Quantity

// Name returns the amount of name, or a zero quantity in format when it is
// absent.
func (rl ResourceList) Name(name ResourceName, format resource.Format) resource.Quantity {
	if q, ok := rl[name]; ok {
		return q
	}
	return resource.Quantity{Format: format}
}

// CPU returns the CPU amount, zero when absent.
func (rl ResourceList) CPU() resource.Quantity { return rl.Name(ResourceCPU, resource.DecimalSI) }

// Memory returns the memory amount, zero when absent.
func (rl ResourceList) Memory() resource.Quantity { return rl.Name(ResourceMemory, resource.BinarySI) }

// Pods returns the pod count, zero when absent.
func (rl ResourceList) Pods() resource.Quantity { return rl.Name(ResourcePods, resource.DecimalSI) }

// EphemeralStorage returns the scratch space, zero when absent.
func (rl ResourceList) EphemeralStorage() resource.Quantity {
	return rl.Name(ResourceEphemeralStorage, resource.BinarySI)
}
