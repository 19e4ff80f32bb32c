package controller

import (
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// DaemonSetRevisionLabel marks each daemon pod with a hash of the template
// it was made from, which tells the rolling update old pods from new.
const DaemonSetRevisionLabel = "controller-revision-hash"

// daemonTemplateHash is a short, stable hash of a pod template.
func daemonTemplateHash(t *core.PodTemplateSpec) string {
	b, _ := json.Marshal(t) // a template always encodes
	h := fnv.New32a()
	h.Write(b)
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

// dsPlan is what one sync of a daemon set does.
type dsPlan struct {
	create []string    // nodes that get a pod of the current template
	remove []*core.Pod // pods to delete
	status apps.DaemonSetStatus
	// recheck > 0 asks for another sync then: a pod will have been ready
	// for minReadySeconds.
	recheck time.Duration
}

// dsNodePods is the state of one node that should run the daemon.
type dsNodePods struct {
	node     string
	new, old *core.Pod // the pods kept: of the current template, of an older one
}

// planDaemonSet decides, from the nodes and the daemon set's pods, which
// pods to create and delete: one pod on every node that should run it,
// none elsewhere, failed pods replaced, and old pods replaced within the
// rolling update's bounds.
func planDaemonSet(ds *apps.DaemonSet, hash string, nodes []*core.Node, pods []*core.Pod, now time.Time) dsPlan {
	var plan dsPlan
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	available := func(p *core.Pod) bool { return podReadyFor(p, minReady, now) }
	byNode := map[string][]*core.Pod{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			n := daemonPodNode(p)
			byNode[n] = append(byNode[n], p)
		}
	}
	for _, ps := range byNode {
		slices.SortStableFunc(ps, func(a, b *core.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	}
	nodes = slices.Clone(nodes)
	slices.SortFunc(nodes, func(a, b *core.Node) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})

	var desired []dsNodePods
	st := &plan.status
	for _, node := range nodes {
		here := byNode[node.Name]
		delete(byNode, node.Name)
		shouldRun, shouldContinue := daemonNodeFit(&ds.Spec.Template.Spec, node)
		if !shouldContinue {
			plan.remove = append(plan.remove, here...)
			if len(here) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		var running []*core.Pod
		for _, p := range here {
			if p.IsTerminal() {
				plan.remove = append(plan.remove, p) // replaced once it is gone
			} else {
				running = append(running, p)
			}
		}
		if !shouldRun {
			if len(running) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(running) == 0 {
			if len(here) == 0 {
				plan.create = append(plan.create, node.Name)
			}
			desired = append(desired, dsNodePods{node: node.Name})
			continue
		}
		st.CurrentNumberScheduled++
		np := dsNodePods{node: node.Name}
		for _, p := range running {
			switch {
			case p.Labels[DaemonSetRevisionLabel] == hash && np.new == nil:
				np.new = p
			case p.Labels[DaemonSetRevisionLabel] != hash && np.old == nil:
				np.old = p
			default:
				plan.remove = append(plan.remove, p) // a duplicate: keep the oldest
			}
		}
		if np.new != nil && np.old != nil && available(np.new) {
			plan.remove = append(plan.remove, np.old) // surge done
			np.old = nil
		}
		desired = append(desired, np)
		if np.new != nil {
			st.UpdatedNumberScheduled++
		}
		var ready, avail bool
		for _, p := range []*core.Pod{np.new, np.old} {
			if p == nil {
				continue
			}
			ready = ready || p.IsReady()
			avail = avail || available(p)
			if p.IsReady() && !available(p) {
				c := p.Status.Condition(core.PodReady)
				if wait := c.LastTransitionTime.Add(minReady).Sub(now); wait > 0 && (plan.recheck == 0 || wait < plan.recheck) {
					plan.recheck = wait
				}
			}
		}
		if ready {
			st.NumberReady++
		}
		if avail {
			st.NumberAvailable++
		}
	}
	// Pods meant for nodes that no longer exist, or for none.
	for _, n := range slices.Sorted(maps.Keys(byNode)) {
		plan.remove = append(plan.remove, byNode[n]...)
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	st.ObservedGeneration = ds.Generation
	if ds.Spec.UpdateStrategy.Type != apps.OnDeleteDaemonSetStrategyType {
		plan.rollingUpdate(ds, desired, available)
	}
	return plan
}

// rollingUpdate replaces old pods on the desired nodes. Without surge, an
// old pod is deleted (to be replaced on the next sync) while fewer than
// maxUnavailable nodes lack an available pod; an old pod that is not
// available anyway goes at once. With surge, a new pod starts beside an
// available old one on up to maxSurge nodes at a time, and the old pod
// goes once the new one is available.
func (plan *dsPlan) rollingUpdate(ds *apps.DaemonSet, desired []dsNodePods, available func(*core.Pod) bool) {
	maxSurge, maxUnavailable := daemonRollingBounds(ds, len(desired))
	unavailable, surging := 0, 0
	for _, np := range desired {
		switch {
		case np.new == nil && np.old == nil:
			unavailable++
		case np.new != nil && np.old != nil:
			surging++
		case !available(firstPod(np.new, np.old)):
			unavailable++
		}
	}
	for _, np := range desired {
		if np.old == nil || np.new != nil {
			continue
		}
		switch {
		case !available(np.old):
			plan.remove = append(plan.remove, np.old) // costs no availability
		case maxSurge > 0:
			if surging < maxSurge {
				plan.create = append(plan.create, np.node)
				surging++
			}
		case unavailable < maxUnavailable:
			plan.remove = append(plan.remove, np.old)
			unavailable++
		}
	}
}

func firstPod(ps ...*core.Pod) *core.Pod {
	for _, p := range ps {
		if p != nil {
			return p
		}
	}
	return nil
}

// daemonRollingBounds resolves maxSurge and maxUnavailable against the
// number of nodes, both rounded up; with both zero one node at a time may
// be unavailable.
func daemonRollingBounds(ds *apps.DaemonSet, desired int) (surge, unavailable int) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	scale := func(v *meta.IntOrString, def int) int {
		if v == nil {
			return def
		}
		n, err := v.ScaledValue(desired, true)
		if err != nil {
			return def
		}
		return n
	}
	if ru != nil {
		surge, unavailable = scale(ru.MaxSurge, 0), scale(ru.MaxUnavailable, 1)
	} else {
		unavailable = 1
	}
	if surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

// daemonPodTemplate is the daemon pod of ds for node.
func daemonPodTemplate(ds *apps.DaemonSet, node, hash string) *core.Pod {
	t := meta.DeepCopy(ds.Spec.Template)
	labels := map[string]string{}
	for k, v := range t.Labels {
		labels[k] = v
	}
	labels[DaemonSetRevisionLabel] = hash
	p := &core.Pod{
		ObjectMeta: meta.ObjectMeta{
			GenerateName:    ds.Name + "-",
			Namespace:       ds.Namespace,
			Labels:          labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []meta.OwnerReference{ownerRefFor(&ds.ObjectMeta, "apps/v1", "DaemonSet")},
		},
		Spec: t.Spec,
	}
	p.Spec.Tolerations = daemonTolerations(&t.Spec)
	p.Spec.Affinity = pinToNode(t.Spec.Affinity, node)
	return p
}
