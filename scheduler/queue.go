package scheduler

import (
	"context"
	"maps"
	"reflect"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
)

// queuedPod is a pod waiting in, or taken from, the scheduling queue.
type queuedPod struct {
	pod *core.Pod
	key string // namespace/name
	// attempts counts the times the pod was taken for scheduling; the
	// back-off doubles with each.
	attempts int
	// lastTry is when the pod was last taken; its back-off counts from it.
	lastTry time.Time
	// since is when the pod entered the unschedulable pool.
	since time.Time
	// cycle is the scheduling cycle that took the pod.
	cycle int64
	seq   uint64 // arrival order, the last tie-breaker
	where place
	index int // position in the heap holding it
	// deleted is set when the pod is deleted while being scheduled.
	deleted bool
}

func podKey(p *core.Pod) string { return p.Namespace + "/" + p.Name }

func priority(p *core.Pod) int32 {
	if p.Spec.Priority == nil {
		return 0
	}
	return *p.Spec.Priority
}

// activeLess orders the pods ready to be scheduled: higher priority first,
// then older first.
func activeLess(a, b *queuedPod) bool {
	if pa, pb := priority(a.pod), priority(b.pod); pa != pb {
		return pa > pb
	}
	ta, tb := a.pod.CreationTimestamp.Time, b.pod.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.seq < b.seq
}

// place is where in the queue a pod is.
type place int

const (
	inActive place = iota
	inBackoff
	inUnschedulable
	inFlight
)

// requeueKind says why a taken pod goes back to the queue.
type requeueKind int

const (
	// requeueUnschedulable: no node fits. The pod waits for a cluster
	// change (and its back-off), or MaxUnschedulableDuration.
	requeueUnschedulable requeueKind = iota
	// requeueError: something failed (a binding was rejected). The pod is
	// retried after its back-off whatever happens.
	requeueError
	// requeueNow: the attempt was abandoned (leadership lost); it does not
	// count and the pod is ready again at once.
	requeueNow
)

// schedulingQueue holds the pods waiting to be scheduled, as kube-scheduler's
// scheduling queue does, in three places:
//
//   - active: ready now, a heap by priority then age;
//   - backoff: tried and failed recently, a heap by the end of their
//     back-off, moved to active as it passes;
//   - unschedulable: fit nowhere last time; moved out (to active, or to
//     backoff while their back-off lasts) by a cluster change that may let
//     them fit: a node added or changed, a pod removed.
//
// A pod taken by pop is "in flight" until done or requeue. A cluster change
// during its attempt sends it to backoff instead of the unschedulable pool,
// so that the change is not missed.
type schedulingQueue struct {
	clock                      Clock
	initialBackoff, maxBackoff time.Duration
	maxUnschedulable           time.Duration
	signal                     chan struct{} // capacity 1: active is not empty

	mu              sync.Mutex
	active, backoff podHeap
	unschedulable   map[string]*queuedPod
	// pods holds every pod the queue knows, wherever it is, by key.
	pods             map[string]*queuedPod
	seq              uint64
	cycle            int64 // counts pops
	moveRequestCycle int64 // the cycle of the last cluster change
}

func newQueue(clock Clock, initialBackoff, maxBackoff, maxUnschedulable time.Duration) *schedulingQueue {
	q := &schedulingQueue{
		clock:            clock,
		initialBackoff:   initialBackoff,
		maxBackoff:       maxBackoff,
		maxUnschedulable: maxUnschedulable,
		signal:           make(chan struct{}, 1),
		unschedulable:    map[string]*queuedPod{},
		pods:             map[string]*queuedPod{},
		moveRequestCycle: -1,
	}
	q.active.less = activeLess
	q.backoff.less = func(a, b *queuedPod) bool { return q.backoffEnd(a).Before(q.backoffEnd(b)) }
	return q
}

// backoffDuration is initial·2^(attempts-1), capped at max.
func (q *schedulingQueue) backoffDuration(attempts int) time.Duration {
	d := q.initialBackoff
	for i := 1; i < attempts && d < q.maxBackoff; i++ {
		d *= 2
	}
	return min(d, q.maxBackoff)
}

func (q *schedulingQueue) backoffEnd(qp *queuedPod) time.Time {
	return qp.lastTry.Add(q.backoffDuration(qp.attempts))
}

func (q *schedulingQueue) pushActive(qp *queuedPod) {
	qp.where = inActive
	q.active.add(qp)
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pushActiveOrBackoff queues qp as ready, or in backoff while its back-off
// lasts.
func (q *schedulingQueue) pushActiveOrBackoff(qp *queuedPod) {
	if qp.attempts > 0 && q.clock.Now().Before(q.backoffEnd(qp)) {
		q.pushBackoff(qp)
		return
	}
	q.pushActive(qp)
}

func (q *schedulingQueue) pushBackoff(qp *queuedPod) {
	qp.where = inBackoff
	q.backoff.add(qp)
}

func (q *schedulingQueue) pushUnschedulable(qp *queuedPod) {
	qp.where = inUnschedulable
	qp.since = q.clock.Now()
	q.unschedulable[qp.key] = qp
}

// add queues a new pending pod, or updates it when it is queued already.
func (q *schedulingQueue) add(pod *core.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.updateLocked(pod) {
		return
	}
	q.seq++
	qp := &queuedPod{pod: pod, key: podKey(pod), seq: q.seq, index: -1}
	q.pods[qp.key] = qp
	q.pushActive(qp)
}

// update replaces a queued pod with its new version. An unschedulable pod
// whose spec, labels or annotations changed may fit now, and is moved out
// of the pool. A pod not queued is added.
func (q *schedulingQueue) update(pod *core.Pod) {
	q.add(pod)
}

// updateLocked replaces the queued version of pod and reports whether the
// pod was queued.
func (q *schedulingQueue) updateLocked(pod *core.Pod) bool {
	qp, ok := q.pods[podKey(pod)]
	if !ok {
		return false
	}
	if qp.where == inFlight && qp.pod.UID != pod.UID {
		// A new pod of the same name: the attempt still in flight is for
		// the old one and ends without touching the new one.
		delete(q.pods, qp.key)
		return false
	}
	old := qp.pod
	qp.pod = pod
	switch qp.where {
	case inActive:
		q.active.fix(qp)
	case inBackoff:
		q.backoff.fix(qp)
	case inUnschedulable:
		if podChanged(old, pod) {
			delete(q.unschedulable, qp.key)
			q.pushActiveOrBackoff(qp)
		}
	}
	return true
}

// podChanged reports whether b differs from a in what scheduling reads;
// status changes (the scheduler's own PodScheduled condition) do not count.
func podChanged(a, b *core.Pod) bool {
	if a.Generation != b.Generation && a.Generation != 0 && b.Generation != 0 {
		return true
	}
	return !maps.Equal(a.Labels, b.Labels) || !maps.Equal(a.Annotations, b.Annotations) || !reflect.DeepEqual(a.Spec, b.Spec)
}

// delete removes pod from the queue. A pod in flight is dropped when its
// attempt ends.
func (q *schedulingQueue) delete(pod *core.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.pods[podKey(pod)]
	if !ok {
		return
	}
	switch qp.where {
	case inFlight:
		qp.deleted = true
		return
	case inActive:
		q.active.remove(qp)
	case inBackoff:
		q.backoff.remove(qp)
	case inUnschedulable:
		delete(q.unschedulable, qp.key)
	}
	delete(q.pods, qp.key)
}

// pop takes the first active pod, waiting for one until ctx ends (nil).
// The pod is in flight until done or requeue.
func (q *schedulingQueue) pop(ctx context.Context) *queuedPod {
	for {
		q.mu.Lock()
		if q.active.Len() > 0 {
			qp := q.active.pop()
			q.cycle++
			qp.cycle = q.cycle
			qp.attempts++
			qp.lastTry = q.clock.Now()
			qp.deleted = false
			qp.where = inFlight
			if q.active.Len() > 0 {
				select {
				case q.signal <- struct{}{}:
				default:
				}
			}
			q.mu.Unlock()
			return qp
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-q.signal:
		}
	}
}

// done ends qp's attempt: it was bound, or is no longer to be scheduled.
func (q *schedulingQueue) done(qp *queuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pods[qp.key] == qp && qp.where == inFlight {
		delete(q.pods, qp.key)
	}
}

// requeue ends qp's failed attempt and queues it again as kind says,
// unless it was deleted meanwhile.
func (q *schedulingQueue) requeue(qp *queuedPod, kind requeueKind) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pods[qp.key] != qp || qp.where != inFlight {
		return
	}
	if qp.deleted {
		delete(q.pods, qp.key)
		return
	}
	switch {
	case kind == requeueNow:
		qp.attempts--
		q.pushActive(qp)
	case kind == requeueError || q.moveRequestCycle >= qp.cycle:
		// A failure, or the cluster changed while the pod was being
		// tried: retry after the back-off rather than wait for a change.
		q.pushBackoff(qp)
	default:
		q.pushUnschedulable(qp)
	}
}

// moveAllToActiveOrBackoff is told of a cluster change that may let
// unschedulable pods fit: they go to active, or to backoff while their
// back-off lasts.
func (q *schedulingQueue) moveAllToActiveOrBackoff() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for key, qp := range q.unschedulable {
		delete(q.unschedulable, key)
		q.pushActiveOrBackoff(qp)
	}
	q.moveRequestCycle = q.cycle
}

// flush moves the pods whose back-off has passed to active, and the pods
// unschedulable for longer than maxUnschedulable out of the pool.
func (q *schedulingQueue) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for qp := q.backoff.peek(); qp != nil && !now.Before(q.backoffEnd(qp)); qp = q.backoff.peek() {
		q.pushActive(q.backoff.pop())
	}
	for key, qp := range q.unschedulable {
		if now.Sub(qp.since) >= q.maxUnschedulable {
			delete(q.unschedulable, key)
			q.pushActiveOrBackoff(qp)
		}
	}
}

// run flushes the queue until ctx ends, often enough that a back-off ends
// within a tenth of the initial back-off (but at most every 10 ms).
func (q *schedulingQueue) run(ctx context.Context) {
	every := min(max(q.initialBackoff/10, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			q.flush()
		}
	}
}

// queueCounts says how many pods wait where.
type queueCounts struct{ Active, Backoff, Unschedulable, InFlight int }

func (q *schedulingQueue) counts() queueCounts {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := queueCounts{Active: q.active.Len(), Backoff: q.backoff.Len(), Unschedulable: len(q.unschedulable)}
	c.InFlight = len(q.pods) - c.Active - c.Backoff - c.Unschedulable
	return c
}
