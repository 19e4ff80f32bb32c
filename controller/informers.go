package controller

import (
	"context"
	"log/slog"
	"reflect"
	"sync"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/meta"
)

// Informers hands out one shared informer per kind, so that every
// controller and the scheduler in a process share one list+watch and one
// cache of, say, pods.
type Informers struct {
	client *client.Client
	log    *slog.Logger

	mu      sync.Mutex
	byType  map[reflect.Type]informer
	ctx     context.Context // set by Start; informers made later start at once
	running sync.WaitGroup
}

// informer is what Informers needs of a client.Informer of any kind.
type informer interface {
	Run(ctx context.Context) error
	WaitForSync(ctx context.Context) bool
}

// NewInformers returns an empty set of shared informers over c.
func NewInformers(c *client.Client, log *slog.Logger) *Informers {
	return &Informers{client: c, log: log, byType: map[reflect.Type]informer{}}
}

// Client is the client the informers list and watch with.
func (f *Informers) Client() *client.Client { return f.client }

// InformerFor returns the shared informer of kind T across all namespaces,
// creating it on first use (and starting it, if Start was called already).
func InformerFor[T any, PT interface {
	*T
	meta.Object
}](f *Informers) *client.Informer[T, PT] {
	t := reflect.TypeFor[T]()
	f.mu.Lock()
	defer f.mu.Unlock()
	if inf, ok := f.byType[t]; ok {
		return inf.(*client.Informer[T, PT])
	}
	inf := client.NewInformer(client.For[T, PT](f.client), "", client.ListOptions{}, f.log.With("informer", t.Name()))
	f.byType[t] = inf
	if f.ctx != nil {
		f.startLocked(inf)
	}
	return inf
}

// Start runs every informer made so far, and every one made later, until
// ctx ends.
func (f *Informers) Start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx != nil {
		return
	}
	f.ctx = ctx
	for _, inf := range f.byType {
		f.startLocked(inf)
	}
}

func (f *Informers) startLocked(inf informer) {
	f.running.Add(1)
	go func() {
		defer f.running.Done()
		if err := inf.Run(f.ctx); err != nil {
			f.log.Error("informer stopped", "err", err)
		}
	}()
}

// WaitForSync waits until every informer made so far has its first list,
// or ctx ends (false).
func (f *Informers) WaitForSync(ctx context.Context) bool {
	f.mu.Lock()
	all := make([]informer, 0, len(f.byType))
	for _, inf := range f.byType {
		all = append(all, inf)
	}
	f.mu.Unlock()
	for _, inf := range all {
		if !inf.WaitForSync(ctx) {
			return false
		}
	}
	return true
}

// Wait waits for the informers' goroutines, after the Start context ended.
func (f *Informers) Wait() { f.running.Wait() }
