package apiserver

import (
	"net"
	"net/http"
	"runtime"
	"sort"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/scheme"
)

// Version is the Kubernetes API level Wharf speaks, reported at /version so
// that clients pick compatible behaviour.
const (
	apiMajor = "1"
	apiMinor = "31"
)

// WharfVersion is Wharf's own version, set at build time.
var WharfVersion = "v0.1.0"

type apiResource struct {
	Name         string   `json:"name"`
	SingularName string   `json:"singularName"`
	Namespaced   bool     `json:"namespaced"`
	Group        string   `json:"group,omitempty"`
	Version      string   `json:"version,omitempty"`
	Kind         string   `json:"kind"`
	Verbs        []string `json:"verbs"`
	ShortNames   []string `json:"shortNames,omitempty"`
	Categories   []string `json:"categories,omitempty"`
}

type groupVersion struct {
	GroupVersion string `json:"groupVersion"`
	Version      string `json:"version"`
}

type apiGroup struct {
	Kind             string         `json:"kind,omitempty"`
	APIVersion       string         `json:"apiVersion,omitempty"`
	Name             string         `json:"name"`
	Versions         []groupVersion `json:"versions"`
	PreferredVersion groupVersion   `json:"preferredVersion"`
}

var resourceVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// discovery serves /api, /apis, /apis/{group} and the resource lists.
type discovery struct {
	scheme *scheme.Scheme
}

func (d *discovery) coreVersions(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "443")
	}
	writeJSON(w, r, http.StatusOK, map[string]any{
		"kind":     "APIVersions",
		"versions": []string{"v1"},
		"serverAddressByClientCIDRs": []map[string]string{
			{"clientCIDR": "0.0.0.0/0", "serverAddress": host},
		},
	})
}

func (d *discovery) group(name string) apiGroup {
	v := ""
	for _, res := range d.scheme.Resources() {
		if res.Group == name {
			v = res.Version
			break
		}
	}
	gv := groupVersion{GroupVersion: name + "/" + v, Version: v}
	return apiGroup{Name: name, Versions: []groupVersion{gv}, PreferredVersion: gv}
}

func (d *discovery) groups(w http.ResponseWriter, r *http.Request) {
	var gs []apiGroup
	for _, g := range d.scheme.Groups() {
		if g != "" {
			gs = append(gs, d.group(g))
		}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": gs})
}

func (d *discovery) groupInfo(w http.ResponseWriter, r *http.Request, name string) {
	g := d.group(name)
	if g.PreferredVersion.Version == "" {
		writeError(w, r, errdefs.NotFound(errdefs.Resource{Resource: "groups"}, name))
		return
	}
	g.Kind, g.APIVersion = "APIGroup", "v1"
	writeJSON(w, r, http.StatusOK, g)
}

// resources serves the APIResourceList of one group/version.
func (d *discovery) resources(w http.ResponseWriter, r *http.Request, group, version string) {
	var list []apiResource
	for _, res := range d.scheme.Resources() {
		if res.Group != group || res.Version != version {
			continue
		}
		list = append(list, apiResource{
			Name: res.Plural, SingularName: res.Singular, Namespaced: res.Namespaced, Kind: res.Kind,
			Verbs: resourceVerbs, ShortNames: res.ShortNames, Categories: res.Categories,
		})
		if res.HasStatus {
			list = append(list, apiResource{Name: res.Plural + "/status", Namespaced: res.Namespaced, Kind: res.Kind, Verbs: []string{"get", "patch", "update"}})
		}
		if _, ok := scalers[res.Kind]; ok && res.Group == "apps" {
			list = append(list, apiResource{Name: res.Plural + "/scale", Namespaced: res.Namespaced, Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: []string{"get", "patch", "update"}})
		}
		if res.Kind == "Pod" && res.Group == "" {
			list = append(list, apiResource{Name: res.Plural + "/binding", Namespaced: true, Kind: "Binding", Verbs: []string{"create"}},
				apiResource{Name: res.Plural + "/exec", Namespaced: true, Kind: "PodExecOptions", Verbs: []string{"create", "get"}},
				apiResource{Name: res.Plural + "/log", Namespaced: true, Kind: "Pod", Verbs: []string{"get"}})
		}
		if res.Kind == "Namespace" {
			list = append(list, apiResource{Name: res.Plural + "/finalize", Namespaced: false, Kind: res.Kind, Verbs: []string{"update"}})
		}
	}
	if list == nil {
		writeError(w, r, errdefs.NotFound(errdefs.Resource{Resource: "groupversions"}, group+"/"+version))
		return
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	gv := version
	if group != "" {
		gv = group + "/" + version
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
}

func serveVersion(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, map[string]string{
		"major":        apiMajor,
		"minor":        apiMinor,
		"gitVersion":   "v" + apiMajor + "." + apiMinor + ".0-wharf+" + WharfVersion,
		"gitCommit":    "",
		"gitTreeState": "clean",
		"buildDate":    "",
		"goVersion":    runtime.Version(),
		"compiler":     runtime.Compiler,
		"platform":     runtime.GOOS + "/" + runtime.GOARCH,
	})
}
