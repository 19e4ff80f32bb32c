package plugins

import "github.com/wharf/wharf/scheduler/framework"

// Plugin names, as kube-scheduler names the plugins they mirror.
const (
	NodeReadyName                       = "NodeReady"
	TaintTolerationName                 = "TaintToleration"
	NodeAffinityName                    = "NodeAffinity"
	NodePortsName                       = "NodePorts"
	NodeResourcesFitName                = "NodeResourcesFit"
	NodeResourcesLeastAllocatedName     = "NodeResourcesLeastAllocated"
	NodeResourcesBalancedAllocationName = "NodeResourcesBalancedAllocation"
	SelectorSpreadName                  = "SelectorSpread"
)

// NewRegistry returns every plugin of this package by name.
func NewRegistry() framework.Registry {
	return framework.Registry{
		NodeReadyName:                       func() framework.Plugin { return NodeReady{} },
		TaintTolerationName:                 func() framework.Plugin { return TaintToleration{} },
		NodeAffinityName:                    func() framework.Plugin { return NodeAffinity{} },
		NodePortsName:                       func() framework.Plugin { return NodePorts{} },
		NodeResourcesFitName:                func() framework.Plugin { return NodeResourcesFit{} },
		NodeResourcesLeastAllocatedName:     func() framework.Plugin { return LeastAllocated{} },
		NodeResourcesBalancedAllocationName: func() framework.Plugin { return BalancedAllocation{} },
		SelectorSpreadName:                  func() framework.Plugin { return SelectorSpread{} },
	}
}

// DefaultPluginSet is the default profile: the filters in kube-scheduler's
// order, so that a node is reported for the same first problem, and the
// scorers with weights that let taint and affinity preferences outweigh
// spreading, and spreading outweigh resource balance.
func DefaultPluginSet() framework.PluginSet {
	return framework.PluginSet{
		Filters: []string{
			NodeReadyName,
			TaintTolerationName,
			NodeAffinityName,
			NodePortsName,
			NodeResourcesFitName,
		},
		Scores: []framework.WeightedName{
			{Name: NodeResourcesLeastAllocatedName, Weight: 1},
			{Name: NodeResourcesBalancedAllocationName, Weight: 1},
			{Name: SelectorSpreadName, Weight: 2},
			{Name: NodeAffinityName, Weight: 2},
			{Name: TaintTolerationName, Weight: 3},
		},
	}
}
