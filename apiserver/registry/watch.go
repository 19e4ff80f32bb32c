package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/storage"
)

// WatchOptions say where a watch starts and what it sees.
type WatchOptions struct {
	ListOptions
	Bookmarks bool
}

// Watch streams the changes to the objects in ns ("" for all) that match.
// With resourceVersion "" or "0" it starts with an ADDED event for every
// object that exists, then the changes; with a revision it sends the changes
// after it, or fails with Expired when that revision is no longer kept.
func (r *Registry) Watch(ctx context.Context, ns string, opts WatchOptions) (<-chan storage.Event, error) {
	if err := r.CheckFields(opts.Fields); err != nil {
		return nil, err
	}
	filter := r.Filter(ns, opts.Labels, opts.Fields)
	prefix := r.nsPrefix(ns)
	var initial []storage.Entry
	var from int64
	switch opts.ResourceVersion {
	case "", "0":
		minRev := int64(0)
		if opts.ResourceVersion == "" {
			var err error
			if minRev, err = r.minRevision(ctx, ""); err != nil {
				return nil, err
			}
		}
		entries, rev, err := r.cache.List(ctx, minRev)
		if err != nil {
			return nil, r.storageError(err, "")
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Key, prefix) && filter(e.Object) {
				initial = append(initial, e)
			}
		}
		from = rev
	default:
		rev, err := r.minRevision(ctx, opts.ResourceVersion)
		if err != nil {
			return nil, err
		}
		from = rev
	}
	events, err := r.cache.Watch(ctx, from, filter, opts.Bookmarks)
	if err != nil {
		if errors.Is(err, storage.ErrCompacted) {
			return nil, errdefs.Expired("too old resource version: %d", from)
		}
		return nil, r.storageError(err, "")
	}
	if len(initial) == 0 {
		return events, nil
	}
	out := make(chan storage.Event, 100)
	go func() {
		defer close(out)
		for _, e := range initial {
			ev := storage.Event{Type: meta.Added, Key: e.Key, Object: e.Object, Raw: e.Raw, Revision: e.Revision}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
		for ev := range events {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
