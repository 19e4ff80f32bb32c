package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testObject is what testDecode makes of a stored value.
type testObject struct {
	Key   string
	Value string
	// Rev is the revision the object was decoded with, as an API object's
	// resourceVersion.
	Rev int64
}

func testDecode(key string, value []byte, rev int64) (any, []byte, error) {
	if strings.HasPrefix(string(value), "bad") {
		return nil, nil, fmt.Errorf("cannot decode %q", value)
	}
	obj := &testObject{Key: key, Value: string(value), Rev: rev}
	raw, err := json.Marshal(obj)
	return obj, raw, err
}

// startCacher runs a cacher over prefix until the test ends, after setup
// has configured it, and waits until it is ready.
func startCacher(t *testing.T, s *Store, prefix string, capacity int, setup func(*Cacher)) *Cacher {
	t.Helper()
	c := NewCacher(s, prefix, testDecode, capacity, testLogger(t))
	if setup != nil {
		setup(c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-c.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("cacher not ready after 10s")
	}
	return c
}

// ev is an Event reduced to what tests compare.
type ev struct {
	Type  string
	Key   string
	Value string
	Rev   int64
	// ObjRev is the revision the object was decoded with; RawRev the one
	// in its JSON.
	ObjRev, RawRev int64
}

func summarize(t *testing.T, e Event) ev {
	t.Helper()
	s := ev{Type: e.Type, Key: e.Key, Rev: e.Revision}
	if e.Type == EventBookmark {
		return s
	}
	obj, ok := e.Object.(*testObject)
	if !ok {
		t.Fatalf("event %+v: object is %T, want *testObject", e, e.Object)
	}
	var raw testObject
	if err := json.Unmarshal(e.Raw, &raw); err != nil {
		t.Fatalf("event %+v: raw: %v", e, err)
	}
	s.Value, s.ObjRev, s.RawRev = obj.Value, obj.Rev, raw.Rev
	return s
}

// evAt is the event a watcher should see: objects decoded at the
// event's revision.
func evAt(typ, key, value string, rev int64) ev {
	return ev{Type: typ, Key: key, Value: value, Rev: rev, ObjRev: rev, RawRev: rev}
}

// receive reads n events from ch.
func receive(t *testing.T, ch <-chan Event, n int) []ev {
	t.Helper()
	var got []ev
	for len(got) < n {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d events %v, want %d", len(got), got, n)
			}
			got = append(got, summarize(t, e))
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d events %v after 10s, want %d", len(got), got, n)
		}
	}
	return got
}

// writer performs writes and records the events they should cause.
type writer struct {
	t      *testing.T
	s      *Store
	ctx    context.Context
	events []ev
}

func (w *writer) put(key, value string) int64 {
	w.t.Helper()
	if kv, err := w.s.Get(w.ctx, key); err == nil {
		rev, err := w.s.Update(w.ctx, key, []byte(value), kv.ModRevision)
		if err != nil {
			w.t.Fatal(err)
		}
		w.events = append(w.events, evAt(EventModified, key, value, rev))
		return rev
	}
	rev, err := w.s.Create(w.ctx, key, []byte(value))
	if err != nil {
		w.t.Fatal(err)
	}
	w.events = append(w.events, evAt(EventAdded, key, value, rev))
	return rev
}

func (w *writer) del(key string) int64 {
	w.t.Helper()
	kv, err := w.s.Delete(w.ctx, key, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	w.events = append(w.events, evAt(EventDeleted, key, string(kv.Value), kv.ModRevision))
	return kv.ModRevision
}

// randomWrites makes n creates, updates and deletes over a few keys.
func (w *writer) randomWrites(prefix string, n int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0))
	live := map[string]bool{}
	for i := range n {
		key := fmt.Sprintf("%sk%02d", prefix, r.IntN(20))
		if live[key] && r.IntN(3) == 0 {
			w.del(key)
			delete(live, key)
			continue
		}
		w.put(key, fmt.Sprintf("v%d", i))
		live[key] = true
	}
}

func TestCacherListMatchesEtcd(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	w := &writer{t: t, s: s, ctx: ctx}
	w.randomWrites("/r/", 100, 1)
	c := startCacher(t, s, "/r/", 0, nil)
	w.randomWrites("/r/", 200, 2)
	w.put("/other/x", "not in the cache")

	rev, err := s.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, crev, err := c.List(ctx, rev)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if crev < rev {
		t.Errorf("List: got cache revision %d, want at least %d", crev, rev)
	}
	res, err := s.List(ctx, "/r/", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]ev, len(res.Items))
	for i, kv := range res.Items {
		want[i] = ev{Key: kv.Key, Value: string(kv.Value), Rev: kv.ModRevision, ObjRev: kv.ModRevision, RawRev: kv.ModRevision}
	}
	got := make([]ev, len(entries))
	for i, e := range entries {
		got[i] = summarize(t, Event{Key: e.Key, Object: e.Object, Raw: e.Raw, Revision: e.Revision})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cache list vs etcd (-etcd +cache):\n%s", diff)
	}

	if len(res.Items) == 0 {
		t.Fatal("no keys left: the test writes too few")
	}
	e, ok, err := c.Get(ctx, res.Items[0].Key, rev)
	if err != nil || !ok || e.Revision != res.Items[0].ModRevision {
		t.Errorf("Get(%s): got %+v, %v, %v, want revision %d", res.Items[0].Key, e, ok, err, res.Items[0].ModRevision)
	}
	if _, ok, err := c.Get(ctx, "/r/missing", rev); ok || err != nil {
		t.Errorf("Get of a missing key: got found=%v, %v, want not found", ok, err)
	}
}

func TestCacherWatchReplaysMissedEvents(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	c := startCacher(t, s, "/r/", 0, nil)
	from, err := s.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{t: t, s: s, ctx: ctx}
	w.randomWrites("/r/", 60, 3)

	ch, err := c.Watch(ctx, from, nil, false)
	if err != nil {
		t.Fatalf("Watch(%d): %v", from, err)
	}
	if diff := cmp.Diff(w.events, receive(t, ch, len(w.events))); diff != "" {
		t.Errorf("replayed events (-want +got):\n%s", diff)
	}
	// The next event is the next write: nothing was sent twice.
	rev := w.put("/r/last", "x")
	if diff := cmp.Diff([]ev{evAt(EventAdded, "/r/last", "x", rev)}, receive(t, ch, 1)); diff != "" {
		t.Errorf("event after the replay (-want +got):\n%s", diff)
	}
}

func TestCacherWatchFromNow(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	w := &writer{t: t, s: s, ctx: ctx}
	w.put("/r/before", "1")
	c := startCacher(t, s, "/r/", 0, nil)
	ch, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	w.events = nil
	w.put("/r/before", "2")
	w.del("/r/before")
	if diff := cmp.Diff(w.events, receive(t, ch, 2)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCacherWatchFilterTransitions(t *testing.T) {
	in := func(obj any) bool { return strings.HasPrefix(obj.(*testObject).Value, "in") }
	for _, replay := range []bool{false, true} {
		t.Run(fmt.Sprintf("replay=%v", replay), func(t *testing.T) {
			ctx := testContext(t)
			s := newTestStore(t)
			c := startCacher(t, s, "/f/", 0, nil)
			from, err := s.CurrentRevision(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ch <-chan Event
			if !replay {
				if ch, err = c.Watch(ctx, 0, in, false); err != nil {
					t.Fatal(err)
				}
			}
			w := &writer{t: t, s: s, ctx: ctx}
			var want []ev
			want = append(want, evAt(EventAdded, "/f/a", "in1", w.put("/f/a", "in1")))
			w.put("/f/b", "out1")
			// Leaving the filter: DELETED with the last matching state at
			// the revision of the change.
			want = append(want, evAt(EventDeleted, "/f/a", "in1", w.put("/f/a", "out2")))
			want = append(want, evAt(EventAdded, "/f/a", "in3", w.put("/f/a", "in3")))
			want = append(want, evAt(EventModified, "/f/a", "in4", w.put("/f/a", "in4")))
			w.put("/f/b", "out2")
			want = append(want, evAt(EventDeleted, "/f/a", "in4", w.del("/f/a")))
			w.del("/f/b")
			want = append(want, evAt(EventAdded, "/f/c", "in5", w.put("/f/c", "in5")))

			if replay {
				if ch, err = c.Watch(ctx, from, in, false); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(want, receive(t, ch, len(want))); diff != "" {
				t.Errorf("filtered events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCacherBookmarks(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	c := startCacher(t, s, "/b/", 0, func(c *Cacher) { c.BookmarkInterval = 10 * time.Millisecond })
	with, err := c.Watch(ctx, 0, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	without, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{t: t, s: s, ctx: ctx}
	rev := w.put("/b/x", "1")

	// Bookmarks sent before the cache saw the write may be older; the
	// ones after the event must not be.
	seen, bookmarks := false, 0
	deadline := time.After(10 * time.Second)
	for bookmarks < 2 {
		select {
		case e := <-with:
			switch {
			case e.Type != EventBookmark:
				seen = true
			case seen && e.Revision < rev:
				t.Fatalf("got a bookmark at %d after the event at %d, want at least %d", e.Revision, rev, rev)
			case seen:
				bookmarks++
			}
		case <-deadline:
			t.Fatalf("got %d bookmarks after the event in 10s, want 2", bookmarks)
		}
	}
	if diff := cmp.Diff(w.events, receive(t, without, 1)); diff != "" {
		t.Errorf("watcher without bookmarks (-want +got):\n%s", diff)
	}
	select {
	case e := <-without:
		t.Errorf("watcher without bookmarks got %+v, want nothing", e)
	default:
	}
}

func TestCacherDropsSlowWatcher(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	c := startCacher(t, s, "/s/", 0, func(c *Cacher) { c.WatcherBuffer = 3 })
	slow, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	// The fast watcher reads each event before the next write, so it
	// never has more than one pending; the slow one reads nothing.
	for i := range 10 {
		rev, err := s.Create(ctx, fmt.Sprintf("/s/%02d", i), []byte("v"))
		if err != nil {
			t.Fatal(err)
		}
		if got := receive(t, fast, 1); got[0].Rev != rev {
			t.Fatalf("fast watcher: got %+v, want the event at %d", got[0], rev)
		}
	}
	received := 0
	for open := true; open; {
		select {
		case _, open = <-slow:
			if open {
				received++
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("slow watcher still open after %d events, want it dropped", received)
		}
	}
	if received > 3 {
		t.Errorf("slow watcher got %d events before being dropped, want at most its buffer of 3", received)
	}
}

func TestCacherWatchTooOld(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	c := startCacher(t, s, "/t/", 5, nil)
	w := &writer{t: t, s: s, ctx: ctx}
	var revs []int64
	for i := range 10 {
		revs = append(revs, w.put(fmt.Sprintf("/t/%d", i), "v"))
	}
	if err := c.WaitForRevision(ctx, revs[9]); err != nil {
		t.Fatal(err)
	}

	t.Run("evicted from the ring", func(t *testing.T) {
		if _, err := c.Watch(ctx, revs[0], nil, false); !errors.Is(err, ErrCompacted) {
			t.Errorf("Watch(%d) with 5 events kept of 10: got %v, want %v", revs[0], err, ErrCompacted)
		}
		ch, err := c.Watch(ctx, revs[4], nil, false)
		if err != nil {
			t.Fatalf("Watch(%d), the oldest kept: %v", revs[4], err)
		}
		if diff := cmp.Diff(w.events[5:], receive(t, ch, 5)); diff != "" {
			t.Errorf("replay (-want +got):\n%s", diff)
		}
	})
	t.Run("trimmed", func(t *testing.T) {
		c.TrimBefore(revs[7])
		if _, err := c.Watch(ctx, revs[6], nil, false); !errors.Is(err, ErrCompacted) {
			t.Errorf("Watch(%d) after TrimBefore(%d): got %v, want %v", revs[6], revs[7], err, ErrCompacted)
		}
		ch, err := c.Watch(ctx, revs[7], nil, false)
		if err != nil {
			t.Fatalf("Watch(%d) after TrimBefore(%d): %v", revs[7], revs[7], err)
		}
		if diff := cmp.Diff(w.events[8:], receive(t, ch, 2)); diff != "" {
			t.Errorf("replay (-want +got):\n%s", diff)
		}
	})
}

func TestCacherRecoversAfterCompaction(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	w := &writer{t: t, s: s, ctx: ctx}
	w.put("/c/a", "1")
	w.put("/c/b", "1")
	w.put("/c/c", "1")

	// Between the cacher's list and its watch, etcd changes and compacts
	// past the cacher's revision: the watch fails and the cacher must list
	// again and tell its watchers what they missed.
	listed := make(chan struct{})
	proceed := make(chan struct{})
	var want []ev
	first := true
	c := startCacher(t, s, "/c/", 0, func(c *Cacher) {
		c.beforeWatch = func(ctx context.Context) {
			if !first {
				return
			}
			first = false
			close(listed)
			<-proceed
			ra := w.put("/c/a", "2")
			w.del("/c/b")
			rd := w.put("/c/d", "1")
			if err := s.Compact(ctx, rd); err != nil {
				t.Errorf("Compact: %v", err)
			}
			want = []ev{
				evAt(EventModified, "/c/a", "2", ra),
				// The deletion's own revision is lost with the history;
				// the cacher reports it at the revision of its new list.
				{Type: EventDeleted, Key: "/c/b", Value: "1", Rev: rd, ObjRev: rd, RawRev: rd},
				evAt(EventAdded, "/c/d", "1", rd),
			}
		}
	})
	<-listed
	ch, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	close(proceed)
	got := receive(t, ch, 3)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events after the re-list (-want +got):\n%s", diff)
	}

	// Watching again: a new write arrives.
	rev := w.put("/c/e", "1")
	if diff := cmp.Diff([]ev{evAt(EventAdded, "/c/e", "1", rev)}, receive(t, ch, 1)); diff != "" {
		t.Errorf("event after recovery (-want +got):\n%s", diff)
	}
	entries, _, err := c.List(ctx, rev)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
	}
	if diff := cmp.Diff([]string{"/c/a", "/c/c", "/c/d", "/c/e"}, keys); diff != "" {
		t.Errorf("keys after recovery (-want +got):\n%s", diff)
	}
}

func TestCacherConsistentReadAfterOtherWrites(t *testing.T) {
	t.Run("in-process client", func(t *testing.T) {
		testConsistentReadAfterOtherWrites(t, newTestStore(t))
	})
	t.Run("gRPC client", func(t *testing.T) {
		e := startEtcd(t)
		c, err := Connect(testContext(t), []string{e.Endpoint()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		testConsistentReadAfterOtherWrites(t, New(c))
	})
}

func testConsistentReadAfterOtherWrites(t *testing.T, s *Store) {
	ctx := testContext(t)
	w := &writer{t: t, s: s, ctx: ctx}
	// Two caches listed at different revisions share one watch stream; a
	// write elsewhere moved etcd's revision past a's. etcd reports progress
	// only if no watch on the stream starts beyond its revision, so b's
	// watch, made when nothing was written after its list, must not.
	a := startCacher(t, s, "/a/", 0, nil)
	w.put("/elsewhere/1", "1")
	b := startCacher(t, s, "/b/", 0, nil)
	rev, err := s.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Cacher{"a": a, "b": b} {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, crev, err := c.List(wctx, rev)
		cancel()
		if err != nil || crev < rev {
			t.Errorf("cache %s: List(%d): got revision %d, %v, want at least %d", name, rev, crev, err, rev)
		}
	}
}

func TestCacherLeavesOutUndecodableObjects(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t)
	w := &writer{t: t, s: s, ctx: ctx}
	w.put("/d/bad-from-start", "bad")
	w.put("/d/x", "good")
	c := startCacher(t, s, "/d/", 0, nil)
	ch, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := s.Get(ctx, "/d/x")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := s.Update(ctx, "/d/x", []byte("bad now"), kv.ModRevision)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ev{evAt(EventDeleted, "/d/x", "good", rev)}, receive(t, ch, 1)); diff != "" {
		t.Errorf("event for an object that became undecodable (-want +got):\n%s", diff)
	}
	entries, _, err := c.List(ctx, rev)
	if err != nil || len(entries) != 0 {
		t.Errorf("List: got %d entries, %v, want none", len(entries), err)
	}
}

func TestCacherStops(t *testing.T) {
	s := newTestStore(t)
	c := NewCacher(s, "/z/", testDecode, 0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	wctx := testContext(t)
	ch, err := c.Watch(wctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running 10s after cancel")
	}
	if _, ok := <-ch; ok {
		t.Errorf("watcher channel still open after Run returned")
	}
	if _, err := c.Watch(wctx, 0, nil, false); err == nil {
		t.Errorf("Watch after stop: got no error, want one")
	}
	if _, _, err := c.List(wctx, 0); err == nil {
		t.Errorf("List after stop: got no error, want one")
	}
	if err := c.Run(wctx); err == nil {
		t.Errorf("second Run: got no error, want one")
	}
}

func TestCacherWatcherClosesWithContext(t *testing.T) {
	s := newTestStore(t)
	c := startCacher(t, s, "/z/", 0, nil)
	ctx, cancel := context.WithCancel(testContext(t))
	ch, err := c.Watch(ctx, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Errorf("got an event, want the channel closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel still open 10s after cancel")
	}
}
