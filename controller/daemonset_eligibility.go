package controller

import (
	"slices"
	"strconv"

	"github.com/wharf/wharf/api/core"
)

// Taints DaemonSet pods tolerate, as Kubernetes adds them: a per-node
// agent must keep running on a node under pressure, cordoned, or not
// ready, since it may be what makes the node ready.
const (
	taintNodeDiskPressure       = "node.kubernetes.io/disk-pressure"
	taintNodeMemoryPressure     = "node.kubernetes.io/memory-pressure"
	taintNodePIDPressure        = "node.kubernetes.io/pid-pressure"
	taintNodeUnschedulable      = "node.kubernetes.io/unschedulable"
	taintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable"
)

// daemonTolerations returns spec's tolerations plus those every daemon
// pod gets; spec is not changed.
func daemonTolerations(spec *core.PodSpec) []core.Toleration {
	tols := slices.Clone(spec.Tolerations)
	add := func(key string, effect core.TaintEffect) {
		for _, t := range tols {
			if t.Key == key && t.Effect == effect && t.Operator == core.TolerationOpExists && t.TolerationSeconds == nil {
				return
			}
		}
		tols = append(tols, core.Toleration{Key: key, Operator: core.TolerationOpExists, Effect: effect})
	}
	add(TaintNodeNotReady, core.TaintEffectNoExecute)
	add(TaintNodeUnreachable, core.TaintEffectNoExecute)
	add(taintNodeDiskPressure, core.TaintEffectNoSchedule)
	add(taintNodeMemoryPressure, core.TaintEffectNoSchedule)
	add(taintNodePIDPressure, core.TaintEffectNoSchedule)
	add(taintNodeUnschedulable, core.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(taintNodeNetworkUnavailable, core.TaintEffectNoSchedule)
	}
	return tols
}

// daemonNodeFit says whether a daemon pod of spec should be started on
// node, and whether one already there should keep running: the node must
// match the node selector and required node affinity; a new pod must
// tolerate the node's NoSchedule and NoExecute taints, a running one only
// the NoExecute ones. Resources are the scheduler's business.
func daemonNodeFit(spec *core.PodSpec, node *core.Node) (shouldRun, shouldContinue bool) {
	for k, v := range spec.NodeSelector {
		if got, ok := node.Labels[k]; !ok || got != v {
			return false, false
		}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		if !nodeSelectorMatches(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution, node) {
			return false, false
		}
	}
	tols := daemonTolerations(spec)
	shouldRun, shouldContinue = true, true
	for _, taint := range node.Spec.Taints {
		if _, ok := tolerationFor(tols, taint); ok {
			continue
		}
		switch taint.Effect {
		case core.TaintEffectNoExecute:
			return false, false
		case core.TaintEffectNoSchedule:
			shouldRun = false
		}
	}
	return shouldRun, shouldContinue
}

// nodeSelectorMatches: any term matches, and a term matches when all of
// its requirements do. An empty term matches nothing, as in Kubernetes.
func nodeSelectorMatches(sel *core.NodeSelector, node *core.Node) bool {
	for _, term := range sel.NodeSelectorTerms {
		if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
			continue
		}
		ok := true
		for _, r := range term.MatchExpressions {
			v, has := node.Labels[r.Key]
			ok = ok && nodeRequirementMatches(r, v, has)
		}
		for _, r := range term.MatchFields {
			ok = ok && r.Key == "metadata.name" && nodeRequirementMatches(r, node.Name, true)
		}
		if ok {
			return true
		}
	}
	return false
}

func nodeRequirementMatches(r core.NodeSelectorRequirement, v string, has bool) bool {
	switch r.Operator {
	case core.NodeSelectorOpIn:
		return has && slices.Contains(r.Values, v)
	case core.NodeSelectorOpNotIn:
		return !has || !slices.Contains(r.Values, v)
	case core.NodeSelectorOpExists:
		return has
	case core.NodeSelectorOpDoesNotExist:
		return !has
	case core.NodeSelectorOpGt, core.NodeSelectorOpLt:
		if !has || len(r.Values) != 1 {
			return false
		}
		got, err1 := strconv.ParseInt(v, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == core.NodeSelectorOpGt {
			return got > want
		}
		return got < want
	}
	return false
}

// pinToNode returns affinity requiring node by name, keeping the label
// requirements of a (which is not changed): the way Kubernetes places
// daemon pods since 1.12, so that the default scheduler binds them.
func pinToNode(a *core.Affinity, node string) *core.Affinity {
	field := []core.NodeSelectorRequirement{{Key: "metadata.name", Operator: core.NodeSelectorOpIn, Values: []string{node}}}
	out := &core.Affinity{}
	if a != nil {
		cp := *a
		out = &cp
	}
	na := &core.NodeAffinity{}
	if out.NodeAffinity != nil {
		cp := *out.NodeAffinity
		na = &cp
	}
	out.NodeAffinity = na
	var terms []core.NodeSelectorTerm
	if req := na.RequiredDuringSchedulingIgnoredDuringExecution; req != nil {
		for _, t := range req.NodeSelectorTerms {
			terms = append(terms, core.NodeSelectorTerm{MatchExpressions: slices.Clone(t.MatchExpressions), MatchFields: field})
		}
	}
	if len(terms) == 0 {
		terms = []core.NodeSelectorTerm{{MatchFields: field}}
	}
	na.RequiredDuringSchedulingIgnoredDuringExecution = &core.NodeSelector{NodeSelectorTerms: terms}
	return out
}

// daemonPodNode is the node a daemon pod is on or meant for: its
// nodeName, or the node its affinity pins it to.
func daemonPodNode(p *core.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, r := range t.MatchFields {
			if r.Key == "metadata.name" && r.Operator == core.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0]
			}
		}
	}
	return ""
}
