package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Decoder turns stored bytes into the caller's object and its JSON with
// resourceVersion set to rev. The cache calls it once per change and shares
// the result with every reader and watcher, which must not modify it.
type Decoder func(key string, value []byte, rev int64) (obj any, raw []byte, err error)

// Entry is one object in the cache.
type Entry struct {
	Key    string
	Object any
	Raw    []byte
	// Revision is the object's mod revision.
	Revision int64
}

// Event types, as the Kubernetes watch API names them.
const (
	EventAdded    = "ADDED"
	EventModified = "MODIFIED"
	EventDeleted  = "DELETED"
	EventBookmark = "BOOKMARK"
)

// Event is one change seen by a cache watcher.
type Event struct {
	Type string
	Key  string
	// Object is the new state; for DELETED, the last state, decoded with
	// the revision of the deletion. Nil for BOOKMARK.
	Object any
	// PrevObject is the state before the change, if there was one.
	PrevObject any
	// Raw is Object's JSON, its resourceVersion set to Revision.
	Raw []byte
	// Revision is the revision of the change; for BOOKMARK, a revision up
	// to which the watcher has been sent every change.
	Revision int64
}

const (
	defaultCapacity         = 1000
	defaultWatcherBuffer    = 100
	defaultBookmarkInterval = 5 * time.Second

	// listPageSize bounds the memory of one response while the cache
	// lists etcd.
	listPageSize = 1000

	// progressRetry is how often a wait for a revision asks etcd again:
	// etcd ignores a progress request while any watch on the stream is
	// still catching up.
	progressRetry = 100 * time.Millisecond

	// minRetryDelay and maxRetryDelay bound the back-off after etcd
	// failed the cache's list or watch.
	minRetryDelay = 100 * time.Millisecond
	maxRetryDelay = 5 * time.Second
)

// errStopped answers calls on a cache whose Run has returned.
var errStopped = errors.New("watch cache stopped")

// Cacher keeps the current state of every key under one prefix in memory,
// fed by a single etcd watch, with a ring of recent events so that watches
// can resume from a past revision. Lists, gets and any number of watches
// are served from memory.
//
// One goroutine (Run's) writes the state; it applies each etcd revision
// whole, under the write lock, and hands the events to the watchers with
// non-blocking sends, so that a slow watcher never holds up the others: a
// watcher whose buffer is full is dropped, and its client watches again.
type Cacher struct {
	store  *Store
	prefix string
	decode Decoder
	log    *slog.Logger

	// BookmarkInterval is how often watchers that asked for bookmarks
	// get one. Set it before Run.
	BookmarkInterval time.Duration
	// WatcherBuffer is how many events a watcher may fall behind by
	// before it is dropped. Set it before the first Watch.
	WatcherBuffer int

	ready    chan struct{} // closed after the first list
	done     chan struct{} // closed when Run has returned
	progress chan struct{} // someone waits for a revision the cache has not seen

	// Guarded by mu. Only Run's goroutine writes items and rev, so it
	// reads them without the lock.
	mu       sync.RWMutex
	running  bool
	stopped  bool
	items    []cached // sorted by key
	rev      int64    // every change up to rev has been applied
	revCh    chan struct{}
	ring     []*record // recent events in revision order, ring[head] oldest
	head     int
	size     int
	floor    int64 // a watch may resume from floor or any later revision
	watchers map[uint64]*watcher
	nextID   uint64

	// beforeWatch, if set, runs in Run before each etcd watch starts; it
	// lets tests change etcd between the list and the watch.
	beforeWatch func(ctx context.Context)
}

// cached is an entry plus its stored bytes, kept to decode the last state
// again at the revision of its deletion.
type cached struct {
	Entry
	value []byte
}

// record is an event in the ring, with what a filtered watcher needs to
// see the object leave its filter.
type record struct {
	ev        Event
	next      *cached // the state the event leads to; nil for DELETED
	prevValue []byte
	prevRaw   []byte

	exitOnce sync.Once
	exit     Event
}

// NewCacher returns a cache of the keys under prefix, decoded by decode,
// keeping the last capacity events (1000 if capacity <= 0) for watches to
// resume from. The prefix should end in "/": /registry/pods would also hold
// /registry/podsecuritypolicies. It serves nothing until Run has listed
// etcd.
func NewCacher(s *Store, prefix string, decode Decoder, capacity int, log *slog.Logger) *Cacher {
	if capacity <= 0 {
		capacity = defaultCapacity
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cacher{
		store:            s,
		prefix:           prefix,
		decode:           decode,
		log:              log.With("prefix", prefix),
		BookmarkInterval: defaultBookmarkInterval,
		WatcherBuffer:    defaultWatcherBuffer,
		ready:            make(chan struct{}),
		done:             make(chan struct{}),
		progress:         make(chan struct{}, 1),
		revCh:            make(chan struct{}),
		ring:             make([]*record, capacity),
		watchers:         make(map[uint64]*watcher),
	}
}

// Ready is closed once the cache has listed etcd and serves requests.
func (c *Cacher) Ready() <-chan struct{} { return c.ready }

// Run lists the prefix, then follows it with one etcd watch until ctx
// ends. When the watch breaks it resumes from the cache's revision; when
// that revision has been compacted it lists again and sends watchers the
// differences as events. Run returns nil when ctx ends, after its
// goroutines have finished and every watcher's channel is closed. A
// Cacher runs once.
func (c *Cacher) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("watch cache: Run called twice")
	}
	c.running = true
	c.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		c.stop()
	}()
	wg.Go(func() { c.progressLoop(ctx) })
	wg.Go(func() { c.bookmarkLoop(ctx) })

	listed := false
	delay := minRetryDelay
	for ctx.Err() == nil {
		if !listed {
			if err := c.relist(ctx); err != nil {
				if ctx.Err() != nil {
					break
				}
				c.log.Warn("watch cache cannot list etcd", "err", err)
				delay = c.pause(ctx, delay)
				continue
			}
			listed = true
		}
		if c.beforeWatch != nil {
			c.beforeWatch(ctx)
		}
		applied := false
		err := c.store.watchLoop(cacheStream(ctx), c.prefix, c.rev, false, func(resp watchResponse) bool {
			applied = true
			c.apply(resp)
			return true
		})
		if ctx.Err() != nil {
			break
		}
		if applied {
			delay = minRetryDelay
		}
		if errors.Is(err, ErrCompacted) {
			c.log.Info("watch cache fell behind compaction; listing again", "revision", c.rev)
			listed = false
			continue
		}
		c.log.Warn("watch cache lost its watch; resuming", "revision", c.rev, "err", err)
		delay = c.pause(ctx, delay)
	}
	return nil
}

// pause waits delay or until ctx ends, and returns the next delay.
func (c *Cacher) pause(ctx context.Context, delay time.Duration) time.Duration {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return min(2*delay, maxRetryDelay)
}

// stop closes every watcher and wakes every waiter.
func (c *Cacher) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	for id, w := range c.watchers {
		c.dropLocked(id, w)
	}
	close(c.revCh)
	close(c.done)
}

// progressLoop turns waits for a revision into progress requests on the
// cache's watch stream: without them a cache whose prefix sees no writes
// would never learn that etcd's revision moved on.
func (c *Cacher) progressLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.progress:
			if err := c.store.requestProgress(ctx); err != nil && ctx.Err() == nil {
				c.log.Debug("progress request failed", "err", err)
			}
		}
	}
}

// relist reads the whole prefix at one revision and makes it the cache's
// state. After the first list, the differences become events, so that
// watchers that missed changes while the watch was down end up right.
func (c *Cacher) relist(ctx context.Context) error {
	var kvs []KV
	opts := ListOptions{Limit: listPageSize}
	for {
		page, err := c.store.List(ctx, c.prefix, opts)
		if err != nil {
			return err
		}
		kvs = append(kvs, page.Items...)
		opts.Revision = page.Revision
		if !page.More || len(page.Items) == 0 {
			break
		}
		opts.StartAfter = page.Items[len(page.Items)-1].Key
	}
	rev := opts.Revision

	first := !c.isReady()
	items := make([]cached, 0, len(kvs))
	var recs []*record
	old := c.items
	i := 0
	for _, kv := range kvs {
		for i < len(old) && old[i].Key < kv.Key {
			recs = append(recs, c.deletion(&old[i], rev))
			i++
		}
		var prev *cached
		if i < len(old) && old[i].Key == kv.Key {
			prev = &old[i]
			i++
			if prev.Revision == kv.ModRevision {
				items = append(items, *prev)
				continue
			}
		}
		next, err := c.decoded(kv.Key, kv.Value, kv.ModRevision)
		if err != nil {
			if prev != nil {
				recs = append(recs, c.deletion(prev, rev))
			}
			continue
		}
		items = append(items, *next)
		recs = append(recs, change(prev, next))
	}
	for ; i < len(old); i++ {
		recs = append(recs, c.deletion(&old[i], rev))
	}
	slices.SortStableFunc(recs, func(a, b *record) int { return cmp.Compare(a.ev.Revision, b.ev.Revision) })

	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = items
	if first {
		c.floor = rev
	} else {
		for _, r := range recs {
			r.next = nil
			c.pushLocked(r)
			c.dispatchLocked(r)
		}
	}
	c.setRevLocked(rev)
	if first {
		close(c.ready)
	}
	return nil
}

func (c *Cacher) isReady() bool {
	select {
	case <-c.ready:
		return true
	default:
		return false
	}
}

// decoded decodes one stored value; an object that cannot be decoded is
// logged and left out of the cache rather than served stale.
func (c *Cacher) decoded(key string, value []byte, rev int64) (*cached, error) {
	obj, raw, err := c.decode(key, value, rev)
	if err != nil {
		c.log.Error("watch cache cannot decode object; leaving it out", "key", key, "revision", rev, "err", err)
		return nil, err
	}
	return &cached{Entry: Entry{Key: key, Object: obj, Raw: raw, Revision: rev}, value: value}, nil
}

// change is the event from prev (nil if none) to next.
func change(prev, next *cached) *record {
	r := &record{
		ev:   Event{Type: EventAdded, Key: next.Key, Object: next.Object, Raw: next.Raw, Revision: next.Revision},
		next: next,
	}
	if prev != nil {
		r.ev.Type = EventModified
		r.ev.PrevObject = prev.Object
		r.prevValue = prev.value
		r.prevRaw = prev.Raw
	}
	return r
}

// deletion is the event deleting prev at rev: the last state, decoded
// again so that its resourceVersion is the deletion's.
func (c *Cacher) deletion(prev *cached, rev int64) *record {
	r := &record{
		ev: Event{Type: EventDeleted, Key: prev.Key, Object: prev.Object, PrevObject: prev.Object,
			Raw: prev.Raw, Revision: rev},
		prevValue: prev.value,
		prevRaw:   prev.Raw,
	}
	if obj, raw, err := c.decode(prev.Key, prev.value, rev); err == nil {
		r.ev.Object, r.ev.Raw = obj, raw
	} else {
		c.log.Error("watch cache cannot decode deleted object; sending its last state", "key", prev.Key, "err", err)
	}
	return r
}

// apply applies one etcd watch response. Decoding happens before taking
// the lock, so that readers wait only for the bookkeeping.
func (c *Cacher) apply(resp watchResponse) {
	newRev := resp.progress
	var recs []*record
	// The state each key of this response is left in, for keys that
	// change twice in one response.
	var touched map[string]*cached
	lookup := func(key string) *cached {
		if e, ok := touched[key]; ok {
			return e
		}
		if i, ok := c.find(key); ok {
			return &c.items[i]
		}
		return nil
	}
	for _, ev := range resp.events {
		// The watch starts at the cache's revision, whose changes the
		// list already holds.
		if ev.Revision <= c.rev {
			continue
		}
		newRev = max(newRev, ev.Revision)
		if touched == nil {
			touched = make(map[string]*cached)
		}
		key := ev.KV.Key
		prev := lookup(key)
		var next *cached
		if ev.Type == WatchPut {
			next, _ = c.decoded(key, ev.KV.Value, ev.Revision)
		}
		switch {
		case next != nil:
			recs = append(recs, change(prev, next))
		case prev != nil:
			recs = append(recs, c.deletion(prev, ev.Revision))
		}
		touched[key] = next
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		c.storeLocked(r)
		c.pushLocked(r)
		c.dispatchLocked(r)
	}
	c.setRevLocked(newRev)
}

func (c *Cacher) find(key string) (int, bool) {
	return slices.BinarySearchFunc(c.items, key, func(e cached, k string) int { return strings.Compare(e.Key, k) })
}

// storeLocked applies r to the state.
func (c *Cacher) storeLocked(r *record) {
	i, found := c.find(r.ev.Key)
	switch {
	case r.next == nil && found:
		c.items = slices.Delete(c.items, i, i+1)
	case r.next != nil && found:
		c.items[i] = *r.next
	case r.next != nil:
		c.items = slices.Insert(c.items, i, *r.next)
	}
	r.next = nil
}

func (c *Cacher) setRevLocked(rev int64) {
	if rev <= c.rev {
		return
	}
	c.rev = rev
	close(c.revCh)
	c.revCh = make(chan struct{})
}

// List returns every entry in key order and the cache's revision, after
// waiting until the cache has seen minRev. Pass etcd's current revision
// for a consistent read. Entries are shared: do not modify them.
func (c *Cacher) List(ctx context.Context, minRev int64) ([]Entry, int64, error) {
	if err := c.WaitForRevision(ctx, minRev); err != nil {
		return nil, 0, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Entry, len(c.items))
	for i := range c.items {
		out[i] = c.items[i].Entry
	}
	return out, c.rev, nil
}

// Get returns the entry for key, after waiting until the cache has seen
// minRev.
func (c *Cacher) Get(ctx context.Context, key string, minRev int64) (Entry, bool, error) {
	if err := c.WaitForRevision(ctx, minRev); err != nil {
		return Entry{}, false, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := c.find(key)
	if !ok {
		return Entry{}, false, nil
	}
	return c.items[i].Entry, true, nil
}

// Revision returns the revision up to which the cache has applied every
// change.
func (c *Cacher) Revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev
}

// WaitForRevision waits, bounded by ctx, until the cache is ready and has
// seen rev.
func (c *Cacher) WaitForRevision(ctx context.Context, rev int64) error {
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	var retry *time.Timer
	defer func() {
		if retry != nil {
			retry.Stop()
		}
	}()
	for {
		c.mu.RLock()
		cur, ch, stopped := c.rev, c.revCh, c.stopped
		c.mu.RUnlock()
		if cur >= rev {
			return nil
		}
		if stopped {
			return errStopped
		}
		select {
		case c.progress <- struct{}{}:
		default:
		}
		if retry == nil {
			retry = time.NewTimer(progressRetry)
		} else {
			retry.Reset(progressRetry)
		}
		select {
		case <-ch:
		case <-retry.C:
		case <-ctx.Done():
			return fmt.Errorf("watch cache %s at revision %d, waiting for %d: %w", c.prefix, cur, rev, ctx.Err())
		}
	}
}

func (c *Cacher) waitReady(ctx context.Context) error {
	// A stopped cache no longer follows etcd: serving it would be stale.
	select {
	case <-c.done:
		return errStopped
	default:
	}
	select {
	case <-c.ready:
		return nil
	case <-c.done:
		return errStopped
	case <-ctx.Done():
		return fmt.Errorf("watch cache %s not ready: %w", c.prefix, ctx.Err())
	}
}
