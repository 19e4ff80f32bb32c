package scheduler

import "container/heap"

// podHeap is a heap of queued pods that can also remove or re-sort one by
// key; the pods remember their index in it.
type podHeap struct {
	items []*queuedPod
	less  func(a, b *queuedPod) bool
}

func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index, h.items[j].index = i, j
}
func (h *podHeap) Push(x any) {
	qp := x.(*queuedPod)
	qp.index = len(h.items)
	h.items = append(h.items, qp)
}
func (h *podHeap) Pop() any {
	n := len(h.items) - 1
	qp := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	qp.index = -1
	return qp
}

func (h *podHeap) add(qp *queuedPod) { heap.Push(h, qp) }

// peek returns the first pod without taking it, or nil.
func (h *podHeap) peek() *queuedPod {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

func (h *podHeap) pop() *queuedPod { return heap.Pop(h).(*queuedPod) }

func (h *podHeap) remove(qp *queuedPod) { heap.Remove(h, qp.index) }

func (h *podHeap) fix(qp *queuedPod) { heap.Fix(h, qp.index) }
