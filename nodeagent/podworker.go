package nodeagent

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
)

// podWorker is the one goroutine that drives one pod (by UID) toward its
// spec. The dispatcher hands it the newest pod object and pokes it on
// runtime events; it syncs, then sleeps until poked or until a sync asked
// to be woken (a back-off ending, the resync period).
type podWorker struct {
	a   *Agent
	uid string

	mu   sync.Mutex
	pod  *core.Pod // newest from the cache: read-only
	gone bool      // removed from the API
	wake chan struct{}

	// Owned by the worker's goroutine.
	backoff *backoff
	waiting map[string]core.ContainerStateWaiting
	// written is the pod as returned by our last status write, newer
	// than the cache until the watch catches up.
	written *core.Pod
	// finished: the pod reached Succeeded or Failed (or is being
	// deleted); its containers never start again.
	finished bool
	// deleted: the agent has asked the API server to remove the pod.
	deleted bool
	// retry is the delay after a failed sync; it doubles while syncs fail.
	retry time.Duration
	// pullBackoff spaces out the failed pulls of each image, as the
	// kubelet's image back-off does.
	pullBackoff *backoff
	// probes runs the probes of the pod's containers; nil-safe.
	probes *podProbes
}

const (
	minRetry = 200 * time.Millisecond
	maxRetry = 30 * time.Second
)

func newPodWorker(a *Agent, uid string) *podWorker {
	return &podWorker{
		a:           a,
		uid:         uid,
		wake:        make(chan struct{}, 1),
		backoff:     newBackoff(a.cfg.BackoffBase, a.cfg.BackoffMax),
		pullBackoff: newBackoff(a.cfg.BackoffBase, a.cfg.BackoffMax),
	}
}

// update hands the worker the newest pod; gone says the API no longer has
// it, which is final.
func (w *podWorker) update(pod *core.Pod, gone bool) {
	w.mu.Lock()
	if pod != nil {
		w.pod = pod
	}
	w.gone = w.gone || gone
	w.mu.Unlock()
	w.poke()
}

// setIfNewer replaces the pod with a fresher copy read from the server.
func (w *podWorker) setIfNewer(pod *core.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.gone && pod.UID == w.uid && (w.pod == nil || pod.Revision() > w.pod.Revision()) {
		w.pod = pod
	}
}

func (w *podWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *podWorker) snapshot() (*core.Pod, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod, w.gone
}

// run syncs until the pod is gone and cleaned up (then reports on done)
// or ctx ends (then leaves the containers running, for the next agent).
func (w *podWorker) run(ctx context.Context, done chan<- string) {
	if w.a.probing {
		w.probes = newPodProbes(w.a, func() *core.Pod { p, _ := w.snapshot(); return p }, w.poke)
		defer w.probes.stop()
	}
	var stopTimer func() bool
	defer func() {
		if stopTimer != nil {
			stopTimer()
		}
	}()
	for {
		pod, gone := w.snapshot()
		after, finished := w.sync(ctx, pod, gone)
		if ctx.Err() != nil {
			return
		}
		if finished {
			select {
			case done <- w.uid:
			case <-ctx.Done():
			}
			return
		}
		if stopTimer != nil {
			stopTimer()
		}
		stopTimer = w.a.clock.AfterFunc(after, w.poke)
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
	}
}

// sync does one round and says when to look again, or that the worker is
// done.
func (w *podWorker) sync(ctx context.Context, pod *core.Pod, gone bool) (time.Duration, bool) {
	var err error
	var after time.Duration
	switch {
	case gone:
		if err = w.cleanUp(ctx, pod); err == nil {
			return 0, true
		}
	case pod.DeletionTimestamp != nil:
		after, err = w.terminate(ctx, pod)
	case w.finished || pod.IsTerminal():
		after, err = w.rest(ctx)
	default:
		after, err = w.syncRunning(ctx, pod)
	}
	if err != nil {
		if ctx.Err() == nil {
			w.a.log.Warn("pod sync failed; will retry", "pod", pod.Namespace+"/"+pod.Name, "uid", w.uid, "err", err, "retryIn", w.retry)
		}
		w.retry = min(max(2*w.retry, minRetry), maxRetry)
		return w.retry, false
	}
	w.retry = 0
	if after <= 0 || after > w.resync() {
		after = w.resync()
	}
	return after, false
}

// resync is the jittered period of syncs nobody asked for, so that the
// pods of a node do not all wake together.
func (w *podWorker) resync() time.Duration {
	f := w.a.cfg.SyncFrequency
	return f + rand.N(f/10+1)
}
