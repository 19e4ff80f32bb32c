package controller

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// gcMonitor keeps the garbage collector's graph in step with the objects
// of one kind: it lists and watches them as metadata only, through the
// untyped client, so that one piece of code serves every kind in the
// scheme.
type gcMonitor struct {
	res    *scheme.Resource
	dyn    *client.Dynamic
	log    *slog.Logger
	apply  func(res *scheme.Resource, ev string, obj *meta.PartialObjectMetadata)
	synced chan struct{}
	// known is what the graph was told of, by uid, so that a new list can
	// tell it what went away in between.
	known map[string]*meta.PartialObjectMetadata
}

func newGCMonitor(c *client.Client, res *scheme.Resource, log *slog.Logger, apply func(*scheme.Resource, string, *meta.PartialObjectMetadata)) *gcMonitor {
	return &gcMonitor{
		res:    res,
		dyn:    c.Dynamic(res),
		log:    log.With("resource", res.GroupResource().String()),
		apply:  apply,
		synced: make(chan struct{}),
		known:  map[string]*meta.PartialObjectMetadata{},
	}
}

// run lists and watches until ctx ends, listing again whenever the watch
// cannot resume.
func (m *gcMonitor) run(ctx context.Context) {
	failures := 0
	rv := ""
	for ctx.Err() == nil {
		if rv == "" {
			var err error
			if rv, err = m.list(ctx); err != nil {
				if ctx.Err() == nil {
					m.log.Warn("garbage collector list failed", "err", err)
				}
				failures++
				gcSleep(ctx, failures)
				continue
			}
			failures = 0
			select {
			case <-m.synced:
			default:
				close(m.synced)
			}
		}
		progressed, expired := m.watch(ctx, &rv)
		if expired {
			rv = ""
		}
		if progressed {
			failures = 0
			continue
		}
		failures++
		gcSleep(ctx, failures)
	}
}

// gcSleep backs off after the n-th failure in a row: from 250ms, doubling,
// to 30s, with jitter.
func gcSleep(ctx context.Context, n int) {
	d := 30 * time.Second
	if n < 8 {
		d = 250 * time.Millisecond << (n - 1)
	}
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// list reads every object and tells the graph what is new, changed or
// gone; it returns the list's resourceVersion.
func (m *gcMonitor) list(ctx context.Context) (string, error) {
	raw, err := m.dyn.List(ctx, "", client.ListOptions{})
	if err != nil {
		return "", err
	}
	var l meta.List[meta.PartialObjectMetadata]
	if err := json.Unmarshal(raw, &l); err != nil {
		return "", err
	}
	fresh := make(map[string]*meta.PartialObjectMetadata, len(l.Items))
	for i := range l.Items {
		obj := &l.Items[i]
		fresh[obj.UID] = obj
		old, ok := m.known[obj.UID]
		switch {
		case !ok:
			m.apply(m.res, meta.Added, obj)
		case old.ResourceVersion != obj.ResourceVersion:
			m.apply(m.res, meta.Modified, obj)
		}
	}
	for uid, old := range m.known {
		if _, ok := fresh[uid]; !ok {
			m.apply(m.res, meta.Deleted, old)
		}
	}
	m.known = fresh
	return l.ResourceVersion, nil
}

// watch follows one watch from *rv; it reports whether anything arrived
// and whether *rv is too old to resume from.
func (m *gcMonitor) watch(ctx context.Context, rv *string) (progressed, expired bool) {
	w, err := m.dyn.Watch(ctx, "", client.ListOptions{
		ResourceVersion: *rv, AllowWatchBookmarks: true, TimeoutSeconds: 300 + rand.Int64N(300),
	})
	if err != nil {
		if ctx.Err() == nil && !gcExpired(err) {
			m.log.Warn("garbage collector watch failed", "err", err)
		}
		return false, gcExpired(err)
	}
	defer w.Stop()
	for ev := range w.Events() {
		if ev.Type == meta.Error {
			if gcExpired(ev.Err) {
				return progressed, true
			}
			if ctx.Err() == nil {
				m.log.Warn("garbage collector watch ended", "err", ev.Err)
			}
			return progressed, false
		}
		var obj meta.PartialObjectMetadata
		if err := json.Unmarshal(ev.Object, &obj); err != nil {
			m.log.Warn("garbage collector watch: undecodable object", "err", err)
			return progressed, true
		}
		progressed = true
		if obj.ResourceVersion != "" {
			*rv = obj.ResourceVersion
		}
		switch ev.Type {
		case meta.Added, meta.Modified:
			m.known[obj.UID] = &obj
			m.apply(m.res, ev.Type, &obj)
		case meta.Deleted:
			delete(m.known, obj.UID)
			m.apply(m.res, ev.Type, &obj)
		}
	}
	return progressed, false
}

func gcExpired(err error) bool {
	return errors.Is(err, errdefs.ErrExpired) || errors.Is(err, errdefs.ErrGone)
}
