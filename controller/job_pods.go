package controller

import (
	"errors"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// What the Job and DaemonSet controllers share: the in-flight record of
// their pod writes, an owner index of pods, slow-start batches and the
// worker loop.

// podsByControllerIndex files pods under the uid of their controller.
const podsByControllerIndex = "jobds.controllerUID"

func podControllerUID(p *core.Pod) []string {
	if ref := p.ControllerRef(); ref != nil {
		return []string{ref.UID}
	}
	return nil
}

// podWritesTTL is how long pod writes may stay unobserved before the
// controller stops waiting for them: a watch event can be lost for good
// when an informer re-lists around a short-lived pod.
const podWritesTTL = 5 * time.Minute

// podWrites remembers, per controller key, the pod creations and deletions
// it issued that the pod informer has not shown yet. Syncing while some
// are in flight would read a cache that lacks them and create or delete
// the same pods twice. Deletions are tracked by pod key, as a deletion is
// seen twice: when it starts and when the pod goes.
type podWrites struct {
	now func() time.Time

	mu  sync.Mutex
	set map[string]*podWritesOf
}

type podWritesOf struct {
	creates int
	deletes map[string]bool
	at      time.Time
}

func newPodWrites() *podWrites {
	return &podWrites{now: time.Now, set: map[string]*podWritesOf{}}
}

// settled reports whether key has nothing in flight (or has waited long
// enough).
func (w *podWrites) settled(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	x, ok := w.set[key]
	if !ok || x.creates <= 0 && len(x.deletes) == 0 {
		return true
	}
	return w.now().Sub(x.at) > podWritesTTL
}

// expect records that key is about to create creates pods and delete the
// pods named, on top of what is still in flight.
func (w *podWrites) expect(key string, creates int, deletes []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	x, ok := w.set[key]
	if !ok || w.now().Sub(x.at) > podWritesTTL {
		x = &podWritesOf{deletes: map[string]bool{}}
		w.set[key] = x
	}
	x.creates = max(x.creates, 0) + creates
	x.at = w.now()
	for _, d := range deletes {
		x.deletes[d] = true
	}
}

// created notes one creation seen, or failed.
func (w *podWrites) created(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if x, ok := w.set[key]; ok && x.creates > 0 {
		x.creates--
	}
}

// deleted notes the deletion of pod seen, or failed.
func (w *podWrites) deleted(key, pod string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if x, ok := w.set[key]; ok {
		delete(x.deletes, pod)
	}
}

func (w *podWrites) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.set, key)
}

// inBatches calls fn n times, in batches that double from 1 while every
// call succeeds, as Kubernetes' slow start does: a template that the
// server refuses costs one failed call, not n. It returns how many calls
// were made and their errors.
func inBatches(n int, fn func(i int) error) (int, error) {
	done := 0
	for size := 1; done < n; size *= 2 {
		size = min(size, n-done)
		errs := make([]error, size)
		var wg sync.WaitGroup
		for i := range size {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = fn(done + i)
			}()
		}
		wg.Wait()
		done += size
		if err := errors.Join(errs...); err != nil {
			return done, err
		}
	}
	return done, nil
}

// podKeyOf is a pod's namespace/name.
func podKeyOf(p *core.Pod) string { return p.Namespace + "/" + p.Name }

// podReadyFor reports whether p has been Ready for minReady by now.
func podReadyFor(p *core.Pod, minReady time.Duration, now time.Time) bool {
	c := p.Status.Condition(core.PodReady)
	if c == nil || c.Status != core.ConditionTrue {
		return false
	}
	return minReady <= 0 || !c.LastTransitionTime.Add(minReady).After(now)
}

// podActive: neither finished nor being deleted.
func podActive(p *core.Pod) bool {
	return !p.IsTerminal() && p.DeletionTimestamp == nil
}

// ownerRefFor makes owner the controller of a pod; blockOwnerDeletion lets
// the owner's foreground deletion wait for it.
func ownerRefFor(owner *meta.ObjectMeta, apiVersion, kind string) meta.OwnerReference {
	yes := true
	return meta.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: owner.Name, UID: owner.UID, Controller: &yes, BlockOwnerDeletion: &yes}
}
