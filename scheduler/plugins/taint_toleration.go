package plugins

import (
	"fmt"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

// ReasonUntoleratedTaint starts the reason of a node with a NoSchedule or
// NoExecute taint the pod does not tolerate; UntoleratedTaint adds the
// taint, as kube-scheduler does.
const ReasonUntoleratedTaint framework.Reason = "node(s) had untolerated taint"

// UntoleratedTaint is the reason naming taint t:
// "node(s) had untolerated taint {key: value}".
func UntoleratedTaint(t core.Taint) framework.Reason {
	return framework.Reason(fmt.Sprintf("%s {%s: %s}", ReasonUntoleratedTaint, t.Key, t.Value))
}

// TaintToleration keeps pods off nodes with NoSchedule and NoExecute
// taints they do not tolerate, and prefers nodes with fewer untolerated
// PreferNoSchedule taints.
type TaintToleration struct{}

var (
	_ framework.FilterPlugin    = TaintToleration{}
	_ framework.ScorePlugin     = TaintToleration{}
	_ framework.ScoreNormalizer = TaintToleration{}
)

// Name implements framework.Plugin.
func (TaintToleration) Name() string { return TaintTolerationName }

// Filter implements framework.FilterPlugin.
func (TaintToleration) Filter(pod *framework.PodInfo, node *framework.NodeInfo) []framework.Reason {
	for _, t := range node.Node.Spec.Taints {
		if t.Effect != core.TaintEffectNoSchedule && t.Effect != core.TaintEffectNoExecute {
			continue
		}
		if !Tolerates(pod.Pod.Spec.Tolerations, t) {
			return []framework.Reason{UntoleratedTaint(t)}
		}
	}
	return nil
}

// Score implements framework.ScorePlugin: the number of PreferNoSchedule
// taints the pod does not tolerate, which Normalize turns around.
func (TaintToleration) Score(pod *framework.PodInfo, node *framework.NodeInfo) int64 {
	var n int64
	for _, t := range node.Node.Spec.Taints {
		if t.Effect == core.TaintEffectPreferNoSchedule && !Tolerates(pod.Pod.Spec.Tolerations, t) {
			n++
		}
	}
	return n
}

// Normalize implements framework.ScoreNormalizer: fewest untolerated
// taints scores best.
func (TaintToleration) Normalize(_ *framework.PodInfo, scores []int64) {
	framework.NormalizeToMax(scores, true)
}

// Tolerates reports whether any of tolerations tolerates t: same effect
// (or any, when the toleration names none), same key (or any, for Exists
// without a key) and, for Equal, the same value.
func Tolerates(tolerations []core.Toleration, t core.Taint) bool {
	for i := range tolerations {
		if toleratesTaint(&tolerations[i], t) {
			return true
		}
	}
	return false
}

func toleratesTaint(tol *core.Toleration, t core.Taint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != t.Key {
		return false
	}
	switch tol.Operator {
	case core.TolerationOpExists:
		return true
	case core.TolerationOpEqual, "":
		return tol.Value == t.Value
	}
	return false
}
