package controller

import (
	"sync"
	"time"
)

// expectationsTTL is how long a controller waits for the creates and
// deletes it issued to show up in its cache before it stops trusting them
// and acts again: a watch event can be lost for good when a watch is
// re-listed around a short-lived object.
const expectationsTTL = 5 * time.Minute

// expectations remembers, per controller key, the creations and deletions
// still in flight: issued to the API server but not yet seen through the
// informer. Acting while they are in flight would read a stale cache and
// create (or delete) the same pods twice. Deletions are tracked by the key
// of the object deleted, since a delete may be observed twice (when it
// starts, and when the object goes).
type expectations struct {
	now func() time.Time

	mu  sync.Mutex
	set map[string]*expectation
}

type expectation struct {
	adds    int
	deletes map[string]bool
	at      time.Time
}

func newExpectations() *expectations {
	return &expectations{now: time.Now, set: map[string]*expectation{}}
}

// satisfied reports whether key may act: nothing is in flight, or what is
// has been in flight for longer than expectationsTTL.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.set[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.now().Sub(x.at) > expectationsTTL
}

// expectCreations records that key is about to create n objects; it
// replaces whatever was expected before.
func (e *expectations) expectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.set[key] = &expectation{adds: n, at: e.now()}
}

// expectDeletions records that key is about to delete the objects named.
func (e *expectations) expectDeletions(key string, objects []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: make(map[string]bool, len(objects)), at: e.now()}
	for _, o := range objects {
		x.deletes[o] = true
	}
	e.set[key] = x
}

// creationObserved lowers key's expected creations by one: one was seen,
// or one failed and will never be.
func (e *expectations) creationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.set[key]; ok && x.adds > 0 {
		x.adds--
	}
}

// deletionObserved marks the deletion of object by key as seen (or failed).
func (e *expectations) deletionObserved(key, object string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.set[key]; ok {
		delete(x.deletes, object)
	}
}

// forget drops key's expectations, when the controller object is gone.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.set, key)
}
