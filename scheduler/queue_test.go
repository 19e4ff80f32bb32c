package scheduler

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
)

func testQueue() (*schedulingQueue, *fakeClock) {
	clock := newFakeClock()
	return newQueue(clock, time.Second, 10*time.Second, 5*time.Minute), clock
}

// popNow pops a pod that must be ready.
func popNow(t *testing.T, q *schedulingQueue) *queuedPod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	qp := q.pop(ctx)
	if qp == nil {
		t.Fatalf("pop: got nothing, want a pod; queue %+v", q.counts())
	}
	return qp
}

func TestQueueOrdersByPriorityThenAge(t *testing.T) {
	q, clock := testQueue()
	t0 := clock.Now()
	q.add(testPod("old-low").created(t0).obj())
	q.add(testPod("new-high").priority(100).created(t0.Add(2 * time.Second)).obj())
	q.add(testPod("new-low").created(t0.Add(time.Second)).obj())
	q.add(testPod("old-high").priority(100).created(t0.Add(time.Second)).obj())
	q.add(testPod("negative").priority(-5).created(t0.Add(-time.Hour)).obj())
	var got []string
	for range 5 {
		got = append(got, popNow(t, q).pod.Name)
	}
	want := []string{"old-high", "new-high", "old-low", "new-low", "negative"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pop order: got %v, want %v", got, want)
	}
}

func TestQueueAddOfQueuedPodUpdatesIt(t *testing.T) {
	q, _ := testQueue()
	q.add(testPod("a").obj())
	q.add(testPod("a").label("v", "2").obj())
	if c := q.counts(); c.Active != 1 {
		t.Fatalf("a pod added twice is queued %d times, want once", c.Active)
	}
	if got := popNow(t, q).pod.Labels["v"]; got != "2" {
		t.Errorf("queued version: got label v=%q, want the newer 2", got)
	}
}

func TestQueueBackoffDoublesAndCaps(t *testing.T) {
	q, _ := testQueue()
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 12: 10 * time.Second} {
		if got := q.backoffDuration(attempts); got != want {
			t.Errorf("backoff after %d attempts: got %v, want %v", attempts, got, want)
		}
	}
}

func TestQueueErrorRetriesAfterBackoff(t *testing.T) {
	q, clock := testQueue()
	q.add(testPod("a").obj())
	q.requeue(popNow(t, q), requeueError)
	q.flush()
	if c := q.counts(); c.Backoff != 1 || c.Active != 0 {
		t.Fatalf("after a failure: got %+v, want the pod in backoff", c)
	}
	clock.step(999 * time.Millisecond)
	q.flush()
	if c := q.counts(); c.Backoff != 1 {
		t.Fatalf("before the 1s back-off ends: got %+v, want the pod still in backoff", c)
	}
	clock.step(time.Millisecond)
	q.flush()
	if c := q.counts(); c.Active != 1 {
		t.Fatalf("when the back-off ends: got %+v, want the pod active", c)
	}
	// The second failure backs off twice as long.
	q.requeue(popNow(t, q), requeueError)
	clock.step(1500 * time.Millisecond)
	q.flush()
	if c := q.counts(); c.Backoff != 1 {
		t.Fatalf("1.5s into the second (2s) back-off: got %+v, want the pod in backoff", c)
	}
	clock.step(500 * time.Millisecond)
	q.flush()
	if c := q.counts(); c.Active != 1 {
		t.Fatalf("after the second back-off: got %+v, want the pod active", c)
	}
}

func TestQueueUnschedulableWaitsForClusterChange(t *testing.T) {
	q, clock := testQueue()
	q.add(testPod("a").obj())
	q.requeue(popNow(t, q), requeueUnschedulable)
	clock.step(time.Minute)
	q.flush()
	if c := q.counts(); c.Unschedulable != 1 {
		t.Fatalf("without a cluster change: got %+v, want the pod unschedulable", c)
	}
	q.moveAllToActiveOrBackoff()
	if c := q.counts(); c.Active != 1 {
		t.Fatalf("after a cluster change with the back-off over: got %+v, want the pod active", c)
	}

	// A change right after the failure: the back-off still applies.
	q.requeue(popNow(t, q), requeueUnschedulable)
	q.moveAllToActiveOrBackoff()
	if c := q.counts(); c.Backoff != 1 {
		t.Fatalf("after a cluster change within the back-off: got %+v, want the pod in backoff", c)
	}
	clock.step(2 * time.Second)
	q.flush()
	if c := q.counts(); c.Active != 1 {
		t.Fatalf("after the back-off: got %+v, want the pod active", c)
	}
}

func TestQueueChangeDuringAttemptIsNotMissed(t *testing.T) {
	q, _ := testQueue()
	q.add(testPod("a").obj())
	qp := popNow(t, q)
	q.moveAllToActiveOrBackoff() // a node was added while the pod was being tried
	q.requeue(qp, requeueUnschedulable)
	if c := q.counts(); c.Backoff != 1 || c.Unschedulable != 0 {
		t.Fatalf("got %+v, want the pod in backoff rather than waiting for another change", c)
	}
}

func TestQueueUnschedulableRetriedAfterMaxDuration(t *testing.T) {
	q, clock := testQueue()
	q.add(testPod("a").obj())
	q.requeue(popNow(t, q), requeueUnschedulable)
	clock.step(5*time.Minute - time.Second)
	q.flush()
	if c := q.counts(); c.Unschedulable != 1 {
		t.Fatalf("before 5 minutes: got %+v, want the pod unschedulable", c)
	}
	clock.step(time.Second)
	q.flush()
	if c := q.counts(); c.Active != 1 {
		t.Fatalf("after 5 minutes: got %+v, want the pod active", c)
	}
}

func TestQueueUpdateOfUnschedulablePod(t *testing.T) {
	for _, tc := range []struct {
		name   string
		update func(*podBuilder) *podBuilder
		moved  bool
	}{
		{"status only", func(b *podBuilder) *podBuilder { return b.phase(core.PodPending) }, false},
		{"new toleration", func(b *podBuilder) *podBuilder { return b.tolerate("gpu", "") }, true},
		{"new label", func(b *podBuilder) *podBuilder { return b.label("x", "y") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, clock := testQueue()
			q.add(testPod("a").obj())
			q.requeue(popNow(t, q), requeueUnschedulable)
			clock.step(time.Minute)
			q.update(tc.update(testPod("a")).obj())
			c := q.counts()
			if moved := c.Active == 1; moved != tc.moved || c.Active+c.Unschedulable != 1 {
				t.Errorf("got %+v, want moved out of the pool: %v", c, tc.moved)
			}
		})
	}
}

func TestQueueDelete(t *testing.T) {
	q, _ := testQueue()
	for _, n := range []string{"active", "backoff", "unschedulable", "flight"} {
		q.add(testPod(n).obj())
	}
	q.requeue(popNow(t, q), requeueError)
	q.requeue(popNow(t, q), requeueUnschedulable)
	flight := popNow(t, q)
	if c := q.counts(); c != (queueCounts{Active: 1, Backoff: 1, Unschedulable: 1, InFlight: 1}) {
		t.Fatalf("setup: got %+v, want one pod in each place", c)
	}
	for _, n := range []string{"active", "backoff", "unschedulable", "flight"} {
		q.delete(testPod(n).obj())
	}
	q.requeue(flight, requeueError) // the attempt of the deleted pod ends
	if c := q.counts(); c != (queueCounts{}) {
		t.Errorf("after deleting every pod: got %+v, want an empty queue", c)
	}
}

func TestQueueRecreatedPodDuringAttempt(t *testing.T) {
	q, _ := testQueue()
	q.add(testPod("a").uid("1").obj())
	old := popNow(t, q)
	q.delete(testPod("a").uid("1").obj())
	q.add(testPod("a").uid("2").obj())
	q.done(old) // the old pod's attempt ends
	if got := popNow(t, q).pod.UID; got != "2" {
		t.Errorf("got pod uid %q, want the new pod 2 still queued", got)
	}
}

func TestQueueRequeueNowDoesNotCountTheAttempt(t *testing.T) {
	q, _ := testQueue()
	q.add(testPod("a").obj())
	q.requeue(popNow(t, q), requeueNow)
	qp := popNow(t, q)
	if qp.attempts != 1 {
		t.Errorf("attempts after an abandoned attempt: got %d, want 1", qp.attempts)
	}
}

func TestQueuePopWaits(t *testing.T) {
	q, _ := testQueue()
	got := make(chan *queuedPod, 1)
	go func() { got <- q.pop(context.Background()) }()
	q.add(testPod("late").obj())
	select {
	case qp := <-got:
		if qp.pod.Name != "late" {
			t.Errorf("got %s, want late", qp.pod.Name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pop did not return after add")
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { got <- q.pop(ctx) }()
	cancel()
	select {
	case qp := <-got:
		if qp != nil {
			t.Errorf("pop after cancel: got %s, want nil", qp.pod.Name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("pop did not return after its context ended")
	}
}
