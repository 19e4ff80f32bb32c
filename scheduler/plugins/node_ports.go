package plugins

import "github.com/wharf/wharf/scheduler/framework"

// ReasonNodePorts is the reason of a node where another pod already binds
// a host port the pod asks for.
const ReasonNodePorts framework.Reason = "node(s) didn't have free ports for the requested pod ports"

// NodePorts keeps a pod off nodes where one of its host ports is taken.
type NodePorts struct{}

var _ framework.FilterPlugin = NodePorts{}

// Name implements framework.Plugin.
func (NodePorts) Name() string { return NodePortsName }

// Filter implements framework.FilterPlugin.
func (NodePorts) Filter(pod *framework.PodInfo, node *framework.NodeInfo) []framework.Reason {
	for _, p := range pod.HostPorts {
		if node.PortInUse(p) {
			return []framework.Reason{ReasonNodePorts}
		}
	}
	return nil
}
