package client

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf/wharf/api/meta"
)

// Handler is told about changes to an informer's cache. Any func may be
// nil. The objects are the cache's own: copy (meta.DeepCopy) before
// changing them.
type Handler[PT any] struct {
	OnAdd    func(obj PT)
	OnUpdate func(old, new PT)
	OnDelete func(obj PT)
}

// Informer keeps a local, read-only cache of one kind in step with the
// server: it lists, then watches from the list's resourceVersion, and calls
// its handlers for every change, from one goroutine, in the order the
// changes happened.
//
// When a watch ends it watches again from the last resourceVersion it saw
// (bookmarks keep that recent); when the server says that version is too
// old (410 Expired or Gone) it lists again and tells the handlers what
// changed in between as adds, updates and deletes. Failed attempts are
// retried with capped, jittered exponential back-off.
//
// Everything it returns points into the cache: callers must meta.DeepCopy
// an object before changing it.
type Informer[T any, PT interface {
	*T
	meta.Object
}] struct {
	r    *Resource[T, PT]
	ns   string
	opts ListOptions
	log  *slog.Logger

	// retry spaces out failed lists and watches. A watch that lasted at
	// least healthyWatch, or delivered anything, counts as a success.
	retry        backoff
	healthyWatch time.Duration

	running atomic.Bool
	synced  atomic.Bool
	syncCh  chan struct{}
	queue   notificationQueue[PT]

	mu         sync.RWMutex
	syncQueued bool // the first list's end is on its way to the handlers
	items      map[string]PT
	handlers   []*Handler[PT] // replaced, never changed in place
	indexers   map[string]func(PT) []string
	indices    map[string]map[string]map[string]struct{} // index → value → keys
}

// NewInformer returns an informer of r's objects in ns (all namespaces
// when ""), narrowed by the selectors of opts. opts.ResourceVersion is used
// for the first list only; opts.Limit pages lists. log may be nil.
func NewInformer[T any, PT interface {
	*T
	meta.Object
}](r *Resource[T, PT], ns string, opts ListOptions, log *slog.Logger) *Informer[T, PT] {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Informer[T, PT]{
		r:            r,
		ns:           ns,
		opts:         opts,
		log:          log.With("resource", r.r.GroupResource().String(), "namespace", ns),
		retry:        backoff{base: 500 * time.Millisecond, max: 30 * time.Second},
		healthyWatch: time.Second,
		syncCh:       make(chan struct{}),
		queue:        notificationQueue[PT]{signal: make(chan struct{}, 1)},
		items:        map[string]PT{},
		indexers:     map[string]func(PT) []string{},
		indices:      map[string]map[string]map[string]struct{}{},
	}
}

// Run fills the cache and keeps it current until ctx is done, then returns
// nil once its goroutines are gone. It may be called only once.
func (inf *Informer[T, PT]) Run(ctx context.Context) error {
	if !inf.running.CompareAndSwap(false, true) {
		return errors.New("informer: Run called more than once")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		inf.dispatch(ctx)
	}()
	inf.listAndWatch(ctx)
	cancel()
	wg.Wait()
	return nil
}

// HasSynced reports whether the first list is in the cache and the
// handlers have been told about it.
func (inf *Informer[T, PT]) HasSynced() bool { return inf.synced.Load() }

// WaitForSync waits until HasSynced or ctx is done, and returns HasSynced.
func (inf *Informer[T, PT]) WaitForSync(ctx context.Context) bool {
	select {
	case <-inf.syncCh:
		return true
	case <-ctx.Done():
		return inf.HasSynced()
	}
}

// AddHandler registers h. It is first told about the objects already in
// the cache, as adds, then about every later change.
func (inf *Informer[T, PT]) AddHandler(h Handler[PT]) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	hp := &h
	inf.handlers = append(slices.Clip(inf.handlers), hp)
	if len(inf.items) == 0 {
		return
	}
	only := []*Handler[PT]{hp}
	ns := make([]notification[PT], 0, len(inf.items))
	for _, obj := range inf.items {
		ns = append(ns, notification[PT]{handlers: only, kind: added, new: obj})
	}
	inf.queue.push(ns...)
}

// Get returns the cached object ns/name (name alone for cluster-scoped
// kinds). Copy it before changing it.
func (inf *Informer[T, PT]) Get(ns, name string) (PT, bool) {
	inf.mu.RLock()
	defer inf.mu.RUnlock()
	obj, ok := inf.items[cacheKey(ns, name)]
	return obj, ok
}

// List returns every cached object, in no particular order. Copy an object
// before changing it.
func (inf *Informer[T, PT]) List() []PT {
	return inf.ListBy(nil)
}

// ListBy returns the cached objects for which keep is true (all when keep
// is nil). Copy an object before changing it.
func (inf *Informer[T, PT]) ListBy(keep func(PT) bool) []PT {
	inf.mu.RLock()
	defer inf.mu.RUnlock()
	out := make([]PT, 0, len(inf.items))
	for _, obj := range inf.items {
		if keep == nil || keep(obj) {
			out = append(out, obj)
		}
	}
	return out
}

// AddIndex maintains a secondary index: fn returns the values an object is
// filed under (a pod under its spec.nodeName, say). It may be called before
// or after Run; adding the same name twice replaces the index.
func (inf *Informer[T, PT]) AddIndex(name string, fn func(PT) []string) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	inf.indexers[name] = fn
	inf.indices[name] = map[string]map[string]struct{}{}
	for key, obj := range inf.items {
		inf.indexOne(name, fn, key, obj)
	}
}

// ByIndex returns the cached objects filed under value in the named index,
// in no particular order. An index that was never added is a programming
// error: ByIndex panics.
func (inf *Informer[T, PT]) ByIndex(name, value string) []PT {
	inf.mu.RLock()
	defer inf.mu.RUnlock()
	idx, ok := inf.indices[name]
	if !ok {
		panic("informer: no index " + name)
	}
	keys := idx[value]
	out := make([]PT, 0, len(keys))
	for k := range keys {
		out = append(out, inf.items[k])
	}
	return out
}

func cacheKey(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func objectKey(obj meta.Object) string {
	m := obj.GetObjectMeta()
	return cacheKey(m.Namespace, m.Name)
}

// listAndWatch is the informer's loop; it returns when ctx is done.
func (inf *Informer[T, PT]) listAndWatch(ctx context.Context) {
	listRV := inf.opts.ResourceVersion
	rv := ""
	needList := true
	for ctx.Err() == nil {
		if needList {
			items, newRV, err := inf.list(ctx, listRV)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				inf.log.Warn("list failed", "err", err)
				if isExpired(err) {
					listRV = "" // the asked-for version is gone; read the latest
				}
				sleep(ctx, inf.retry.next())
				continue
			}
			inf.replace(items)
			rv, listRV, needList = newRV, "", false
		}

		started := time.Now()
		progressed, expired := inf.watch(ctx, &rv)
		if ctx.Err() != nil {
			return
		}
		if expired {
			inf.log.Info("watch expired; listing again", "resourceVersion", rv)
			needList = true
		}
		if progressed || time.Since(started) >= inf.healthyWatch {
			inf.retry.reset()
			continue
		}
		sleep(ctx, inf.retry.next())
	}
}

// list reads every page of the objects, and returns them with the
// resourceVersion the list was read at.
func (inf *Informer[T, PT]) list(ctx context.Context, rv string) ([]T, string, error) {
	opts := inf.opts
	opts.ResourceVersion, opts.Continue = rv, ""
	opts.TimeoutSeconds, opts.AllowWatchBookmarks = 0, false
	var items []T
	for {
		l, err := inf.r.List(ctx, inf.ns, opts)
		if err != nil {
			if opts.Continue != "" && isExpired(err) {
				// The snapshot the pages came from is gone: read it whole.
				inf.log.Info("list continuation expired; listing without pages")
				opts.Continue, opts.Limit, opts.ResourceVersion = "", 0, ""
				items = nil
				continue
			}
			return nil, "", err
		}
		items = append(items, l.Items...)
		if l.Continue == "" {
			return items, l.ResourceVersion, nil
		}
		opts.Continue, opts.ResourceVersion = l.Continue, ""
	}
}

// watch runs one watch from *rv, applying its events and advancing *rv,
// until it ends. It reports whether anything arrived and whether the
// server said *rv is too old.
func (inf *Informer[T, PT]) watch(ctx context.Context, rv *string) (progressed, expired bool) {
	opts := inf.opts
	opts.ResourceVersion, opts.Continue, opts.Limit = *rv, "", 0
	opts.AllowWatchBookmarks = true
	if opts.TimeoutSeconds == 0 {
		// Spread the re-watches of many clients over time.
		opts.TimeoutSeconds = 300 + rand.Int64N(300)
	}
	w, err := inf.r.Watch(ctx, inf.ns, opts)
	if err != nil {
		if ctx.Err() == nil && !isExpired(err) {
			inf.log.Warn("watch failed", "resourceVersion", *rv, "err", err)
		}
		return false, isExpired(err)
	}
	defer w.Stop()
	for ev := range w.Events() {
		switch ev.Type {
		case meta.Added, meta.Modified:
			inf.upsert(ev.Object)
		case meta.Deleted:
			inf.remove(ev.Object)
		case meta.Bookmark:
		case meta.Error:
			if isExpired(ev.Err) {
				return progressed, true
			}
			inf.log.Warn("watch ended with an error", "resourceVersion", *rv, "err", ev.Err)
			return progressed, false
		}
		progressed = true
		if v := ev.Object.GetObjectMeta().ResourceVersion; v != "" {
			*rv = v
		}
	}
	return progressed, false
}

// replace installs the result of a list, telling the handlers what differs
// from what the cache held.
func (inf *Informer[T, PT]) replace(items []T) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	fresh := make(map[string]PT, len(items))
	var ns []notification[PT]
	for i := range items {
		// One allocation per object, so that the list's array is not kept
		// alive by whichever of its objects stays cached longest.
		obj := PT(new(T))
		*obj = items[i]
		key := objectKey(obj)
		old, ok := inf.items[key]
		switch {
		case !ok:
			ns = append(ns, notification[PT]{kind: added, new: obj})
		case old.GetObjectMeta().ResourceVersion != obj.GetObjectMeta().ResourceVersion:
			ns = append(ns, notification[PT]{kind: updated, old: old, new: obj})
		default:
			obj = old
		}
		fresh[key] = obj
	}
	var gone []string
	for key := range inf.items {
		if _, ok := fresh[key]; !ok {
			gone = append(gone, key)
		}
	}
	slices.Sort(gone)
	for _, key := range gone {
		ns = append(ns, notification[PT]{kind: deleted, old: inf.items[key]})
	}
	inf.items = fresh
	for name, fn := range inf.indexers {
		inf.indices[name] = map[string]map[string]struct{}{}
		for key, obj := range fresh {
			inf.indexOne(name, fn, key, obj)
		}
	}
	for i := range ns {
		ns[i].handlers = inf.handlers
	}
	if !inf.syncQueued {
		inf.syncQueued = true
		ns = append(ns, notification[PT]{kind: syncedMark})
	}
	inf.queue.push(ns...)
}

func (inf *Informer[T, PT]) upsert(obj PT) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	key := objectKey(obj)
	old, ok := inf.items[key]
	inf.items[key] = obj
	if ok {
		inf.unindex(key, old)
	}
	for name, fn := range inf.indexers {
		inf.indexOne(name, fn, key, obj)
	}
	if ok {
		inf.queue.push(notification[PT]{handlers: inf.handlers, kind: updated, old: old, new: obj})
	} else {
		inf.queue.push(notification[PT]{handlers: inf.handlers, kind: added, new: obj})
	}
}

func (inf *Informer[T, PT]) remove(obj PT) {
	inf.mu.Lock()
	defer inf.mu.Unlock()
	key := objectKey(obj)
	if old, ok := inf.items[key]; ok {
		inf.unindex(key, old)
		delete(inf.items, key)
	}
	inf.queue.push(notification[PT]{handlers: inf.handlers, kind: deleted, old: obj})
}

func (inf *Informer[T, PT]) indexOne(name string, fn func(PT) []string, key string, obj PT) {
	idx := inf.indices[name]
	for _, v := range fn(obj) {
		keys, ok := idx[v]
		if !ok {
			keys = map[string]struct{}{}
			idx[v] = keys
		}
		keys[key] = struct{}{}
	}
}

func (inf *Informer[T, PT]) unindex(key string, obj PT) {
	for name, fn := range inf.indexers {
		idx := inf.indices[name]
		for _, v := range fn(obj) {
			delete(idx[v], key)
			if len(idx[v]) == 0 {
				delete(idx, v)
			}
		}
	}
}

// dispatch calls the handlers, in order, until ctx is done.
func (inf *Informer[T, PT]) dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-inf.queue.signal:
		}
		for _, n := range inf.queue.take() {
			if ctx.Err() != nil {
				return
			}
			inf.deliver(n)
		}
	}
}

func (inf *Informer[T, PT]) deliver(n notification[PT]) {
	if n.kind == syncedMark {
		inf.synced.Store(true)
		close(inf.syncCh)
		return
	}
	for _, h := range n.handlers {
		switch {
		case n.kind == added && h.OnAdd != nil:
			h.OnAdd(n.new)
		case n.kind == updated && h.OnUpdate != nil:
			h.OnUpdate(n.old, n.new)
		case n.kind == deleted && h.OnDelete != nil:
			h.OnDelete(n.old)
		}
	}
}

type notificationKind int

const (
	added notificationKind = iota
	updated
	deleted
	syncedMark // the first list has been delivered
)

// notification is a change waiting to be told to the handlers that were
// registered when it happened.
type notification[PT any] struct {
	handlers []*Handler[PT]
	kind     notificationKind
	old, new PT
}

// notificationQueue is unbounded, so that a slow handler delays only the
// handlers and never the watch.
type notificationQueue[PT any] struct {
	mu     sync.Mutex
	items  []notification[PT]
	signal chan struct{} // capacity 1: "there is something to take"
}

func (q *notificationQueue[PT]) push(ns ...notification[PT]) {
	if len(ns) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, ns...)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *notificationQueue[PT]) take() []notification[PT] {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}
