package apiserver

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/registry"
	"github.com/wharf/wharf/apiserver/storage"
)

// watch streams events as {"type":...,"object":...} JSON documents, one per
// line, flushed as they happen. A resourceVersion that is no longer kept
// answers a single ERROR event carrying a 410 Expired Status, as
// Kubernetes' watch cache does; clients then list again.
func (h *rest) watch(w http.ResponseWriter, r *http.Request, reg *registry.Registry, info *requestInfo) error {
	q := r.URL.Query()
	lopts, err := parseListOptions(q)
	if err != nil {
		return err
	}
	timeout := time.Duration(30+rand.IntN(30)) * time.Minute
	if t := q.Get("timeoutSeconds"); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 0 {
			return errdefs.BadRequest("invalid timeoutSeconds %q", t)
		}
		if n > 0 {
			timeout = time.Duration(n) * time.Second
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	tr, asTable := acceptsTable(r)
	events, err := reg.Watch(ctx, info.Namespace, registry.WatchOptions{ListOptions: lopts, Bookmarks: q.Get("allowWatchBookmarks") == "true"})
	rc := http.NewResponseController(w)
	if err != nil && errdefs.Code(err) != http.StatusGone {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	if err != nil {
		st, _ := json.Marshal(errdefs.ToStatus(err))
		_ = enc.Encode(meta.WatchEvent{Type: meta.Error, Object: st})
		return nil
	}
	_ = rc.Flush()
	first := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			obj := h.eventObject(reg, ev, tr, asTable, first, includeObject(r))
			if ev.Type != meta.Bookmark {
				first = false
			}
			if err := enc.Encode(meta.WatchEvent{Type: ev.Type, Object: obj}); err != nil {
				return nil // the client went away
			}
			if len(events) == 0 {
				_ = rc.Flush()
			}
		}
	}
}

// eventObject renders an event's object: its cached JSON, a one-row Table
// for a client that watches tables (the first event also carries the
// columns), or, for a bookmark, an empty object with only the revision.
func (h *rest) eventObject(reg *registry.Registry, ev storage.Event, tr tableRequest, asTable, first bool, include string) json.RawMessage {
	res := reg.Resource()
	if ev.Type == meta.Bookmark {
		kind, apiVersion := res.Kind, res.APIVersion()
		if asTable {
			kind, apiVersion = "Table", tr.apiVersion
		}
		b, _ := json.Marshal(map[string]any{
			"kind": kind, "apiVersion": apiVersion,
			"metadata": map[string]string{"resourceVersion": strconv.FormatInt(ev.Revision, 10)},
		})
		return b
	}
	if !asTable {
		return ev.Raw
	}
	obj := ev.Object.(meta.Object)
	t := renderTable(res, tr, []registry.Item{{Object: obj, Raw: ev.Raw}}, meta.ListMeta{ResourceVersion: strconv.FormatInt(ev.Revision, 10)}, include)
	if !first {
		t.ColumnDefinitions = nil
	}
	b, _ := json.Marshal(t)
	return b
}
