package controller

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Queue is a work queue of keys, as in Kubernetes' sample-controller: a key
// added several times before a worker takes it is processed once; a key is
// never processed by two workers at once (added while in process, it is
// queued again when Done); failures are retried with per-key exponential
// back-off.
type Queue[K comparable] struct {
	mu         sync.Mutex
	cond       *sync.Cond
	queue      []K
	dirty      map[K]bool
	processing map[K]bool
	failures   map[K]int
	timers     map[K]*time.Timer
	shutdown   bool

	baseDelay, maxDelay time.Duration
}

// NewQueue returns a queue whose retries back off from base to max.
func NewQueue[K comparable](base, max time.Duration) *Queue[K] {
	q := &Queue[K]{
		dirty:      map[K]bool{},
		processing: map[K]bool{},
		failures:   map[K]int{},
		timers:     map[K]*time.Timer{},
		baseDelay:  base,
		maxDelay:   max,
	}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Add queues k unless it is queued already.
func (q *Queue[K]) Add(k K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(k)
}

func (q *Queue[K]) addLocked(k K) {
	if q.shutdown || q.dirty[k] {
		return
	}
	q.dirty[k] = true
	if q.processing[k] {
		return // Done queues it again
	}
	q.queue = append(q.queue, k)
	q.cond.Signal()
}

// AddAfter queues k after d; a second AddAfter of a waiting key keeps the
// earlier time.
func (q *Queue[K]) AddAfter(k K, d time.Duration) {
	if d <= 0 {
		q.Add(k)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return
	}
	if _, waiting := q.timers[k]; waiting {
		return
	}
	q.timers[k] = time.AfterFunc(d, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.timers, k)
		q.addLocked(k)
	})
}

// AddRateLimited queues k after its back-off, which doubles with every
// failure since the last Forget.
func (q *Queue[K]) AddRateLimited(k K) {
	q.mu.Lock()
	n := q.failures[k]
	q.failures[k] = n + 1
	q.mu.Unlock()
	d := time.Duration(float64(q.baseDelay) * math.Pow(2, float64(n)))
	if d > q.maxDelay || d <= 0 {
		d = q.maxDelay
	}
	q.AddAfter(k, d)
}

// Forget resets k's back-off after it succeeded.
func (q *Queue[K]) Forget(k K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.failures, k)
}

// Get blocks until a key is ready and returns it, or returns false once the
// queue is shut down. The caller must call Done(k) when finished.
func (q *Queue[K]) Get() (K, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.shutdown {
		q.cond.Wait()
	}
	var zero K
	if q.shutdown {
		return zero, false
	}
	k := q.queue[0]
	q.queue[0] = zero
	q.queue = q.queue[1:]
	q.processing[k] = true
	delete(q.dirty, k)
	return k, true
}

// Done marks k as processed, queueing it again if it was added meanwhile.
func (q *Queue[K]) Done(k K) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, k)
	if q.dirty[k] && !q.shutdown {
		q.queue = append(q.queue, k)
		q.cond.Signal()
	}
}

// Len is the number of keys waiting.
func (q *Queue[K]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// ShutDown wakes every Get, which then returns false, and stops the timers.
func (q *Queue[K]) ShutDown() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutdown = true
	for k, t := range q.timers {
		t.Stop()
		delete(q.timers, k)
	}
	q.cond.Broadcast()
}

// runWorkers waits for the caches, then runs workers goroutines taking
// keys from q into sync until ctx ends: the loop every controller here
// shares. A failed key is retried with back-off.
func runWorkers(ctx context.Context, q *Queue[string], workers int, log *slog.Logger,
	syncKey func(ctx context.Context, key string) error, caches ...func(context.Context) bool) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		q.ShutDown()
	}()
	for _, synced := range caches {
		if !synced(ctx) {
			return nil // stopped before the caches filled
		}
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				key, ok := q.Get()
				if !ok {
					return
				}
				err := syncKey(ctx, key)
				switch {
				case err == nil:
					q.Forget(key)
				case ctx.Err() != nil:
				default:
					log.Info("sync failed; retrying", "key", key, "err", err)
					q.AddRateLimited(key)
				}
				q.Done(key)
			}
		}()
	}
	<-ctx.Done()
	return nil
}
