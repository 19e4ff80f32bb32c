package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/meta"
)

// handlerLog records what a handler is told, as "add a@1",
// "update a@1->a@2", "delete a@3".
type handlerLog struct {
	ch chan string
}

func newHandlerLog() *handlerLog { return &handlerLog{ch: make(chan string, 100)} }

func (l *handlerLog) handler() Handler[*widget] {
	s := func(w *widget) string { return w.Name + "@" + w.ResourceVersion }
	return Handler[*widget]{
		OnAdd:    func(w *widget) { l.ch <- "add " + s(w) },
		OnUpdate: func(old, new *widget) { l.ch <- "update " + s(old) + "->" + s(new) },
		OnDelete: func(w *widget) { l.ch <- "delete " + s(w) },
	}
}

// expect waits for the next len(want) notifications and compares them in
// order, or as a set when unordered (a map's contents come in any order).
func (l *handlerLog) expect(t *testing.T, unordered bool, want ...string) {
	t.Helper()
	var got []string
	for range want {
		select {
		case s := <-l.ch:
			got = append(got, s)
		case <-time.After(testWait):
			t.Fatalf("got notifications %q, then nothing within %v; want %q", got, testWait, want)
		}
	}
	if unordered {
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

// expectNone checks that nothing more was delivered.
func (l *handlerLog) expectNone(t *testing.T) {
	t.Helper()
	select {
	case s := <-l.ch:
		t.Errorf("got unexpected notification %q", s)
	default:
	}
}

// startInformer runs inf until the test ends, retrying after retryBase
// (a millisecond when zero).
func startInformer(t *testing.T, inf *Informer[widget, *widget], retryBase time.Duration) {
	t.Helper()
	if retryBase == 0 {
		retryBase = time.Millisecond
	}
	inf.retry = backoff{base: retryBase, max: 10 * retryBase}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- inf.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: got %v, want nil", err)
			}
		case <-time.After(testWait):
			t.Errorf("Run did not return after its context was cancelled")
		}
	})
}

func expectRequest(t *testing.T, c *call, path string, query url.Values) {
	t.Helper()
	got := c.query(t)
	if len(got) == 0 {
		got = nil
	}
	if c.r.Method != "GET" || c.r.URL.Path != path || !cmp.Equal(query, got) {
		t.Fatalf("got %s %s %v, want GET %s %v", c.r.Method, c.r.URL.Path, got, path, query)
	}
}

func cachedNames(inf *Informer[widget, *widget]) []string {
	var names []string
	for _, w := range inf.List() {
		names = append(names, w.Name+"@"+w.ResourceVersion)
	}
	slices.Sort(names)
	return names
}

func TestInformerListWatchRelist(t *testing.T) {
	api := newScriptedAPI()
	_, cfg := newTestServer(t, api)
	widgets := For[widget](newTestClient(t, cfg))
	inf := NewInformer(widgets, "default", ListOptions{LabelSelector: "app=web"}, nil)
	log := newHandlerLog()
	inf.AddHandler(log.handler())
	inf.AddHandler(Handler[*widget]{}) // nil funcs are skipped
	startInformer(t, inf, 0)
	const path = "/api/v1/namespaces/default/widgets"

	// The first list fills the cache.
	c := api.next(t)
	expectRequest(t, c, path, url.Values{"labelSelector": {"app=web"}})
	if inf.HasSynced() {
		t.Errorf("HasSynced before the list was answered: got true, want false")
	}
	c.reply(t, http.StatusOK, widgetList("10", testWidget("default", "a", "5"), testWidget("default", "b", "6")))
	log.expect(t, false, "add a@5", "add b@6")
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if !inf.WaitForSync(ctx) || !inf.HasSynced() {
		t.Fatalf("WaitForSync: got false, want true")
	}

	// Watch from the list's version; the stream ends after a bookmark.
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"labelSelector": {"app=web"}, "watch": {"true"}, "resourceVersion": {"10"}, "allowWatchBookmarks": {"true"}})
	c.open(t)
	c.event(t, meta.Modified, testWidget("default", "a", "11"))
	c.event(t, meta.Added, testWidget("default", "c", "12"))
	c.event(t, meta.Bookmark, &widget{ObjectMeta: meta.ObjectMeta{ResourceVersion: "15"}})
	c.end()
	log.expect(t, false, "update a@5->a@11", "add c@12")

	// Re-watch from the bookmark; the server says that is too old.
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"labelSelector": {"app=web"}, "watch": {"true"}, "resourceVersion": {"15"}, "allowWatchBookmarks": {"true"}})
	c.open(t)
	c.event(t, meta.Error, statusBody(http.StatusGone, meta.StatusReasonExpired, "too old resource version: 15 (20)"))
	c.end()

	// List again: b was deleted, c changed, d is new, a is as it was.
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"labelSelector": {"app=web"}})
	c.reply(t, http.StatusOK, widgetList("30", testWidget("default", "a", "11"), testWidget("default", "c", "20"), testWidget("default", "d", "25")))
	log.expect(t, false, "update c@12->c@20", "add d@25", "delete b@6")

	// Then watch from the new list.
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"labelSelector": {"app=web"}, "watch": {"true"}, "resourceVersion": {"30"}, "allowWatchBookmarks": {"true"}})
	c.open(t)
	c.event(t, meta.Deleted, testWidget("default", "a", "31"))
	log.expect(t, false, "delete a@31")
	log.expectNone(t)

	if got, want := cachedNames(inf), []string{"c@20", "d@25"}; !cmp.Equal(got, want) {
		t.Errorf("cache: got %q, want %q", got, want)
	}
	if _, ok := inf.Get("default", "b"); ok {
		t.Errorf("Get(b) after it was deleted while away: found, want absent")
	}
	if w, ok := inf.Get("default", "d"); !ok || w.ResourceVersion != "25" {
		t.Errorf("Get(d): got %v, %v, want d@25", w, ok)
	}
}

func TestInformerRetriesWithBackoff(t *testing.T) {
	api := newScriptedAPI()
	_, cfg := newTestServer(t, api)
	inf := NewInformer(For[widget](newTestClient(t, cfg)), "", ListOptions{ResourceVersion: "0", Limit: 2}, nil)
	log := newHandlerLog()
	inf.AddHandler(log.handler())
	startInformer(t, inf, 40*time.Millisecond)
	const path = "/api/v1/widgets"

	// A failed list is retried, after a pause.
	c := api.next(t)
	expectRequest(t, c, path, url.Values{"resourceVersion": {"0"}, "limit": {"2"}})
	c.reply(t, http.StatusInternalServerError, statusBody(500, meta.StatusReasonInternalError, "etcd unavailable"))
	failed := time.Now()
	c = api.next(t)
	if gap := time.Since(failed); gap < 20*time.Millisecond {
		t.Errorf("retried the list after %v, want a back-off of at least 20ms", gap)
	}
	// Lists are paged.
	expectRequest(t, c, path, url.Values{"resourceVersion": {"0"}, "limit": {"2"}})
	page := widgetList("", testWidget("ns1", "a", "1"), testWidget("ns2", "a", "2"))
	page.Continue = "p2"
	c.reply(t, http.StatusOK, page)
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"limit": {"2"}, "continue": {"p2"}})
	c.reply(t, http.StatusOK, widgetList("7", testWidget("ns1", "b", "3")))
	log.expect(t, false, "add a@1", "add a@2", "add b@3")

	// A watch refused with 410 leads to a fresh list, not a retried watch.
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"watch": {"true"}, "resourceVersion": {"7"}, "allowWatchBookmarks": {"true"}})
	c.reply(t, http.StatusGone, statusBody(410, meta.StatusReasonExpired, "too old"))
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"limit": {"2"}})
	c.reply(t, http.StatusOK, widgetList("9", testWidget("ns1", "a", "1"), testWidget("ns2", "a", "2"), testWidget("ns1", "b", "3")))

	// A watch that fails for another reason is retried from the same version.
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"watch": {"true"}, "resourceVersion": {"9"}, "allowWatchBookmarks": {"true"}})
	c.reply(t, http.StatusServiceUnavailable, statusBody(503, meta.StatusReasonServiceUnavailable, "restarting"))
	c = api.next(t)
	expectRequest(t, c, path, url.Values{"watch": {"true"}, "resourceVersion": {"9"}, "allowWatchBookmarks": {"true"}})
	c.open(t)
	c.event(t, meta.Added, testWidget("ns3", "z", "10"))
	log.expect(t, false, "add z@10")
	log.expectNone(t) // the re-list changed nothing

	if w, ok := inf.Get("ns2", "a"); !ok || w.ResourceVersion != "2" {
		t.Errorf("Get(ns2/a): got %v, %v, want a@2", w, ok)
	}
}

func TestInformerIndexesAndLateHandlers(t *testing.T) {
	api := newScriptedAPI()
	_, cfg := newTestServer(t, api)
	inf := NewInformer(For[widget](newTestClient(t, cfg)), "", ListOptions{}, nil)
	byNode := func(w *widget) []string {
		if w.Spec.Node == "" {
			return nil
		}
		return []string{w.Spec.Node}
	}
	inf.AddIndex("node", byNode)
	early := newHandlerLog()
	inf.AddHandler(early.handler())
	startInformer(t, inf, 0)

	c := api.next(t)
	c.reply(t, http.StatusOK, widgetList("10",
		testWidget("ns", "a", "1").onNode("n1"), testWidget("ns", "b", "2").onNode("n1"),
		testWidget("ns", "c", "3").onNode("n2"), testWidget("ns", "d", "4")))
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if !inf.WaitForSync(ctx) {
		t.Fatal("WaitForSync: got false, want true")
	}
	early.expect(t, false, "add a@1", "add b@2", "add c@3", "add d@4")

	names := func(ws []*widget) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names(inf.ByIndex("node", "n1")); !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("ByIndex(node, n1): got %q, want [a b]", got)
	}
	// An index added after the cache is full indexes what is there.
	inf.AddIndex("size", func(w *widget) []string { return []string{fmt.Sprint(w.Spec.Size)} })
	if got := names(inf.ByIndex("size", "0")); !cmp.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("ByIndex(size, 0): got %q, want [a b c d]", got)
	}
	if got := names(inf.ListBy(func(w *widget) bool { return w.Spec.Node != "" })); !cmp.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("ListBy(scheduled): got %q, want [a b c]", got)
	}

	// A handler added now is told about the cache's contents first.
	late := newHandlerLog()
	inf.AddHandler(late.handler())
	late.expect(t, true, "add a@1", "add b@2", "add c@3", "add d@4")

	c = api.next(t)
	c.open(t)
	c.event(t, meta.Modified, testWidget("ns", "a", "11").onNode("n2"))
	c.event(t, meta.Deleted, testWidget("ns", "c", "12").onNode("n2"))
	early.expect(t, false, "update a@1->a@11", "delete c@12")
	late.expect(t, false, "update a@1->a@11", "delete c@12")

	if got := names(inf.ByIndex("node", "n1")); !cmp.Equal(got, []string{"b"}) {
		t.Errorf("ByIndex(node, n1) after a moved: got %q, want [b]", got)
	}
	if got := names(inf.ByIndex("node", "n2")); !cmp.Equal(got, []string{"a"}) {
		t.Errorf("ByIndex(node, n2) after c was deleted: got %q, want [a]", got)
	}
	if got := inf.ByIndex("node", "n9"); len(got) != 0 {
		t.Errorf("ByIndex(node, n9): got %d objects, want none", len(got))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("ByIndex of an unknown index: got no panic, want one")
			}
		}()
		inf.ByIndex("nope", "x")
	}()
}

func TestInformerHandlersSeeOrderUnderConcurrency(t *testing.T) {
	api := newScriptedAPI()
	_, cfg := newTestServer(t, api)
	inf := NewInformer(For[widget](newTestClient(t, cfg)), "ns", ListOptions{}, nil)
	startInformer(t, inf, 0)
	c := api.next(t)
	c.reply(t, http.StatusOK, widgetList("1"))
	c = api.next(t)
	c.open(t)

	// Handlers join while events stream; each must see, per object, an add
	// before any update and versions that only grow.
	const events = 50
	var wg sync.WaitGroup
	logs := make([]*handlerLog, 5)
	for i := range logs {
		logs[i] = &handlerLog{ch: make(chan string, 2*events)}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, l := range logs {
			inf.AddHandler(l.handler())
		}
	}()
	for i := range events {
		c.event(t, meta.Modified, testWidget("ns", "a", fmt.Sprint(i+2)))
	}
	wg.Wait()
	last := events + 1
	for i, l := range logs {
		prev := 0 // the version this handler last saw; 0: none yet
		for prev != last {
			var s string
			select {
			case s = <-l.ch:
			case <-time.After(testWait):
				t.Fatalf("handler %d: stopped at version %d, want it to reach %d", i, prev, last)
			}
			var old, cur int
			if _, err := fmt.Sscanf(s, "add a@%d", &cur); err == nil {
				if prev != 0 {
					t.Fatalf("handler %d: got %q after version %d, want a single add, first", i, s, prev)
				}
			} else if _, err := fmt.Sscanf(s, "update a@%d->a@%d", &old, &cur); err == nil {
				if prev == 0 || old != prev || cur != prev+1 {
					t.Fatalf("handler %d: got %q after version %d, want update a@%d->a@%d", i, s, prev, prev, prev+1)
				}
			} else {
				t.Fatalf("handler %d: got %q, want an add or update of a", i, s)
			}
			prev = cur
		}
	}
}
