package apps

import (
	"github.com/wharf/wharf/api/labels"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// Scale is the body of the /scale subresource (autoscaling/v1 Scale): just
// the replica counts of a scalable object, so that `kubectl scale` and
// autoscalers need not know its kind.
type Scale struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            ScaleSpec   `json:"spec,omitempty"`
	Status          ScaleStatus `json:"status,omitempty"`
}

// ScaleSpec is the desired replica count.
type ScaleSpec struct {
	Replicas int32 `json:"replicas,omitempty"`
}

// ScaleStatus is the observed replica count and the selector of the pods
// counted, in the string syntax ("app=web").
type ScaleStatus struct {
	Replicas int32  `json:"replicas"`
	Selector string `json:"selector,omitempty"`
}

// ScaleTypeMeta is what every Scale is stamped with.
var ScaleTypeMeta = meta.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"}

// DeploymentScale returns d's Scale. Its resourceVersion is d's, so a scale
// update is checked against the deployment it came from.
func DeploymentScale(d *Deployment) *Scale {
	return &Scale{
		TypeMeta:   ScaleTypeMeta,
		ObjectMeta: scaleMeta(&d.ObjectMeta),
		Spec:       ScaleSpec{Replicas: derefInt32(d.Spec.Replicas)},
		Status:     ScaleStatus{Replicas: d.Status.Replicas, Selector: selectorString(d.Spec.Selector)},
	}
}

// ReplicaSetScale returns rs's Scale.
func ReplicaSetScale(rs *ReplicaSet) *Scale {
	return &Scale{
		TypeMeta:   ScaleTypeMeta,
		ObjectMeta: scaleMeta(&rs.ObjectMeta),
		Spec:       ScaleSpec{Replicas: derefInt32(rs.Spec.Replicas)},
		Status:     ScaleStatus{Replicas: rs.Status.Replicas, Selector: selectorString(rs.Spec.Selector)},
	}
}

func scaleMeta(m *meta.ObjectMeta) meta.ObjectMeta {
	return meta.ObjectMeta{
		Name:              m.Name,
		Namespace:         m.Namespace,
		UID:               m.UID,
		ResourceVersion:   m.ResourceVersion,
		CreationTimestamp: m.CreationTimestamp,
	}
}

func selectorString(s *meta.LabelSelector) string {
	sel, err := labels.FromLabelSelector(s)
	if err != nil {
		return ""
	}
	return sel.String()
}

// ValidateScale validates a scale request.
func ValidateScale(s *Scale) validate.ErrorList {
	return nonNegative(int64(s.Spec.Replicas), validate.NewPath("spec", "replicas"))
}
