package plugins

import "github.com/wharf/wharf/scheduler/framework"

// SelectorSpread spreads the pods of one owner (the ReplicaSet, Job or
// DaemonSet named by their controller ownerReference) across nodes, so
// that losing a node loses as few of its replicas as possible: nodes with
// fewer of the owner's pods score higher. Pods without an owner score
// every node alike.
type SelectorSpread struct{}

var (
	_ framework.ScorePlugin     = SelectorSpread{}
	_ framework.ScoreNormalizer = SelectorSpread{}
)

// Name implements framework.Plugin.
func (SelectorSpread) Name() string { return SelectorSpreadName }

// Score implements framework.ScorePlugin: how many of the owner's pods the
// node has, which Normalize turns around.
func (SelectorSpread) Score(pod *framework.PodInfo, node *framework.NodeInfo) int64 {
	if pod.OwnerUID == "" {
		return 0
	}
	return int64(node.OwnerPods[pod.OwnerUID])
}

// Normalize implements framework.ScoreNormalizer.
func (SelectorSpread) Normalize(_ *framework.PodInfo, scores []int64) {
	framework.NormalizeToMax(scores, true)
}
