package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
)

// receive returns the next event, or fails the test after testWait.
func receive[O any](t *testing.T, ch <-chan Event[O]) (Event[O], bool) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		return ev, ok
	case <-time.After(testWait):
		t.Fatalf("no event within %v", testWait)
		return Event[O]{}, false
	}
}

func TestWatchEvents(t *testing.T) {
	api := newScriptedAPI()
	_, cfg := newTestServer(t, api)
	widgets := For[widget](newTestClient(t, cfg))

	type result struct {
		w   *Watcher[widget, *widget]
		err error
	}
	started := make(chan result, 1)
	go func() {
		w, err := widgets.Watch(context.Background(), "default", ListOptions{ResourceVersion: "10", AllowWatchBookmarks: true})
		started <- result{w, err}
	}()
	c := api.next(t)
	c.open(t)
	r := <-started
	if r.err != nil {
		t.Fatalf("Watch: %v", r.err)
	}
	defer r.w.Stop()

	bookmark := map[string]any{"kind": "Widget", "apiVersion": "v1", "metadata": map[string]any{"resourceVersion": "14"}}
	c.event(t, meta.Added, testWidget("default", "a", "11"))
	c.event(t, meta.Modified, testWidget("default", "a", "12").onNode("n1"))
	c.event(t, meta.Bookmark, bookmark)
	c.event(t, meta.Deleted, testWidget("default", "a", "15"))
	c.event(t, meta.Error, statusBody(410, meta.StatusReasonExpired, "too old resource version: 10 (15)"))

	want := []Event[*widget]{
		{Type: meta.Added, Object: testWidget("default", "a", "11")},
		{Type: meta.Modified, Object: testWidget("default", "a", "12").onNode("n1")},
		{Type: meta.Bookmark, Object: &widget{TypeMeta: meta.TypeMeta{APIVersion: "v1", Kind: "Widget"}, ObjectMeta: meta.ObjectMeta{ResourceVersion: "14"}}},
		{Type: meta.Deleted, Object: testWidget("default", "a", "15")},
	}
	for i, w := range want {
		got, ok := receive(t, r.w.Events())
		if !ok {
			t.Fatalf("event %d: channel closed, want %s", i, w.Type)
		}
		if diff := cmp.Diff(w, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
			t.Errorf("event %d (-want +got):\n%s", i, diff)
		}
	}
	got, ok := receive(t, r.w.Events())
	if !ok || got.Type != meta.Error || got.Object != nil || !errors.Is(got.Err, errdefs.ErrExpired) {
		t.Fatalf("last event: got %+v (open %v), want an ERROR event carrying errdefs.ErrExpired", got, ok)
	}
	if !strings.Contains(got.Err.Error(), "too old resource version") {
		t.Errorf("ERROR event: got message %q, want the Status message", got.Err)
	}
	if _, ok := receive(t, r.w.Events()); ok {
		t.Errorf("after the ERROR event: channel open, want it closed")
	}
}

func TestWatchStreamEnds(t *testing.T) {
	tests := []struct {
		name    string
		write   string // what the server sends before ending the stream
		wantErr string // "" means: the channel closes without an error event
	}{
		{"clean end", `{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n", ""},
		{"cut in the middle", `{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n" + `{"type":"MODI`, "reading the stream"},
		{"not JSON", `{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n<html>", "reading the stream"},
		{"bad object", `{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n" + `{"type":"ADDED","object":{"metadata":{"name":5}}}`, "decoding a ADDED event"},
		{"unknown type", `{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n" + `{"type":"EXPLODED","object":{}}`, `unknown event type "EXPLODED"`},
		{"error that is not a Status", `{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n" + `{"type":"ERROR","object":{"x":1}}`, `error event: {"x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, cfg := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(tt.write))
			}))
			w, err := For[widget](newTestClient(t, cfg)).Watch(context.Background(), "default", ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			if ev, ok := receive(t, w.Events()); !ok || ev.Type != meta.Added || ev.Object.Name != "a" {
				t.Fatalf("first event: got %+v (open %v), want ADDED a", ev, ok)
			}
			ev, ok := receive(t, w.Events())
			if tt.wantErr == "" {
				if ok {
					t.Errorf("got %+v, want the channel closed", ev)
				}
				return
			}
			if !ok || ev.Type != meta.Error || ev.Err == nil || !strings.Contains(ev.Err.Error(), tt.wantErr) {
				t.Fatalf("got %+v (open %v), want an ERROR event containing %q", ev, ok, tt.wantErr)
			}
			var e *errdefs.Error
			if errors.As(ev.Err, &e) {
				t.Errorf("got %T, want a client-side error, not a server Status", ev.Err)
			}
			if _, ok := receive(t, w.Events()); ok {
				t.Errorf("after the error: channel open, want it closed")
			}
		})
	}
}

func TestWatchStop(t *testing.T) {
	api := newScriptedAPI()
	_, cfg := newTestServer(t, api)
	widgets := For[widget](newTestClient(t, cfg))
	started := make(chan error, 1)
	var w *Watcher[widget, *widget]
	go func() {
		var err error
		w, err = widgets.Watch(context.Background(), "", ListOptions{})
		started <- err
	}()
	c := api.next(t)
	c.open(t)
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	c.event(t, meta.Added, testWidget("default", "a", "1"))
	// Stop while an event is waiting to be received: it must not hang.
	w.Stop()
	w.Stop()
	for range w.Events() {
	}
	select {
	case <-c.done:
	case <-time.After(testWait):
		t.Fatalf("the server's request did not end after Stop")
	}
}

func TestWatchRejected(t *testing.T) {
	_, cfg := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusGone, statusBody(410, meta.StatusReasonExpired, "too old"))
	}))
	_, err := For[widget](newTestClient(t, cfg)).Watch(context.Background(), "default", ListOptions{ResourceVersion: "1"})
	if !errors.Is(err, errdefs.ErrExpired) {
		t.Errorf("got error %v, want errdefs.ErrExpired", err)
	}
}

func TestDynamicWatch(t *testing.T) {
	_, cfg := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"type": "ADDED", "object": map[string]any{"kind": "Widget", "metadata": map[string]any{"name": "a"}}})
		json.NewEncoder(w).Encode(map[string]any{"type": "ERROR", "object": statusBody(500, meta.StatusReasonInternalError, "etcd down")})
	}))
	w, err := newTestClient(t, cfg).Dynamic(widgetResource).Watch(context.Background(), "default", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	ev, ok := receive(t, w.Events())
	if !ok || ev.Type != meta.Added || string(ev.Object) != `{"kind":"Widget","metadata":{"name":"a"}}` {
		t.Errorf("got %+v (%s), want ADDED with the raw object", ev, ev.Object)
	}
	ev, ok = receive(t, w.Events())
	if !ok || !errors.Is(ev.Err, errdefs.ErrInternal) || ev.Err.Error() != "etcd down" {
		t.Errorf("got %+v, want an ERROR event with the Status", ev)
	}
}
