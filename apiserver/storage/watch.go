package storage

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
)

// WatchEventType tells what a WatchEvent reports.
type WatchEventType int

const (
	// WatchPut: a key was created or updated.
	WatchPut WatchEventType = iota + 1
	// WatchDelete: a key was deleted.
	WatchDelete
	// WatchProgress: nothing under the prefix changed up to Revision.
	// etcd sends these when asked (see Cacher), never on its own.
	WatchProgress
)

func (t WatchEventType) String() string {
	switch t {
	case WatchPut:
		return "PUT"
	case WatchDelete:
		return "DELETE"
	case WatchProgress:
		return "PROGRESS"
	}
	return fmt.Sprintf("WatchEventType(%d)", int(t))
}

// WatchEvent is one change from an etcd watch.
type WatchEvent struct {
	Type WatchEventType
	// KV is the new state. For a deletion it carries only Key and, in
	// ModRevision, the revision of the deletion.
	KV KV
	// PrevKV is the state before the change, when etcd still had it.
	PrevKV *KV
	// Revision is the revision of the change or of the progress report.
	Revision int64
	// Err, if set, ends the watch: it is the last event on the channel.
	// A watch from a compacted revision reports an error wrapping
	// ErrCompacted.
	Err error
}

// Watch streams the changes under prefix with revisions from fromRev on,
// fromRev included as etcd counts (Cacher.Watch, like the Kubernetes API,
// starts after its fromRev instead); 0 means from now. Each change carries
// its previous value. The channel
// closes when ctx ends, or after an event with Err when the watch fails.
// The caller must keep reading until the channel closes or cancel ctx.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) <-chan WatchEvent {
	out := make(chan WatchEvent, 100)
	go func() {
		defer close(out)
		send := func(ev WatchEvent) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		}
		err := s.watchLoop(clientv3.WithRequireLeader(ctx), prefix, fromRev, true, func(resp watchResponse) bool {
			for _, ev := range resp.events {
				if !send(ev) {
					return false
				}
			}
			if resp.progress > 0 {
				return send(WatchEvent{Type: WatchProgress, Revision: resp.progress})
			}
			return true
		})
		if err != nil {
			send(WatchEvent{Err: err})
		}
	}()
	return out
}

// watchResponse is one etcd watch response: whole revisions of events, or
// a progress report.
type watchResponse struct {
	events   []WatchEvent
	progress int64
}

// watchLoop runs one etcd watch and hands each response to emit until emit
// returns false or ctx ends (it returns nil then), or the watch fails (it
// returns why). etcd never splits a revision across responses, so emit
// sees every revision whole.
func (s *Store) watchLoop(ctx context.Context, prefix string, fromRev int64, prevKV bool, emit func(watchResponse) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if fromRev > 0 {
		opts = append(opts, clientv3.WithRev(fromRev))
	}
	if prevKV {
		opts = append(opts, clientv3.WithPrevKV())
	}
	for resp := range s.client.Watch(ctx, prefix, opts...) {
		if err := resp.Err(); err != nil {
			if resp.CompactRevision > 0 {
				return fmt.Errorf("watch %s from revision %d: history before %d is gone: %w",
					prefix, fromRev, resp.CompactRevision, ErrCompacted)
			}
			return wrap(err, "watch %s", prefix)
		}
		var wr watchResponse
		if resp.IsProgressNotify() {
			wr.progress = resp.Header.Revision
		}
		wr.events = make([]WatchEvent, 0, len(resp.Events))
		for _, ev := range resp.Events {
			we := WatchEvent{KV: kvOf(ev.Kv), Revision: ev.Kv.ModRevision, Type: WatchPut}
			if ev.Type == clientv3.EventTypeDelete {
				we.Type = WatchDelete
			}
			if ev.PrevKv != nil {
				prev := kvOf(ev.PrevKv)
				we.PrevKV = &prev
			}
			wr.events = append(wr.events, we)
		}
		if !emit(wr) {
			return nil
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("watch %s: closed by etcd", prefix)
}

// cacheStream puts the watch cache's watches on their own gRPC stream. etcd
// answers a progress request only when every watch on the stream has caught
// up, so keeping other watches off it keeps the cache's waits short.
func cacheStream(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(clientv3.WithRequireLeader(ctx), "wharf-watch-stream", "cache")
}

// requestProgress asks etcd to report the current revision on every watch
// of the cache's stream that has caught up.
func (s *Store) requestProgress(ctx context.Context) error {
	return s.client.RequestProgress(cacheStream(ctx))
}
