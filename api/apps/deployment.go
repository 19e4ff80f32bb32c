package apps

import (
	"bytes"
	"encoding/json"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// Deployment declares a pod template and a replica count, and rolls changes
// to the template out through ReplicaSets.
type Deployment struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            DeploymentSpec   `json:"spec,omitempty"`
	Status          DeploymentStatus `json:"status,omitempty"`
}

// DeploymentSpec is the desired state of a deployment.
type DeploymentSpec struct {
	Replicas *int32 `json:"replicas,omitempty"`
	// Selector picks the deployment's pods; it must match the template's
	// labels and cannot change.
	Selector *meta.LabelSelector  `json:"selector"`
	Template core.PodTemplateSpec `json:"template"`
	Strategy DeploymentStrategy   `json:"strategy,omitempty" patchStrategy:"retainKeys"`
	// MinReadySeconds is how long a new pod must be ready, without a
	// container crashing, to count as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// RevisionHistoryLimit is how many old, scaled-down ReplicaSets to keep
	// for rollbacks.
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
	Paused               bool   `json:"paused,omitempty"`
	// ProgressDeadlineSeconds is how long a rollout may make no progress
	// before the Progressing condition turns False.
	ProgressDeadlineSeconds *int32 `json:"progressDeadlineSeconds,omitempty"`
}

// DeploymentStrategyType is how old pods are replaced by new ones.
type DeploymentStrategyType string

// Deployment strategies.
const (
	// RecreateDeploymentStrategyType kills every old pod before creating new ones.
	RecreateDeploymentStrategyType DeploymentStrategyType = "Recreate"
	// RollingUpdateDeploymentStrategyType replaces pods a few at a time.
	RollingUpdateDeploymentStrategyType DeploymentStrategyType = "RollingUpdate"
)

// DeploymentStrategy says how a deployment replaces its pods.
type DeploymentStrategy struct {
	Type          DeploymentStrategyType   `json:"type,omitempty"`
	RollingUpdate *RollingUpdateDeployment `json:"rollingUpdate,omitempty"`
}

// RollingUpdateDeployment bounds a rolling update: how many pods may be
// missing, and how many extra may exist, at any time; each a number or a
// percentage of the desired replicas.
type RollingUpdateDeployment struct {
	MaxUnavailable *meta.IntOrString `json:"maxUnavailable,omitempty"`
	MaxSurge       *meta.IntOrString `json:"maxSurge,omitempty"`
}

// DeploymentStatus is what the deployment controller last observed.
type DeploymentStatus struct {
	ObservedGeneration  int64                 `json:"observedGeneration,omitempty"`
	Replicas            int32                 `json:"replicas,omitempty"`
	UpdatedReplicas     int32                 `json:"updatedReplicas,omitempty"`
	ReadyReplicas       int32                 `json:"readyReplicas,omitempty"`
	AvailableReplicas   int32                 `json:"availableReplicas,omitempty"`
	UnavailableReplicas int32                 `json:"unavailableReplicas,omitempty"`
	Conditions          []DeploymentCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
	// CollisionCount salts the hash that names ReplicaSets, to get out of
	// a name collision.
	CollisionCount *int32 `json:"collisionCount,omitempty"`
}

// DeploymentConditionType names a deployment condition.
type DeploymentConditionType string

// Deployment conditions.
const (
	DeploymentAvailable      DeploymentConditionType = "Available"
	DeploymentProgressing    DeploymentConditionType = "Progressing"
	DeploymentReplicaFailure DeploymentConditionType = "ReplicaFailure"
)

// DeploymentCondition is one observed aspect of a deployment.
type DeploymentCondition struct {
	Type               DeploymentConditionType `json:"type"`
	Status             core.ConditionStatus    `json:"status"`
	LastUpdateTime     meta.Time               `json:"lastUpdateTime,omitempty"`
	LastTransitionTime meta.Time               `json:"lastTransitionTime,omitempty"`
	Reason             string                  `json:"reason,omitempty"`
	Message            string                  `json:"message,omitempty"`
}

// Defaults of apps/v1 deployments.
const (
	DefaultRevisionHistoryLimit    = 10
	DefaultProgressDeadlineSeconds = 600
)

// DefaultDeployment fills in a deployment's defaults as apps/v1 does.
func DefaultDeployment(d *Deployment) {
	spec := &d.Spec
	if spec.Replicas == nil {
		spec.Replicas = ptr[int32](1)
	}
	if spec.Strategy.Type == "" {
		spec.Strategy.Type = RollingUpdateDeploymentStrategyType
	}
	if spec.Strategy.Type == RollingUpdateDeploymentStrategyType {
		if spec.Strategy.RollingUpdate == nil {
			spec.Strategy.RollingUpdate = &RollingUpdateDeployment{}
		}
		ru := spec.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr(meta.FromString("25%"))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptr(meta.FromString("25%"))
		}
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = ptr[int32](DefaultRevisionHistoryLimit)
	}
	if spec.ProgressDeadlineSeconds == nil {
		spec.ProgressDeadlineSeconds = ptr[int32](DefaultProgressDeadlineSeconds)
	}
	core.DefaultPodSpec(&spec.Template.Spec)
}

// prepareDeploymentForCreate starts a deployment with no status at
// generation 1.
func prepareDeploymentForCreate(d *Deployment) {
	d.Status = DeploymentStatus{}
	d.Generation = 1
}

// prepareDeploymentForUpdate moves the generation on when the spec changes,
// which is how the controller's observedGeneration tells it has caught up.
func prepareDeploymentForUpdate(d, old *Deployment) {
	n := meta.DeepCopy(*d)
	DefaultDeployment(&n)
	d.Generation = nextGeneration(old.Generation, n.Spec, old.Spec)
}

// nextGeneration is old, plus one if the (defaulted) specs differ on the
// wire; comparing JSON makes nil and empty lists the same, as they are
// after a round trip through storage.
func nextGeneration[S any](old int64, spec, oldSpec S) int64 {
	a, errA := json.Marshal(spec)
	b, errB := json.Marshal(oldSpec)
	if errA == nil && errB == nil && bytes.Equal(a, b) {
		return old
	}
	return old + 1
}

func ptr[T any](v T) *T { return &v }
