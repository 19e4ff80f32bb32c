package apps

import (
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// ReplicaSet keeps a number of pods from one template running; deployments
// own one per template revision.
type ReplicaSet struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            ReplicaSetSpec   `json:"spec,omitempty"`
	Status          ReplicaSetStatus `json:"status,omitempty"`
}

// ReplicaSetSpec is the desired state of a replica set.
type ReplicaSetSpec struct {
	Replicas        *int32               `json:"replicas,omitempty"`
	MinReadySeconds int32                `json:"minReadySeconds,omitempty"`
	Selector        *meta.LabelSelector  `json:"selector"`
	Template        core.PodTemplateSpec `json:"template,omitempty"`
}

// ReplicaSetStatus is what the replica set controller last observed.
type ReplicaSetStatus struct {
	Replicas int32 `json:"replicas"`
	// FullyLabeledReplicas carry every label of the template, not just
	// those the selector needs.
	FullyLabeledReplicas int32                 `json:"fullyLabeledReplicas,omitempty"`
	ReadyReplicas        int32                 `json:"readyReplicas,omitempty"`
	AvailableReplicas    int32                 `json:"availableReplicas,omitempty"`
	ObservedGeneration   int64                 `json:"observedGeneration,omitempty"`
	Conditions           []ReplicaSetCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// ReplicaSetConditionType names a replica set condition.
type ReplicaSetConditionType string

// ReplicaSetReplicaFailure is set when pods could not be created or deleted
// (a quota, an admission webhook).
const ReplicaSetReplicaFailure ReplicaSetConditionType = "ReplicaFailure"

// ReplicaSetCondition is one observed aspect of a replica set.
type ReplicaSetCondition struct {
	Type               ReplicaSetConditionType `json:"type"`
	Status             core.ConditionStatus    `json:"status"`
	LastTransitionTime meta.Time               `json:"lastTransitionTime,omitempty"`
	Reason             string                  `json:"reason,omitempty"`
	Message            string                  `json:"message,omitempty"`
}

// DefaultReplicaSet fills in a replica set's defaults as apps/v1 does.
func DefaultReplicaSet(rs *ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr[int32](1)
	}
	core.DefaultPodSpec(&rs.Spec.Template.Spec)
}

func prepareReplicaSetForCreate(rs *ReplicaSet) {
	rs.Status = ReplicaSetStatus{}
	rs.Generation = 1
}

func prepareReplicaSetForUpdate(rs, old *ReplicaSet) {
	n := meta.DeepCopy(*rs)
	DefaultReplicaSet(&n)
	rs.Generation = nextGeneration(old.Generation, n.Spec, old.Spec)
}

// ValidateReplicaSet validates a defaulted replica set's spec and status.
func ValidateReplicaSet(rs *ReplicaSet) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	if rs.Spec.Replicas != nil {
		errs = append(errs, nonNegative(int64(*rs.Spec.Replicas), spec.Child("replicas"))...)
	}
	errs = append(errs, nonNegative(int64(rs.Spec.MinReadySeconds), spec.Child("minReadySeconds"))...)
	errs = append(errs, validatePodSet(rs.Spec.Selector, &rs.Spec.Template, "replicaset", spec)...)

	s, p := rs.Status, validate.NewPath("status")
	errs = append(errs, nonNegative(int64(s.Replicas), p.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(s.FullyLabeledReplicas), p.Child("fullyLabeledReplicas"))...)
	errs = append(errs, nonNegative(int64(s.ReadyReplicas), p.Child("readyReplicas"))...)
	errs = append(errs, nonNegative(int64(s.AvailableReplicas), p.Child("availableReplicas"))...)
	errs = append(errs, nonNegative(s.ObservedGeneration, p.Child("observedGeneration"))...)
	errs = append(errs, notAbove(s.FullyLabeledReplicas, s.Replicas, "status.replicas", p.Child("fullyLabeledReplicas"))...)
	errs = append(errs, notAbove(s.ReadyReplicas, s.Replicas, "status.replicas", p.Child("readyReplicas"))...)
	errs = append(errs, notAbove(s.AvailableReplicas, s.Replicas, "status.replicas", p.Child("availableReplicas"))...)
	errs = append(errs, notAbove(s.AvailableReplicas, s.ReadyReplicas, "readyReplicas", p.Child("availableReplicas"))...)
	return errs
}

// ValidateReplicaSetUpdate keeps a replica set's selector.
func ValidateReplicaSetUpdate(rs, old *ReplicaSet) validate.ErrorList {
	return selectorUpdate(rs.Spec.Selector, old.Spec.Selector, validate.NewPath("spec", "selector"))
}
