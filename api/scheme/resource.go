package scheme

import (
	"reflect"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// Resource describes one kind and the REST resource that serves it.
type Resource struct {
	Group      string // "" for the core group
	Version    string // "v1"
	Kind       string // "Pod"
	Plural     string // "pods"
	Singular   string // "pod"
	ShortNames []string
	// Categories groups resources for `get all`.
	Categories []string
	Namespaced bool
	// HasStatus says the kind has a status subresource: writes to the main
	// resource keep the stored status and writes to /status keep the rest.
	HasStatus bool
	// NameIsLabel says names must be DNS-1123 labels (63 characters, no
	// dots) rather than subdomains, as for namespaces and services.
	NameIsLabel bool

	// New returns a pointer to a zero object of the kind.
	New func() meta.Object
	// Default fills in defaults, as Kubernetes does on every write.
	Default func(obj meta.Object)
	// Validate checks a defaulted object; metadata is checked generically.
	Validate func(obj meta.Object) validate.ErrorList
	// ValidateUpdate checks what an update may not change (immutable fields).
	ValidateUpdate func(obj, old meta.Object) validate.ErrorList
	// PrepareForCreate resets what a client may not set on create (a new
	// Pod's status, for instance).
	PrepareForCreate func(obj meta.Object)
	// PrepareForUpdate adjusts an update before validation, given the stored object.
	PrepareForUpdate func(obj, old meta.Object)
	// DeleteGracePeriod returns how long a delete waits for the object to
	// wind down (a Pod's grace period), given the grace period the request
	// asked for; 0 deletes at once. Nil means every delete is immediate.
	DeleteGracePeriod func(obj meta.Object, requested *int64) int64
	// Fields returns the kind's own selectable fields (spec.nodeName,
	// status.phase, ...); metadata.name and metadata.namespace come for free.
	Fields func(obj meta.Object) map[string]string
	// Columns and Row render the kind as a table for `get`.
	Columns []meta.TableColumnDefinition
	Row     func(obj meta.Object) []any
}

// APIVersion is the group/version as written in manifests: "v1", "apps/v1".
func (r *Resource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// GroupResource names the resource in errors: "pods", "deployments.apps".
func (r *Resource) GroupResource() errdefs.Resource {
	return errdefs.Resource{Group: r.Group, Resource: r.Plural}
}

// ListKind is the kind of the resource's list: "PodList".
func (r *Resource) ListKind() string { return r.Kind + "List" }

// Type is the Go type of the kind (not a pointer).
func (r *Resource) Type() reflect.Type { return reflect.TypeOf(r.New()).Elem() }

// FieldSet returns every selectable field of obj with its value.
func (r *Resource) FieldSet(obj meta.Object) map[string]string {
	m := obj.GetObjectMeta()
	set := map[string]string{"metadata.name": m.Name}
	if r.Namespaced {
		set["metadata.namespace"] = m.Namespace
	}
	if r.Fields != nil {
		for k, v := range r.Fields(obj) {
			set[k] = v
		}
	}
	return set
}

// SupportsField reports whether field can be used in a field selector.
func (r *Resource) SupportsField(field string) bool {
	_, ok := r.FieldSet(r.New())[field]
	return ok
}

// SetTypeMeta stamps obj with the kind's apiVersion and kind.
func (r *Resource) SetTypeMeta(obj meta.Object) {
	*obj.GetTypeMeta() = meta.TypeMeta{APIVersion: r.APIVersion(), Kind: r.Kind}
}
