package plugins

import (
	"slices"
	"strconv"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

// ReasonNodeAffinity is the reason of a node that the pod's nodeSelector
// or required node affinity rules out.
const ReasonNodeAffinity framework.Reason = "node(s) didn't match Pod's node affinity/selector"

// NodeAffinity keeps pods on nodes that match their spec.nodeSelector and
// required node affinity, and prefers nodes that match more (by weight)
// of their preferred node affinity terms.
type NodeAffinity struct{}

var (
	_ framework.FilterPlugin    = NodeAffinity{}
	_ framework.ScorePlugin     = NodeAffinity{}
	_ framework.ScoreNormalizer = NodeAffinity{}
)

// Name implements framework.Plugin.
func (NodeAffinity) Name() string { return NodeAffinityName }

// Filter implements framework.FilterPlugin.
func (NodeAffinity) Filter(pod *framework.PodInfo, node *framework.NodeInfo) []framework.Reason {
	n := node.Node
	for k, v := range pod.Pod.Spec.NodeSelector {
		if got, ok := n.Labels[k]; !ok || got != v {
			return []framework.Reason{ReasonNodeAffinity}
		}
	}
	if a := pod.Pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		if req := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution; req != nil && !MatchNodeSelector(req, n) {
			return []framework.Reason{ReasonNodeAffinity}
		}
	}
	return nil
}

// Score implements framework.ScorePlugin: the sum of the weights of the
// preferred terms node matches.
func (NodeAffinity) Score(pod *framework.PodInfo, node *framework.NodeInfo) int64 {
	a := pod.Pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0
	}
	var sum int64
	for i := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		t := &a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i]
		if t.Weight != 0 && matchTerm(&t.Preference, node.Node) {
			sum += int64(t.Weight)
		}
	}
	return sum
}

// Normalize implements framework.ScoreNormalizer.
func (NodeAffinity) Normalize(_ *framework.PodInfo, scores []int64) {
	framework.NormalizeToMax(scores, false)
}

// MatchNodeSelector reports whether node matches any of the selector's
// terms.
func MatchNodeSelector(s *core.NodeSelector, node *core.Node) bool {
	for i := range s.NodeSelectorTerms {
		if matchTerm(&s.NodeSelectorTerms[i], node) {
			return true
		}
	}
	return false
}

// matchTerm reports whether node meets every requirement of t. A term
// without requirements matches nothing, as in Kubernetes.
func matchTerm(t *core.NodeSelectorTerm, node *core.Node) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for i := range t.MatchExpressions {
		r := &t.MatchExpressions[i]
		v, ok := node.Labels[r.Key]
		if !matchRequirement(r, v, ok) {
			return false
		}
	}
	for i := range t.MatchFields {
		r := &t.MatchFields[i]
		if r.Key != "metadata.name" || !matchRequirement(r, node.Name, true) {
			return false
		}
	}
	return true
}

// matchRequirement relates value (present says whether the label exists)
// to r.
func matchRequirement(r *core.NodeSelectorRequirement, value string, present bool) bool {
	switch r.Operator {
	case core.NodeSelectorOpIn:
		return present && slices.Contains(r.Values, value)
	case core.NodeSelectorOpNotIn:
		return !present || !slices.Contains(r.Values, value)
	case core.NodeSelectorOpExists:
		return present
	case core.NodeSelectorOpDoesNotExist:
		return !present
	case core.NodeSelectorOpGt, core.NodeSelectorOpLt:
		if !present || len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(value, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == core.NodeSelectorOpGt {
			return have > want
		}
		return have < want
	}
	return false
}
