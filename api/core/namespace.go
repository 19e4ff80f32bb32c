package core

import (
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// Namespace scopes names: two objects of a kind may share a name only in
// different namespaces.
type Namespace struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            NamespaceSpec   `json:"spec,omitempty"`
	Status          NamespaceStatus `json:"status,omitempty"`
}

// FinalizerName names a namespace finalizer: a party that must clean up
// before the namespace is removed.
type FinalizerName string

// FinalizerKubernetes is held by the namespace controller until every object
// in the namespace is gone.
const FinalizerKubernetes FinalizerName = "kubernetes"

// NamespaceSpec holds the namespace's finalizers.
type NamespaceSpec struct {
	Finalizers []FinalizerName `json:"finalizers,omitempty"`
}

// NamespacePhase is whether a namespace accepts new objects.
type NamespacePhase string

// Namespace phases.
const (
	NamespaceActive      NamespacePhase = "Active"
	NamespaceTerminating NamespacePhase = "Terminating"
)

// NamespaceStatus is the namespace's phase and what blocks its deletion.
type NamespaceStatus struct {
	Phase      NamespacePhase       `json:"phase,omitempty"`
	Conditions []NamespaceCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// NamespaceCondition reports a problem found while deleting a namespace's
// content (NamespaceDeletionContentFailure, NamespaceContentRemaining, ...).
type NamespaceCondition struct {
	Type               string          `json:"type"`
	Status             ConditionStatus `json:"status"`
	LastTransitionTime meta.Time       `json:"lastTransitionTime,omitempty"`
	Reason             string          `json:"reason,omitempty"`
	Message            string          `json:"message,omitempty"`
}

// DefaultNamespace fills in the phase of a namespace that has none.
func DefaultNamespace(ns *Namespace) {
	if ns.Status.Phase == "" {
		ns.Status.Phase = NamespaceActive
	}
}

// prepareNamespaceForCreate starts every namespace Active and held by the
// namespace controller, whatever the client sent.
func prepareNamespaceForCreate(ns *Namespace) {
	ns.Status = NamespaceStatus{Phase: NamespaceActive}
	for _, f := range ns.Spec.Finalizers {
		if f == FinalizerKubernetes {
			return
		}
	}
	ns.Spec.Finalizers = append(ns.Spec.Finalizers, FinalizerKubernetes)
}

// standardFinalizers may be written without a domain prefix.
var standardFinalizers = map[string]bool{
	string(FinalizerKubernetes): true,
	meta.FinalizerOrphan:        true,
	meta.FinalizerForeground:    true,
}

// ValidateNamespace validates a namespace's spec and status.
func ValidateNamespace(ns *Namespace) validate.ErrorList {
	var errs validate.ErrorList
	p := validate.NewPath("spec", "finalizers")
	for _, f := range ns.Spec.Finalizers {
		name := string(f)
		for _, msg := range validate.QualifiedName(name) {
			errs = append(errs, validate.Invalid(p, name, msg))
		}
		if !strings.Contains(name, "/") && !standardFinalizers[name] {
			errs = append(errs, validate.Invalid(p, name, "name is neither a standard finalizer name nor is it fully qualified"))
		}
	}
	switch ns.Status.Phase {
	case NamespaceActive, NamespaceTerminating:
	default:
		errs = append(errs, validate.NotSupported(validate.NewPath("status", "phase"), string(ns.Status.Phase),
			[]string{string(NamespaceActive), string(NamespaceTerminating)}))
	}
	return errs
}

// NamespaceResource describes namespaces.
func NamespaceResource() *scheme.Resource {
	return &scheme.Resource{
		Version:     "v1",
		Kind:        "Namespace",
		Plural:      "namespaces",
		Singular:    "namespace",
		ShortNames:  []string{"ns"},
		HasStatus:   true,
		NameIsLabel: true,
		New:         func() meta.Object { return &Namespace{} },
		Default:     func(obj meta.Object) { DefaultNamespace(obj.(*Namespace)) },
		Validate:    func(obj meta.Object) validate.ErrorList { return ValidateNamespace(obj.(*Namespace)) },
		PrepareForCreate: func(obj meta.Object) {
			prepareNamespaceForCreate(obj.(*Namespace))
		},
		Fields: func(obj meta.Object) map[string]string {
			return map[string]string{"status.phase": string(obj.(*Namespace).Status.Phase)}
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Status", table.TypeString, "The status of the namespace."),
			table.AgeColumn(),
		},
		Row: func(obj meta.Object) []any {
			ns := obj.(*Namespace)
			return []any{ns.Name, string(ns.Status.Phase), table.Age(ns.CreationTimestamp)}
		},
	}
}
