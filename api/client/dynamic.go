package client

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// Dynamic is untyped access to one kind: bodies and replies are raw JSON,
// as the CLI handles manifests of any kind. Convert YAML with codec.ToJSON
// first. Namespaces work as for Resource.
type Dynamic struct {
	c *Client
	r *scheme.Resource
}

// Dynamic returns untyped access to the kind r.
func (c *Client) Dynamic(r *scheme.Resource) *Dynamic { return &Dynamic{c: c, r: r} }

// Resource returns the description of the kind.
func (d *Dynamic) Resource() *scheme.Resource { return d.r }

func (d *Dynamic) raw(ctx context.Context, rq *request) (json.RawMessage, error) {
	b, _, err := d.c.do(ctx, rq)
	return b, err
}

// Get reads one object.
func (d *Dynamic) Get(ctx context.Context, ns, name string) (json.RawMessage, error) {
	p, err := ObjectPath(d.r, ns, name)
	if err != nil {
		return nil, err
	}
	return d.raw(ctx, &request{method: http.MethodGet, path: p})
}

// List returns the raw list (kind "<Kind>List") of the objects in ns, or
// in all namespaces when ns is "".
func (d *Dynamic) List(ctx context.Context, ns string, opts ListOptions) (json.RawMessage, error) {
	return d.raw(ctx, &request{method: http.MethodGet, path: CollectionPath(d.r, ns), query: opts.query()})
}

// Create posts the JSON object obj to ns and returns the stored object.
func (d *Dynamic) Create(ctx context.Context, ns string, obj []byte) (json.RawMessage, error) {
	p, err := createPath(d.r, ns)
	if err != nil {
		return nil, err
	}
	return d.raw(ctx, &request{method: http.MethodPost, path: p, body: obj})
}

// Update puts the JSON object obj at ns/name (or at its subresource, such
// as "status") and returns the stored object.
func (d *Dynamic) Update(ctx context.Context, ns, name string, obj []byte, subresource ...string) (json.RawMessage, error) {
	p, err := ObjectPath(d.r, ns, name, subresource...)
	if err != nil {
		return nil, err
	}
	return d.raw(ctx, &request{method: http.MethodPut, path: p, body: obj})
}

// Patch applies a patch of type pt and returns the patched object.
func (d *Dynamic) Patch(ctx context.Context, ns, name string, pt PatchType, data []byte, subresource ...string) (json.RawMessage, error) {
	p, err := ObjectPath(d.r, ns, name, subresource...)
	if err != nil {
		return nil, err
	}
	return d.raw(ctx, &request{method: http.MethodPatch, path: p, contentType: string(pt), body: data})
}

// Delete deletes the object and returns the server's reply: a Status, or
// the object when deletion waits on finalizers or a grace period.
func (d *Dynamic) Delete(ctx context.Context, ns, name string, opts *meta.DeleteOptions) (json.RawMessage, error) {
	rq, err := deleteRequest(d.r, ns, name, opts)
	if err != nil {
		return nil, err
	}
	return d.raw(ctx, rq)
}

// Watch starts a watch of the objects in ns (all namespaces when "").
func (d *Dynamic) Watch(ctx context.Context, ns string, opts ListOptions) (*RawWatcher, error) {
	s, err := watch(ctx, d.c, CollectionPath(d.r, ns), opts, func(b json.RawMessage) (json.RawMessage, error) { return b, nil })
	if err != nil {
		return nil, err
	}
	return &RawWatcher{s: s}, nil
}
