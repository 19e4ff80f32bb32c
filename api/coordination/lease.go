package coordination

import (
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// Lease is a time-bound claim: its holder renews it, and others may take it
// over once LeaseDurationSeconds pass without a renewal.
type Lease struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            LeaseSpec `json:"spec,omitempty"`
}

// LeaseSpec is the state of the claim. The fields are pointers, as in
// Kubernetes, so that a released lease (no holder) differs from one held by
// "".
type LeaseSpec struct {
	HolderIdentity       *string         `json:"holderIdentity,omitempty"`
	LeaseDurationSeconds *int32          `json:"leaseDurationSeconds,omitempty"`
	AcquireTime          *meta.MicroTime `json:"acquireTime,omitempty"`
	RenewTime            *meta.MicroTime `json:"renewTime,omitempty"`
	// LeaseTransitions counts changes of holder.
	LeaseTransitions *int32 `json:"leaseTransitions,omitempty"`
}

// ValidateLease validates a lease's spec.
func ValidateLease(l *Lease) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, validate.Invalid(spec.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := l.Spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, validate.Invalid(spec.Child("leaseTransitions"), *t, "must be greater than or equal to 0"))
	}
	return errs
}

// LeaseResource describes leases.
func LeaseResource() *scheme.Resource {
	return &scheme.Resource{
		Group:      "coordination.k8s.io",
		Version:    "v1",
		Kind:       "Lease",
		Plural:     "leases",
		Singular:   "lease",
		Namespaced: true,
		New:        func() meta.Object { return &Lease{} },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateLease(obj.(*Lease)) },
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Holder", table.TypeString, "The identity of the current holder of the lease."),
			table.AgeColumn(),
		},
		Row: func(obj meta.Object) []any {
			l := obj.(*Lease)
			holder := ""
			if l.Spec.HolderIdentity != nil {
				holder = *l.Spec.HolderIdentity
			}
			return []any{l.Name, holder, table.Age(l.CreationTimestamp)}
		},
	}
}

// Resources returns the coordination.k8s.io/v1 resources.
func Resources() []*scheme.Resource { return []*scheme.Resource{LeaseResource()} }
