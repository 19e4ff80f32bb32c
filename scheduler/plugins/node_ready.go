package plugins

import (
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

// ReasonUnschedulable is the reason of a cordoned node.
const ReasonUnschedulable framework.Reason = "node(s) were unschedulable"

// Taints Kubernetes puts on nodes that are cordoned or not Ready, and that
// NodeReady acts as if every such node carried, whether or not a
// controller has added them yet.
const (
	TaintNodeUnschedulable = "node.kubernetes.io/unschedulable"
	TaintNodeNotReady      = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable   = "node.kubernetes.io/unreachable"
)

// NodeReady keeps pods off nodes that are cordoned (spec.unschedulable) or
// whose Ready condition is not True. It treats such a node as carrying the
// NoSchedule taint Kubernetes' node lifecycle controller would give it
// (not-ready for Ready=False or no condition yet, unreachable for
// Ready=Unknown), so that, as in Kubernetes, only pods that tolerate that
// taint (DaemonSet pods) may go there, and the reason users read is the
// taint's.
type NodeReady struct{}

var _ framework.FilterPlugin = NodeReady{}

// Name implements framework.Plugin.
func (NodeReady) Name() string { return NodeReadyName }

// Filter implements framework.FilterPlugin.
func (NodeReady) Filter(pod *framework.PodInfo, node *framework.NodeInfo) []framework.Reason {
	n := node.Node
	tolerations := pod.Pod.Spec.Tolerations
	if n.Spec.Unschedulable && !Tolerates(tolerations, core.Taint{Key: TaintNodeUnschedulable, Effect: core.TaintEffectNoSchedule}) {
		return []framework.Reason{ReasonUnschedulable}
	}
	key := ""
	switch c := n.Condition(core.NodeReady); {
	case c == nil || c.Status == core.ConditionFalse:
		key = TaintNodeNotReady
	case c.Status == core.ConditionTrue:
		return nil
	default:
		key = TaintNodeUnreachable
	}
	t := core.Taint{Key: key, Effect: core.TaintEffectNoSchedule}
	if Tolerates(tolerations, t) {
		return nil
	}
	return []framework.Reason{UntoleratedTaint(t)}
}
