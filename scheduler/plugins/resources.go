package plugins

import (
	"github.com/wharf/wharf/scheduler/framework"
)

// Reasons of a node without room for the pod. A node short of several
// resources gives one reason for each.
const (
	ReasonTooManyPods        framework.Reason = "Too many pods"
	ReasonInsufficientCPU    framework.Reason = "Insufficient cpu"
	ReasonInsufficientMemory framework.Reason = "Insufficient memory"
)

// NodeResourcesFit keeps a pod off nodes whose allocatable cpu, memory or
// pod count, minus what the node's pods request, cannot hold it.
type NodeResourcesFit struct{}

var _ framework.FilterPlugin = NodeResourcesFit{}

// Name implements framework.Plugin.
func (NodeResourcesFit) Name() string { return NodeResourcesFitName }

// Filter implements framework.FilterPlugin. A resource the pod does not
// request is not checked, so that a node filled to the brim by others
// still takes pods that ask for nothing of it.
func (NodeResourcesFit) Filter(pod *framework.PodInfo, node *framework.NodeInfo) []framework.Reason {
	var reasons []framework.Reason
	if node.Pods+1 > node.AllowedPods {
		reasons = append(reasons, ReasonTooManyPods)
	}
	req, used, alloc := pod.Requests, node.Requested, node.Allocatable
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-used.MilliCPU {
		reasons = append(reasons, ReasonInsufficientCPU)
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-used.Memory {
		reasons = append(reasons, ReasonInsufficientMemory)
	}
	return reasons
}

// LeastAllocated prefers the nodes with the most room left, spreading
// load: the mean over cpu and memory of the share of allocatable that
// would stay free with the pod placed.
type LeastAllocated struct{}

var _ framework.ScorePlugin = LeastAllocated{}

// Name implements framework.Plugin.
func (LeastAllocated) Name() string { return NodeResourcesLeastAllocatedName }

// Score implements framework.ScorePlugin.
func (LeastAllocated) Score(pod *framework.PodInfo, node *framework.NodeInfo) int64 {
	req := node.NonZeroRequested
	req.Add(pod.NonZeroRequests)
	return (leastAllocated(req.MilliCPU, node.Allocatable.MilliCPU) + leastAllocated(req.Memory, node.Allocatable.Memory)) / 2
}

func leastAllocated(requested, allocatable int64) int64 {
	if allocatable <= 0 || requested > allocatable {
		return 0
	}
	return (allocatable - requested) * framework.MaxNodeScore / allocatable
}

// BalancedAllocation prefers nodes whose cpu and memory would be used in
// the same proportion with the pod placed, so that neither runs out while
// the other sits idle: MaxNodeScore less the standard deviation of the two
// shares, scaled.
type BalancedAllocation struct{}

var _ framework.ScorePlugin = BalancedAllocation{}

// Name implements framework.Plugin.
func (BalancedAllocation) Name() string { return NodeResourcesBalancedAllocationName }

// Score implements framework.ScorePlugin. A node that does not report
// both resources gives no signal and scores MaxNodeScore.
func (BalancedAllocation) Score(pod *framework.PodInfo, node *framework.NodeInfo) int64 {
	alloc := node.Allocatable
	if alloc.MilliCPU <= 0 || alloc.Memory <= 0 {
		return framework.MaxNodeScore
	}
	req := node.NonZeroRequested
	req.Add(pod.NonZeroRequests)
	cpu := min(float64(req.MilliCPU)/float64(alloc.MilliCPU), 1)
	mem := min(float64(req.Memory)/float64(alloc.Memory), 1)
	// The standard deviation of two values is half their distance.
	std := (cpu - mem) / 2
	if std < 0 {
		std = -std
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}
