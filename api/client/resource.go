package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// Resource is typed access to one kind. Methods take the namespace first;
// it is ignored for cluster-scoped kinds.
type Resource[T any, PT interface {
	*T
	meta.Object
}] struct {
	c *Client
	r *scheme.Resource
}

// For returns typed access to kind T, which must be in the client's
// scheme: a kind missing from it is a programming error, and For panics.
func For[T any, PT interface {
	*T
	meta.Object
}](c *Client) *Resource[T, PT] {
	t := reflect.TypeFor[T]()
	r, ok := c.scheme.ByType(t)
	if !ok {
		panic(fmt.Sprintf("client.For: %v is not a kind of the scheme", t))
	}
	return &Resource[T, PT]{c: c, r: r}
}

// Resource returns the description of the kind.
func (r *Resource[T, PT]) Resource() *scheme.Resource { return r.r }

// Get reads one object.
func (r *Resource[T, PT]) Get(ctx context.Context, ns, name string) (PT, error) {
	p, err := ObjectPath(r.r, ns, name)
	if err != nil {
		return nil, err
	}
	return r.object(ctx, &request{method: http.MethodGet, path: p})
}

// List reads the objects in ns, or in all namespaces when ns is "".
func (r *Resource[T, PT]) List(ctx context.Context, ns string, opts ListOptions) (*meta.List[T], error) {
	rq := &request{method: http.MethodGet, path: CollectionPath(r.r, ns), query: opts.query()}
	b, _, err := r.c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	var l meta.List[T]
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("GET %s: decoding the %s: %w", rq.url(r.c.base), r.r.ListKind(), err)
	}
	return &l, nil
}

// Create creates obj in ns (obj's own namespace when ns is "") and returns
// the object as stored.
func (r *Resource[T, PT]) Create(ctx context.Context, ns string, obj PT) (PT, error) {
	if ns == "" {
		ns = obj.GetObjectMeta().Namespace
	}
	p, err := createPath(r.r, ns)
	if err != nil {
		return nil, err
	}
	body, err := r.encode(obj)
	if err != nil {
		return nil, err
	}
	return r.object(ctx, &request{method: http.MethodPost, path: p, body: body})
}

// Update replaces the object named by obj's metadata. The server refuses
// it with a Conflict when obj's resourceVersion is not the current one.
func (r *Resource[T, PT]) Update(ctx context.Context, obj PT) (PT, error) {
	return r.put(ctx, obj)
}

// UpdateStatus replaces the status of the object named by obj's metadata
// (PUT .../status); the server keeps the rest as stored.
func (r *Resource[T, PT]) UpdateStatus(ctx context.Context, obj PT) (PT, error) {
	return r.put(ctx, obj, "status")
}

func (r *Resource[T, PT]) put(ctx context.Context, obj PT, subresource ...string) (PT, error) {
	m := obj.GetObjectMeta()
	p, err := ObjectPath(r.r, m.Namespace, m.Name, subresource...)
	if err != nil {
		return nil, err
	}
	body, err := r.encode(obj)
	if err != nil {
		return nil, err
	}
	return r.object(ctx, &request{method: http.MethodPut, path: p, body: body})
}

// Patch applies a patch of type pt to the object, or to its subresource.
func (r *Resource[T, PT]) Patch(ctx context.Context, ns, name string, pt PatchType, data []byte, subresource ...string) (PT, error) {
	p, err := ObjectPath(r.r, ns, name, subresource...)
	if err != nil {
		return nil, err
	}
	return r.object(ctx, &request{method: http.MethodPatch, path: p, contentType: string(pt), body: data})
}

// Delete deletes the object; opts (may be nil) set the grace period,
// preconditions and propagation policy.
func (r *Resource[T, PT]) Delete(ctx context.Context, ns, name string, opts *meta.DeleteOptions) error {
	rq, err := deleteRequest(r.r, ns, name, opts)
	if err != nil {
		return err
	}
	_, _, err = r.c.do(ctx, rq)
	return err
}

// Watch starts a watch of the objects in ns (all namespaces when "").
// Stop the watcher when done with it.
func (r *Resource[T, PT]) Watch(ctx context.Context, ns string, opts ListOptions) (*Watcher[T, PT], error) {
	s, err := watch(ctx, r.c, CollectionPath(r.r, ns), opts, func(b json.RawMessage) (PT, error) { return decodeObject[T, PT](b) })
	if err != nil {
		return nil, err
	}
	return &Watcher[T, PT]{s: s}, nil
}

func (r *Resource[T, PT]) object(ctx context.Context, rq *request) (PT, error) {
	b, _, err := r.c.do(ctx, rq)
	if err != nil {
		return nil, err
	}
	obj, err := decodeObject[T, PT](b)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", rq.method, rq.url(r.c.base), err)
	}
	return obj, nil
}

// encode marshals obj with its apiVersion and kind filled in, without
// changing the caller's object.
func (r *Resource[T, PT]) encode(obj PT) ([]byte, error) {
	v := *obj
	cp := PT(&v)
	if tm := cp.GetTypeMeta(); tm.APIVersion == "" || tm.Kind == "" {
		r.r.SetTypeMeta(cp)
	}
	b, err := json.Marshal(cp)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", r.r.Kind, err)
	}
	return b, nil
}

func decodeObject[T any, PT interface {
	*T
	meta.Object
}](b []byte) (PT, error) {
	obj := PT(new(T))
	if err := json.Unmarshal(b, obj); err != nil {
		return nil, fmt.Errorf("decoding %T: %w", obj, err)
	}
	return obj, nil
}

func deleteRequest(r *scheme.Resource, ns, name string, opts *meta.DeleteOptions) (*request, error) {
	p, err := ObjectPath(r, ns, name)
	if err != nil {
		return nil, err
	}
	rq := &request{method: http.MethodDelete, path: p}
	if opts != nil {
		b, err := json.Marshal(opts)
		if err != nil {
			return nil, fmt.Errorf("encoding DeleteOptions: %w", err)
		}
		rq.body = b
	}
	return rq, nil
}
