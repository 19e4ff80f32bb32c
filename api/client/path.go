package client

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/scheme"
)

// ListOptions narrow a list or watch; the zero value lists everything.
type ListOptions struct {
	LabelSelector string
	FieldSelector string
	// ResourceVersion: for a list, "" reads the latest state and "0"
	// anything the server has cached; for a watch, where to start.
	ResourceVersion string
	// Limit and Continue page a list.
	Limit    int64
	Continue string
	// TimeoutSeconds asks the server to end a watch after that long.
	TimeoutSeconds      int64
	AllowWatchBookmarks bool
}

func (o *ListOptions) query() url.Values {
	q := url.Values{}
	if o.LabelSelector != "" {
		q.Set("labelSelector", o.LabelSelector)
	}
	if o.FieldSelector != "" {
		q.Set("fieldSelector", o.FieldSelector)
	}
	if o.ResourceVersion != "" {
		q.Set("resourceVersion", o.ResourceVersion)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.FormatInt(o.Limit, 10))
	}
	if o.Continue != "" {
		q.Set("continue", o.Continue)
	}
	if o.TimeoutSeconds > 0 {
		q.Set("timeoutSeconds", strconv.FormatInt(o.TimeoutSeconds, 10))
	}
	if o.AllowWatchBookmarks {
		q.Set("allowWatchBookmarks", "true")
	}
	return q
}

// PatchType is the media type of a patch body.
type PatchType string

// Patch types the server accepts.
const (
	MergePatch          PatchType = "application/merge-patch+json"
	JSONPatch           PatchType = "application/json-patch+json"
	StrategicMergePatch PatchType = "application/strategic-merge-patch+json"
)

// CollectionPath is the escaped path where r's objects in ns are listed
// and created, for use with Do and Stream:
// /api/v1/namespaces/{ns}/{plural} for the core group,
// /apis/{group}/{version}/... for the others. A namespaced kind with ns ""
// is listed across all namespaces; a cluster-scoped kind ignores ns.
func CollectionPath(r *scheme.Resource, ns string) string {
	var b strings.Builder
	if r.Group == "" {
		b.WriteString("/api/" + r.Version)
	} else {
		b.WriteString("/apis/" + r.Group + "/" + r.Version)
	}
	if r.Namespaced && ns != "" {
		b.WriteString("/namespaces/" + url.PathEscape(ns))
	}
	b.WriteString("/" + r.Plural)
	return b.String()
}

// ObjectPath is the escaped path of one object, or of its subresource
// ("status", "log"); it fails without a name, or without a namespace for a
// namespaced kind.
func ObjectPath(r *scheme.Resource, ns, name string, subresource ...string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%s: a name is required", r.GroupResource())
	}
	if r.Namespaced && ns == "" {
		return "", fmt.Errorf("%s %q: a namespace is required", r.GroupResource(), name)
	}
	p := CollectionPath(r, ns) + "/" + url.PathEscape(name)
	for _, s := range subresource {
		p += "/" + url.PathEscape(s)
	}
	return p, nil
}

// createPath is the collection a create posts to; a namespaced kind needs
// a namespace there.
func createPath(r *scheme.Resource, ns string) (string, error) {
	if r.Namespaced && ns == "" {
		return "", fmt.Errorf("%s: a namespace is required to create", r.GroupResource())
	}
	return CollectionPath(r, ns), nil
}
