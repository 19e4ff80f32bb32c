package scheduler

import (
	"maps"
	"slices"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
)

// addHandlers feeds the informers' changes to the queue and the cache.
// Pending pods of this scheduler go to the queue; bound pods of any
// scheduler go to the cache, since they take room on their nodes. Changes
// that may let an unschedulable pod fit (a node added or changed, a bound
// pod gone) move the unschedulable pods back to be tried again.
func (s *Scheduler) addHandlers() {
	s.pods.AddHandler(client.Handler[*core.Pod]{
		OnAdd:    s.onPodAdd,
		OnUpdate: s.onPodUpdate,
		OnDelete: s.onPodDelete,
	})
	s.nodes.AddHandler(client.Handler[*core.Node]{
		OnAdd: func(n *core.Node) {
			s.cache.addNode(n)
			s.queue.moveAllToActiveOrBackoff()
		},
		OnUpdate: func(old, n *core.Node) {
			s.cache.updateNode(n)
			if nodeSchedulingChanged(old, n) {
				s.queue.moveAllToActiveOrBackoff()
			}
		},
		OnDelete: s.cache.removeNode,
	})
}

func (s *Scheduler) onPodAdd(pod *core.Pod) {
	switch {
	case pod.Spec.NodeName != "":
		if !pod.IsTerminal() {
			s.cache.addPod(pod)
		}
	case s.responsibleFor(pod):
		s.queue.add(pod)
	}
}

func (s *Scheduler) onPodUpdate(old, pod *core.Pod) {
	if pod.Spec.NodeName == "" {
		if s.responsibleFor(pod) {
			s.queue.update(pod)
		} else {
			s.queue.delete(pod)
		}
		return
	}
	if old.Spec.NodeName == "" {
		s.queue.delete(pod) // bound, by us or by someone else
	}
	if pod.IsTerminal() {
		// A finished pod no longer takes room on its node.
		if s.cache.removePod(pod) {
			s.queue.moveAllToActiveOrBackoff()
		}
		return
	}
	s.cache.updatePod(pod)
}

func (s *Scheduler) onPodDelete(pod *core.Pod) {
	s.queue.delete(pod)
	if s.cache.removePod(pod) {
		s.queue.moveAllToActiveOrBackoff()
	}
}

// nodeSchedulingChanged reports whether a node update may let a pod fit
// that did not before; heartbeats and image lists do not.
func nodeSchedulingChanged(old, n *core.Node) bool {
	if old.Spec.Unschedulable != n.Spec.Unschedulable || old.Ready() != n.Ready() ||
		!maps.Equal(old.Labels, n.Labels) || !slices.EqualFunc(old.Spec.Taints, n.Spec.Taints, sameTaint) {
		return true
	}
	if len(old.Status.Allocatable) != len(n.Status.Allocatable) {
		return true
	}
	for name, q := range n.Status.Allocatable {
		if oq, ok := old.Status.Allocatable[name]; !ok || oq.Cmp(q) != 0 {
			return true
		}
	}
	return false
}

func sameTaint(a, b core.Taint) bool {
	return a.Key == b.Key && a.Value == b.Value && a.Effect == b.Effect
}
