package ctl

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
)

// resourcePath is the path of res's collection in ns (every namespace when
// ns is ""), or of the object name in it.
func resourcePath(res *scheme.Resource, ns, name string) string {
	p := client.CollectionPath(res, ns)
	if name != "" {
		p += "/" + url.PathEscape(name)
	}
	return p
}

// listQuery is the query of a list or watch.
type listQuery struct {
	labelSelector   string
	fieldSelector   string
	resourceVersion string
	limit           int64
	continueToken   string
}

func (q listQuery) values() url.Values {
	v := url.Values{}
	if q.labelSelector != "" {
		v.Set("labelSelector", q.labelSelector)
	}
	if q.fieldSelector != "" {
		v.Set("fieldSelector", q.fieldSelector)
	}
	if q.resourceVersion != "" {
		v.Set("resourceVersion", q.resourceVersion)
	}
	if q.limit > 0 {
		v.Set("limit", strconv.FormatInt(q.limit, 10))
	}
	if q.continueToken != "" {
		v.Set("continue", q.continueToken)
	}
	return v
}

// getObject reads one object as JSON.
func (s *session) getObject(ctx context.Context, res *scheme.Resource, ns, name string) ([]byte, error) {
	b, _, err := s.client.Do(ctx, http.MethodGet, resourcePath(res, ns, name), nil, "", nil, "")
	return b, err
}

// getTable reads one object rendered as a one-row Table.
func (s *session) getTable(ctx context.Context, res *scheme.Resource, ns, name string) (*meta.Table, error) {
	b, _, err := s.client.Do(ctx, http.MethodGet, resourcePath(res, ns, name), nil, "", nil, client.AcceptTable)
	if err != nil {
		return nil, err
	}
	return decodeTable(b)
}

func decodeTable(b []byte) (*meta.Table, error) {
	var t meta.Table
	if err := decodeJSON(b, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// rawList is a list as the server sends it, items left as JSON.
type rawList struct {
	Metadata meta.ListMeta     `json:"metadata"`
	Items    []json.RawMessage `json:"items"`
}

// listObjects lists res in ns page by page, chunk objects a page (0: all at
// once), and returns every item and the revision of the first page.
func (s *session) listObjects(ctx context.Context, res *scheme.Resource, ns string, q listQuery, chunk int64) ([]json.RawMessage, string, error) {
	var items []json.RawMessage
	rv := ""
	q.limit = chunk
	for {
		b, _, err := s.client.Do(ctx, http.MethodGet, resourcePath(res, ns, ""), q.values(), "", nil, "")
		if err != nil {
			return nil, "", err
		}
		var l rawList
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, "", err
		}
		if rv == "" {
			rv = l.Metadata.ResourceVersion
		}
		items = append(items, l.Items...)
		if l.Metadata.Continue == "" {
			return items, rv, nil
		}
		q.continueToken = l.Metadata.Continue
	}
}

// listTable lists res in ns as a Table, page by page, and returns one
// Table with every row and the columns and revision of the first page.
func (s *session) listTable(ctx context.Context, res *scheme.Resource, ns string, q listQuery, chunk int64) (*meta.Table, error) {
	var all *meta.Table
	q.limit = chunk
	for {
		b, _, err := s.client.Do(ctx, http.MethodGet, resourcePath(res, ns, ""), q.values(), "", nil, client.AcceptTable)
		if err != nil {
			return nil, err
		}
		t, err := decodeTable(b)
		if err != nil {
			return nil, err
		}
		if all == nil {
			all = t
		} else {
			all.Rows = append(all.Rows, t.Rows...)
		}
		if t.Continue == "" {
			all.Continue = ""
			return all, nil
		}
		q.continueToken = t.Continue
	}
}
