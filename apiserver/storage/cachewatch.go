package storage

// The watch side of the cache: watchers, the ring of recent events they
// resume from, and the dispatch of each change to them.

import (
	"context"
	"fmt"
	"time"
)

// watcher is one client of Cacher.Watch. Its channel is buffered; the
// cache only ever sends without blocking, under its write lock.
type watcher struct {
	ch        chan Event
	filter    func(obj any) bool
	bookmarks bool
	// minRev: the watcher gets changes after this revision only.
	minRev int64
	stop   func() bool
}

// Watch streams the changes after fromRev that pass filter (nil: all), and
// a BOOKMARK about every BookmarkInterval if bookmarks is set. fromRev 0
// means from now. A fromRev older than the cache keeps gives an error
// wrapping ErrCompacted. The channel closes when ctx ends, when the
// watcher falls more than WatcherBuffer events behind, or when the cache
// stops; the client then watches again from the last revision it saw.
func (c *Cacher) Watch(ctx context.Context, fromRev int64, filter func(obj any) bool, bookmarks bool) (<-chan Event, error) {
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil, errStopped
	}
	minRev := c.rev
	var replay []Event
	if fromRev > 0 {
		if fromRev < c.floor {
			return nil, fmt.Errorf("watch %s from revision %d: the oldest kept is %d: %w",
				c.prefix, fromRev, c.floor, ErrCompacted)
		}
		for i := c.firstAfter(fromRev); i < c.size; i++ {
			if ev, ok := c.convert(c.at(i), filter); ok {
				replay = append(replay, ev)
			}
		}
		minRev = max(minRev, fromRev)
	}
	buffer := c.WatcherBuffer
	if buffer <= 0 {
		buffer = defaultWatcherBuffer
	}
	w := &watcher{
		ch:        make(chan Event, len(replay)+buffer),
		filter:    filter,
		bookmarks: bookmarks,
		minRev:    minRev,
	}
	for _, ev := range replay {
		w.ch <- ev
	}
	id := c.nextID
	c.nextID++
	c.watchers[id] = w
	w.stop = context.AfterFunc(ctx, func() { c.removeWatcher(id) })
	return w.ch, nil
}

// firstAfter returns the ring index of the first event after rev.
func (c *Cacher) firstAfter(rev int64) int {
	lo, hi := 0, c.size
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.at(mid).ev.Revision <= rev {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (c *Cacher) removeWatcher(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.watchers[id]; ok {
		c.dropLocked(id, w)
	}
}

// dispatchLocked hands r to every watcher that wants it, dropping the
// watchers whose buffers are full. Sends never block, so holding the lock
// costs each watcher a channel operation at most.
func (c *Cacher) dispatchLocked(r *record) {
	for id, w := range c.watchers {
		if r.ev.Revision <= w.minRev {
			continue
		}
		ev, ok := c.convert(r, w.filter)
		if !ok {
			continue
		}
		select {
		case w.ch <- ev:
		default:
			c.log.Debug("dropping a watcher that does not keep up", "revision", r.ev.Revision)
			c.dropLocked(id, w)
		}
	}
}

func (c *Cacher) dropLocked(id uint64, w *watcher) {
	delete(c.watchers, id)
	w.stop()
	close(w.ch)
}

// convert shows r to a watcher with filter. As in Kubernetes, an object
// that starts to match is ADDED, and one that stops matching is DELETED
// with its last matching state at the revision of the change.
func (c *Cacher) convert(r *record, filter func(any) bool) (Event, bool) {
	if filter == nil {
		return r.ev, true
	}
	switch r.ev.Type {
	case EventAdded, EventDeleted:
		return r.ev, filter(r.ev.Object)
	}
	cur := filter(r.ev.Object)
	old := r.ev.PrevObject != nil && filter(r.ev.PrevObject)
	switch {
	case cur && old:
		return r.ev, true
	case cur:
		ev := r.ev
		ev.Type = EventAdded
		return ev, true
	case old:
		return c.exitEvent(r), true
	}
	return Event{}, false
}

// exitEvent is the DELETED event for a watcher whose filter the change in
// r leaves. It is decoded on first need, once for all such watchers.
func (c *Cacher) exitEvent(r *record) Event {
	r.exitOnce.Do(func() {
		r.exit = Event{Type: EventDeleted, Key: r.ev.Key, Object: r.ev.PrevObject, PrevObject: r.ev.PrevObject,
			Raw: r.prevRaw, Revision: r.ev.Revision}
		obj, raw, err := c.decode(r.ev.Key, r.prevValue, r.ev.Revision)
		if err != nil {
			c.log.Error("watch cache cannot decode object; sending its last state", "key", r.ev.Key, "err", err)
			return
		}
		r.exit.Object, r.exit.Raw = obj, raw
	})
	return r.exit
}

func (c *Cacher) bookmarkLoop(ctx context.Context) {
	interval := c.BookmarkInterval
	if interval <= 0 {
		interval = defaultBookmarkInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// The read lock suffices: channels are closed and events sent only
		// under the write lock, so a bookmark at rev follows every event up
		// to rev in each channel.
		c.mu.RLock()
		bm := Event{Type: EventBookmark, Revision: c.rev}
		for _, w := range c.watchers {
			if !w.bookmarks || c.rev < w.minRev {
				continue
			}
			select {
			case w.ch <- bm:
			default:
				// A full buffer will drop the watcher at the next event;
				// a missed bookmark costs nothing.
			}
		}
		c.mu.RUnlock()
	}
}

// pushLocked appends r to the ring, forgetting the oldest event when full.
func (c *Cacher) pushLocked(r *record) {
	if c.size == len(c.ring) {
		c.floor = max(c.floor, c.ring[c.head].ev.Revision)
		c.ring[c.head] = nil
		c.head = (c.head + 1) % len(c.ring)
		c.size--
	}
	c.ring[(c.head+c.size)%len(c.ring)] = r
	c.size++
}

func (c *Cacher) at(i int) *record { return c.ring[(c.head+i)%len(c.ring)] }

// TrimBefore forgets the events at or before rev, after etcd compacted
// there, so that a watch from a compacted revision fails here as it would
// against etcd.
func (c *Cacher) TrimBefore(rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.size > 0 && c.ring[c.head].ev.Revision <= rev {
		c.ring[c.head] = nil
		c.head = (c.head + 1) % len(c.ring)
		c.size--
	}
	c.floor = max(c.floor, rev)
}
