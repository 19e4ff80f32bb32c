package controller

import (
	"slices"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Taints the node lifecycle controller manages.
const (
	TaintNodeNotReady    = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable = "node.kubernetes.io/unreachable"
)

// Why a silent node's conditions became Unknown.
const (
	nodeReasonStatusUnknown      = "NodeStatusUnknown"
	nodeMessageStatusUnknown     = "Kubelet stopped posting node status."
	nodeReasonStatusNeverUpdated = "NodeStatusNeverUpdated"
	nodeMessageNeverUpdated      = "Kubelet never posted node status."
)

// agentConditions are the conditions a node agent reports; all go Unknown
// when it falls silent, since nobody knows them any more.
var agentConditions = []core.NodeConditionType{
	core.NodeReady, core.NodeMemoryPressure, core.NodeDiskPressure, core.NodePIDPressure,
}

// markNodeUnknown returns a copy of node with its agent's conditions
// Unknown, and whether that changed anything. The heartbeat times stay
// those of the agent's last report.
func markNodeUnknown(node *core.Node, now time.Time) (*core.Node, bool) {
	next := meta.DeepCopy(node)
	changed := false
	for _, t := range agentConditions {
		c := next.Condition(t)
		if c == nil {
			if t != core.NodeReady {
				continue // never reported: nothing to invalidate
			}
			next.Status.Conditions = append(next.Status.Conditions, core.NodeCondition{
				Type: core.NodeReady, Status: core.ConditionUnknown,
				Reason: nodeReasonStatusNeverUpdated, Message: nodeMessageNeverUpdated,
				LastTransitionTime: meta.NewTime(now),
			})
			changed = true
			continue
		}
		if c.Status == core.ConditionUnknown {
			continue
		}
		c.Status = core.ConditionUnknown
		c.Reason, c.Message = nodeReasonStatusUnknown, nodeMessageStatusUnknown
		c.LastTransitionTime = meta.NewTime(now)
		changed = true
	}
	return next, changed
}

// reconcileNodeTaints returns a copy of node with the NoExecute taint its
// Ready condition calls for (unreachable for Unknown, not-ready for False,
// none for True), and whether that changed anything. A node without a
// Ready condition is left alone until it reports or its grace runs out.
func reconcileNodeTaints(node *core.Node, now time.Time) (*core.Node, bool) {
	c := node.Condition(core.NodeReady)
	if c == nil {
		return node, false
	}
	want := ""
	switch c.Status {
	case core.ConditionUnknown:
		want = TaintNodeUnreachable
	case core.ConditionFalse:
		want = TaintNodeNotReady
	}
	next := meta.DeepCopy(node)
	has := false
	next.Spec.Taints = slices.DeleteFunc(next.Spec.Taints, func(t core.Taint) bool {
		if t.Effect != core.TaintEffectNoExecute || (t.Key != TaintNodeUnreachable && t.Key != TaintNodeNotReady) {
			return false
		}
		if t.Key == want {
			has = true
			return false
		}
		return true
	})
	if want != "" && !has {
		added := meta.NewTime(now)
		next.Spec.Taints = append(next.Spec.Taints, core.Taint{Key: want, Effect: core.TaintEffectNoExecute, TimeAdded: &added})
	}
	if len(next.Spec.Taints) == 0 {
		next.Spec.Taints = nil
	}
	changed := !slices.EqualFunc(next.Spec.Taints, node.Spec.Taints, func(a, b core.Taint) bool {
		return a.Key == b.Key && a.Value == b.Value && a.Effect == b.Effect
	})
	return next, changed
}

// noExecuteTaints returns the node's NoExecute taints.
func noExecuteTaints(node *core.Node) []core.Taint {
	var out []core.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == core.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}
