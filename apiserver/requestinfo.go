package apiserver

import (
	"net/http"
	"strings"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/scheme"
)

// requestInfo is what a resource request's path and method say.
type requestInfo struct {
	Verb        string // get list watch create update patch delete deletecollection
	Resource    *scheme.Resource
	Namespace   string
	Name        string
	Subresource string
}

// subresources every resource may have, by name; which one a kind really
// has is checked by its handler.
var subresourceNames = map[string]bool{"status": true, "scale": true, "finalize": true, "binding": true, "log": true, "exec": true}

// parseRequest resolves /api/v1/... and /apis/{group}/{version}/... paths.
// rest is the path after the version; group and version are known.
func parseRequest(s *scheme.Scheme, r *http.Request, group, version, rest string) (*requestInfo, error) {
	parts := splitPath(rest)
	info := &requestInfo{}
	// /namespaces/{ns}/{plural}[/{name}[/{sub}]] addresses namespaced
	// kinds; /namespaces/{name}[/{sub}] is a Namespace itself.
	if len(parts) >= 3 && parts[0] == "namespaces" && !subresourceNames[parts[2]] {
		info.Namespace = parts[1]
		parts = parts[2:]
	}
	if len(parts) == 0 {
		return nil, errdefs.NotFound(errdefs.Resource{}, r.URL.Path)
	}
	res, ok := s.ByPlural(group, version, parts[0])
	if !ok {
		return nil, errdefs.NotFound(errdefs.Resource{Group: group, Resource: parts[0]}, "")
	}
	info.Resource = res
	if info.Namespace != "" && !res.Namespaced {
		return nil, errdefs.NotFound(res.GroupResource(), "")
	}
	switch len(parts) {
	case 1:
	case 2:
		info.Name = parts[1]
	case 3:
		info.Name, info.Subresource = parts[1], parts[2]
	default:
		return nil, errdefs.NotFound(res.GroupResource(), strings.Join(parts[1:], "/"))
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case info.Name != "":
			info.Verb = "get"
		case isWatch(r):
			info.Verb = "watch"
		default:
			info.Verb = "list"
		}
	case http.MethodPost:
		info.Verb = "create"
	case http.MethodPut:
		info.Verb = "update"
	case http.MethodPatch:
		info.Verb = "patch"
	case http.MethodDelete:
		info.Verb = "delete"
		if info.Name == "" {
			info.Verb = "deletecollection"
		}
	default:
		return nil, errdefs.MethodNotAllowed("method %s is not supported", r.Method)
	}
	return info, nil
}

func isWatch(r *http.Request) bool {
	w := r.URL.Query().Get("watch")
	return w == "true" || w == "1"
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
