package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/fields"
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/storage"
)

func formatRev(rev int64) string { return strconv.FormatInt(rev, 10) }

// Get reads one object from etcd (a quorum read, as Kubernetes does when no
// resourceVersion is given).
func (r *Registry) Get(ctx context.Context, ns, name string) (meta.Object, error) {
	kv, err := r.store.Get(ctx, r.key(ns, name))
	if err != nil {
		return nil, r.storageError(err, name)
	}
	return r.decode(kv.Value, kv.ModRevision)
}

// Item is one object of a list: the decoded object and its JSON, which the
// watch cache renders once for all readers.
type Item struct {
	Object meta.Object
	Raw    []byte
}

// ListOptions select and page a list.
type ListOptions struct {
	Labels labels.Selector
	Fields fields.Selector
	// ResourceVersion is "" for a consistent read, "0" for whatever the
	// cache has, or a revision the result must not be older than.
	ResourceVersion string
	Limit           int64
	Continue        string
}

// ListResult is a page of a list.
type ListResult struct {
	Items     []Item
	Revision  int64
	Continue  string
	Remaining *int64
}

// Filter reports whether obj is in namespace ns ("" for all) and matches
// the selectors.
func (r *Registry) Filter(ns string, ls labels.Selector, fs fields.Selector) func(obj any) bool {
	return func(o any) bool {
		obj := o.(meta.Object)
		m := obj.GetObjectMeta()
		if ns != "" && r.res.Namespaced && m.Namespace != ns {
			return false
		}
		if ls != nil && !ls.Empty() && !ls.Matches(m.Labels) {
			return false
		}
		if fs != nil && !fs.Empty() && !fs.Matches(r.res.FieldSet(obj)) {
			return false
		}
		return true
	}
}

// CheckFields rejects a field selector on a field the kind cannot select on.
func (r *Registry) CheckFields(fs fields.Selector) error {
	if fs == nil {
		return nil
	}
	for _, req := range fs.Requirements() {
		if !r.res.SupportsField(req.Field) {
			return errdefs.BadRequest("field label not supported: %s", req.Field)
		}
	}
	return nil
}

// List returns the objects in ns ("" for all namespaces) that match. Pages
// (limit/continue) are read from etcd at the revision of the first page;
// whole lists come from the watch cache.
func (r *Registry) List(ctx context.Context, ns string, opts ListOptions) (*ListResult, error) {
	if err := r.CheckFields(opts.Fields); err != nil {
		return nil, err
	}
	filter := r.Filter(ns, opts.Labels, opts.Fields)
	if opts.Limit > 0 || opts.Continue != "" {
		return r.listPage(ctx, ns, opts, filter)
	}
	minRev, err := r.minRevision(ctx, opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	entries, rev, err := r.cache.List(ctx, minRev)
	if err != nil {
		return nil, r.storageError(err, "")
	}
	prefix := r.nsPrefix(ns)
	res := &ListResult{Revision: rev}
	for _, e := range entries {
		if !strings.HasPrefix(e.Key, prefix) || !filter(e.Object) {
			continue
		}
		res.Items = append(res.Items, Item{Object: e.Object.(meta.Object), Raw: e.Raw})
	}
	return res, nil
}

// minRevision turns a list's resourceVersion into the revision the watch
// cache must have reached before answering.
func (r *Registry) minRevision(ctx context.Context, rv string) (int64, error) {
	switch rv {
	case "":
		rev, err := r.store.CurrentRevision(ctx)
		if err != nil {
			return 0, r.storageError(err, "")
		}
		return rev, nil
	case "0":
		return 0, nil
	}
	rev, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || rev < 0 {
		return 0, errdefs.BadRequest("invalid resourceVersion %q", rv)
	}
	return rev, nil
}

type continueToken struct {
	Rev   int64  `json:"rv"`
	Start string `json:"start"`
}

func (r *Registry) listPage(ctx context.Context, ns string, opts ListOptions, filter func(any) bool) (*ListResult, error) {
	prefix := r.nsPrefix(ns)
	var rev int64
	startAfter := ""
	if opts.Continue != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.Continue)
		var tok continueToken
		if err == nil {
			err = json.Unmarshal(b, &tok)
		}
		if err != nil || tok.Rev <= 0 || !strings.HasPrefix(tok.Start, prefix) {
			return nil, errdefs.BadRequest("invalid continue token")
		}
		rev, startAfter = tok.Rev, tok.Start
	} else if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
		var err error
		if rev, err = r.minRevision(ctx, opts.ResourceVersion); err != nil {
			return nil, err
		}
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 500
	}
	res := &ListResult{}
	selective := (opts.Labels != nil && !opts.Labels.Empty()) || (opts.Fields != nil && !opts.Fields.Empty())
	for {
		page, err := r.store.List(ctx, prefix, storage.ListOptions{Revision: rev, StartAfter: startAfter, Limit: limit - int64(len(res.Items))})
		if err != nil {
			if opts.Continue != "" && errors.Is(err, storage.ErrCompacted) {
				return nil, errdefs.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
			}
			return nil, r.storageError(err, "")
		}
		rev = page.Revision
		for _, kv := range page.Items {
			startAfter = kv.Key
			obj, err := r.decode(kv.Value, kv.ModRevision)
			if err != nil {
				return nil, errdefs.Internal(err)
			}
			if !filter(obj) {
				continue
			}
			raw, err := json.Marshal(obj)
			if err != nil {
				return nil, errdefs.Internal(err)
			}
			res.Items = append(res.Items, Item{Object: obj, Raw: raw})
		}
		if !page.More {
			break
		}
		if int64(len(res.Items)) >= limit {
			tok, _ := json.Marshal(continueToken{Rev: rev, Start: startAfter})
			res.Continue = base64.RawURLEncoding.EncodeToString(tok)
			if !selective {
				n := page.Remaining
				res.Remaining = &n
			}
			break
		}
	}
	res.Revision = rev
	return res, nil
}
