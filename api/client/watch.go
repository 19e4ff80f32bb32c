package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wharf/wharf/api/meta"
)

// Event is one change seen by a watch. Type is meta.Added, Modified,
// Deleted, Bookmark or Error. A Bookmark's Object has only its
// resourceVersion set. An Error event has no Object; Err holds what the
// server said (an *errdefs.Error: errdefs.ErrExpired or ErrGone means the
// watch started too far back and the caller must list again) or why the
// stream broke.
type Event[O any] struct {
	Type   string
	Object O
	Err    error
}

// eventStream decodes a watch reply into events until the reply ends, an
// Error event has been delivered, or it is stopped.
type eventStream[O any] struct {
	events chan Event[O]
	cancel context.CancelFunc
	done   chan struct{}
}

// startStream reads body in its own goroutine; cancel must end ctx, which
// the request of body was made with.
func startStream[O any](ctx context.Context, cancel context.CancelFunc, body io.ReadCloser, what string, decode func(json.RawMessage) (O, error)) *eventStream[O] {
	s := &eventStream[O]{events: make(chan Event[O]), cancel: cancel, done: make(chan struct{})}
	go s.run(ctx, body, what, decode)
	return s
}

func (s *eventStream[O]) run(ctx context.Context, body io.ReadCloser, what string, decode func(json.RawMessage) (O, error)) {
	defer close(s.done)
	defer close(s.events)
	defer s.cancel()
	defer body.Close()
	dec := json.NewDecoder(body)
	for {
		var we meta.WatchEvent
		if err := dec.Decode(&we); err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				s.send(ctx, Event[O]{Type: meta.Error, Err: fmt.Errorf("watch %s: reading the stream: %w", what, err)})
			}
			return
		}
		ev := Event[O]{Type: we.Type}
		switch we.Type {
		case meta.Added, meta.Modified, meta.Deleted, meta.Bookmark:
			obj, err := decode(we.Object)
			if err != nil {
				s.send(ctx, Event[O]{Type: meta.Error, Err: fmt.Errorf("watch %s: decoding a %s event: %w", what, we.Type, err)})
				return
			}
			ev.Object = obj
		case meta.Error:
			ev.Err = eventError(we.Object, what)
		default:
			ev = Event[O]{Type: meta.Error, Err: fmt.Errorf("watch %s: unknown event type %q", what, we.Type)}
		}
		if !s.send(ctx, ev) || ev.Type == meta.Error {
			return
		}
	}
}

func (s *eventStream[O]) send(ctx context.Context, ev Event[O]) bool {
	select {
	case s.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// stop ends the stream and waits until its goroutine is gone.
func (s *eventStream[O]) stop() {
	s.cancel()
	<-s.done
}

// eventError is the error an ERROR event carries: the Status it holds as an
// *errdefs.Error, or the raw object when it is not a Status.
func eventError(raw json.RawMessage, what string) error {
	if e := statusError(raw, 0); e != nil {
		return e
	}
	return fmt.Errorf("watch %s: error event: %s", what, raw)
}

// Watcher delivers the typed events of one watch request.
type Watcher[T any, PT interface {
	*T
	meta.Object
}] struct {
	s *eventStream[PT]
}

// Events returns the channel of events. It is closed when the server ends
// the watch, after an Error event, or after Stop.
func (w *Watcher[T, PT]) Events() <-chan Event[PT] { return w.s.events }

// Stop ends the watch and waits for its goroutine to finish. It is safe to
// call more than once and from any goroutine.
func (w *Watcher[T, PT]) Stop() { w.s.stop() }

// RawWatcher delivers the events of one watch request with the objects as
// raw JSON.
type RawWatcher struct {
	s *eventStream[json.RawMessage]
}

// Events returns the channel of events; see Watcher.Events.
func (w *RawWatcher) Events() <-chan Event[json.RawMessage] { return w.s.events }

// Stop ends the watch; see Watcher.Stop.
func (w *RawWatcher) Stop() { w.s.stop() }

// watch opens a watch on path and returns the stream of its events.
func watch[O any](ctx context.Context, c *Client, path string, opts ListOptions, decode func(json.RawMessage) (O, error)) (*eventStream[O], error) {
	q := opts.query()
	q.Set("watch", "true")
	ctx, cancel := context.WithCancel(ctx)
	rq := &request{method: http.MethodGet, path: path, query: q}
	resp, err := c.send(ctx, rq)
	if err != nil {
		cancel()
		return nil, err
	}
	return startStream(ctx, cancel, resp.Body, rq.url(c.base), decode), nil
}
