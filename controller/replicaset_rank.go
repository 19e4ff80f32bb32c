package controller

import (
	"slices"
	"strconv"
	"time"

	"github.com/wharf/wharf/api/core"
)

// podDeletionCostAnnotation lets users say which pods of a ReplicaSet to
// delete first on scale-down: lower cost goes first.
const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// podsToDelete picks the n least valuable of pods, as Kubernetes does:
// pods that are cheapest to lose go first, so a scale-down removes what
// is not serving yet before what is. related are the pods of the owner's
// whole family (every ReplicaSet of one Deployment): among otherwise equal
// pods, one sharing its node with more of the family goes first, which
// keeps the family spread over nodes.
func podsToDelete(pods, related []*core.Pod, n int) []*core.Pod {
	if n >= len(pods) {
		return pods
	}
	onNode := map[string]int{}
	for _, p := range related {
		if p.Spec.NodeName != "" && isActivePod(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	ranked := make([]rankedPod, len(pods))
	for i, p := range pods {
		ranked[i] = rankedPod{pod: p, rank: onNode[p.Spec.NodeName]}
		if p.Spec.NodeName == "" {
			ranked[i].rank = 0
		}
	}
	slices.SortStableFunc(ranked, func(a, b rankedPod) int {
		switch {
		case deleteFirst(a, b):
			return -1
		case deleteFirst(b, a):
			return 1
		}
		return 0
	})
	out := make([]*core.Pod, n)
	for i := range out {
		out[i] = ranked[i].pod
	}
	return out
}

// rankedPod is a pod and how many pods of its family share its node.
type rankedPod struct {
	pod  *core.Pod
	rank int
}

// podPhaseOrder ranks phases by how far along a pod is; Pending (and
// anything not listed) is least.
var podPhaseOrder = map[core.PodPhase]int{core.PodPending: 0, core.PodUnknown: 1, core.PodRunning: 2}

// deleteFirst reports whether a is less valuable than b, by the first of
// these that differ: unscheduled before scheduled; Pending before Unknown
// before Running; not ready before ready; lower deletion cost; more family
// on the same node; ready for less time; more container restarts; newer.
// Names break the remaining ties, for a deterministic order.
func deleteFirst(a, b rankedPod) bool {
	p, q := a.pod, b.pod
	if (p.Spec.NodeName == "") != (q.Spec.NodeName == "") {
		return p.Spec.NodeName == ""
	}
	if po, qo := podPhaseOrder[p.Status.Phase], podPhaseOrder[q.Status.Phase]; po != qo {
		return po < qo
	}
	if p.IsReady() != q.IsReady() {
		return !p.IsReady()
	}
	if pc, qc := deletionCost(p), deletionCost(q); pc != qc {
		return pc < qc
	}
	if a.rank != b.rank {
		return a.rank > b.rank
	}
	if p.IsReady() && q.IsReady() {
		if pt, qt := p.ReadySince(), q.ReadySince(); !pt.Equal(qt) {
			return laterOrZero(pt, qt)
		}
	}
	if pr, qr := p.MaxRestarts(), q.MaxRestarts(); pr != qr {
		return pr > qr
	}
	if pt, qt := p.CreationTimestamp.Time, q.CreationTimestamp.Time; !pt.Equal(qt) {
		return laterOrZero(pt, qt)
	}
	return p.Name < q.Name
}

// laterOrZero orders times newest first, the zero time before all.
func laterOrZero(t, u time.Time) bool {
	if t.IsZero() || u.IsZero() {
		return t.IsZero()
	}
	return t.After(u)
}

func deletionCost(p *core.Pod) int32 {
	v, ok := p.Annotations[podDeletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

// isActivePod reports whether p counts toward its controller's replicas:
// not finished and not being deleted.
func isActivePod(p *core.Pod) bool {
	return !p.IsTerminal() && p.DeletionTimestamp == nil
}

// isPodAvailable reports whether p has been ready for minReadySeconds at
// now.
func isPodAvailable(p *core.Pod, minReadySeconds int32, now time.Time) bool {
	if !p.IsReady() {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	since := p.ReadySince()
	return !since.IsZero() && since.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}
