package framework

import (
	"maps"

	"github.com/wharf/wharf/api/core"
)

// NodeInfo is what the scheduler knows about one node: the node object
// and the sums of the pods bound (or assumed bound) to it. The cache keeps
// one per node and the snapshot of a scheduling cycle a copy, which
// plugins only read.
type NodeInfo struct {
	// Node is nil while pods name a node the informer has not shown yet.
	Node *core.Node
	// Allocatable is what the node offers to pods; AllowedPods is how many
	// pods it accepts.
	Allocatable Resource
	AllowedPods int64
	// Requested sums the requests of the node's pods; NonZeroRequested
	// the same with defaults for unset requests, for scoring.
	Requested        Resource
	NonZeroRequested Resource
	Pods             int64
	// UsedPorts counts the node's pods that bind each host port.
	UsedPorts map[HostPort]int
	// OwnerPods counts the node's pods by the UID of their controller.
	OwnerPods map[string]int
	// Generation is the cache's counter when the NodeInfo last changed; a
	// snapshot copies only the NodeInfos newer than itself.
	Generation int64
}

// NewNodeInfo returns the NodeInfo of a node without pods; node may be nil.
func NewNodeInfo(node *core.Node) *NodeInfo {
	n := &NodeInfo{UsedPorts: map[HostPort]int{}, OwnerPods: map[string]int{}}
	n.SetNode(node)
	return n
}

// Name is the node's name, "" when the node object is not known.
func (n *NodeInfo) Name() string {
	if n.Node == nil {
		return ""
	}
	return n.Node.Name
}

// SetNode replaces the node object, keeping the pods.
func (n *NodeInfo) SetNode(node *core.Node) {
	n.Node = node
	n.Allocatable, n.AllowedPods = Resource{}, 0
	if node == nil {
		return
	}
	n.Allocatable = ResourceList(node.Status.Allocatable)
	pods := node.Status.Allocatable.Pods()
	n.AllowedPods = pods.Value()
}

// AddPod counts pod against the node.
func (n *NodeInfo) AddPod(pod *PodInfo) {
	n.Requested.Add(pod.Requests)
	n.NonZeroRequested.Add(pod.NonZeroRequests)
	n.Pods++
	for _, p := range pod.HostPorts {
		n.UsedPorts[p]++
	}
	if pod.OwnerUID != "" {
		n.OwnerPods[pod.OwnerUID]++
	}
}

// RemovePod undoes AddPod of the same PodInfo.
func (n *NodeInfo) RemovePod(pod *PodInfo) {
	n.Requested.Sub(pod.Requests)
	n.NonZeroRequested.Sub(pod.NonZeroRequests)
	n.Pods--
	for _, p := range pod.HostPorts {
		decrement(n.UsedPorts, p)
	}
	if pod.OwnerUID != "" {
		decrement(n.OwnerPods, pod.OwnerUID)
	}
}

func decrement[K comparable](m map[K]int, k K) {
	if m[k] <= 1 {
		delete(m, k)
		return
	}
	m[k]--
}

// PortInUse reports whether a pod on the node binds a port that conflicts
// with p.
func (n *NodeInfo) PortInUse(p HostPort) bool {
	if n.UsedPorts[p] > 0 {
		return true
	}
	for used := range n.UsedPorts {
		if used.Conflicts(p) {
			return true
		}
	}
	return false
}

// Clone returns a copy that shares nothing mutable with n; the node
// object is shared, since nobody changes it.
func (n *NodeInfo) Clone() *NodeInfo {
	c := *n
	c.UsedPorts = maps.Clone(n.UsedPorts)
	c.OwnerPods = maps.Clone(n.OwnerPods)
	return &c
}
