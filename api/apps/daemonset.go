package apps

import (
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// DaemonSet runs one pod from its template on every node that the
// template's node selector, affinity and tolerations admit.
type DaemonSet struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            DaemonSetSpec   `json:"spec,omitempty"`
	Status          DaemonSetStatus `json:"status,omitempty"`
}

// DaemonSetSpec is the desired state of a daemon set.
type DaemonSetSpec struct {
	// Selector picks the daemon set's pods; it must match the template's
	// labels and cannot change.
	Selector       *meta.LabelSelector     `json:"selector"`
	Template       core.PodTemplateSpec    `json:"template"`
	UpdateStrategy DaemonSetUpdateStrategy `json:"updateStrategy,omitempty"`
	// MinReadySeconds is how long a new pod must be ready, without a
	// container crashing, to count as available.
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`
	// RevisionHistoryLimit is how many old ControllerRevisions to keep for
	// rollbacks.
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`
}

// DaemonSetUpdateStrategyType is how a daemon set replaces pods whose
// template is out of date.
type DaemonSetUpdateStrategyType string

// Daemon set update strategies.
const (
	// RollingUpdateDaemonSetStrategyType replaces pods node by node, within
	// the bounds of rollingUpdate.
	RollingUpdateDaemonSetStrategyType DaemonSetUpdateStrategyType = "RollingUpdate"
	// OnDeleteDaemonSetStrategyType replaces a pod only once someone
	// deletes it.
	OnDeleteDaemonSetStrategyType DaemonSetUpdateStrategyType = "OnDelete"
)

// DaemonSetUpdateStrategy says how a daemon set replaces its pods.
type DaemonSetUpdateStrategy struct {
	Type          DaemonSetUpdateStrategyType `json:"type,omitempty"`
	RollingUpdate *RollingUpdateDaemonSet     `json:"rollingUpdate,omitempty"`
}

// RollingUpdateDaemonSet bounds a rolling update: how many nodes may be
// without an available pod, and how many may run an old and a new pod side
// by side, at any time; each a number or a percentage of the desired number
// of nodes.
type RollingUpdateDaemonSet struct {
	MaxUnavailable *meta.IntOrString `json:"maxUnavailable,omitempty"`
	MaxSurge       *meta.IntOrString `json:"maxSurge,omitempty"`
}

// DaemonSetStatus is what the daemon set controller last observed. The
// four counts Kubernetes always writes have no omitempty.
type DaemonSetStatus struct {
	// CurrentNumberScheduled counts nodes running at least one daemon pod
	// that should run one.
	CurrentNumberScheduled int32 `json:"currentNumberScheduled"`
	// NumberMisscheduled counts nodes running a daemon pod that should not.
	NumberMisscheduled     int32 `json:"numberMisscheduled"`
	DesiredNumberScheduled int32 `json:"desiredNumberScheduled"`
	NumberReady            int32 `json:"numberReady"`
	ObservedGeneration     int64 `json:"observedGeneration,omitempty"`
	UpdatedNumberScheduled int32 `json:"updatedNumberScheduled,omitempty"`
	NumberAvailable        int32 `json:"numberAvailable,omitempty"`
	NumberUnavailable      int32 `json:"numberUnavailable,omitempty"`
	// CollisionCount salts the hash that names ControllerRevisions, to get
	// out of a name collision.
	CollisionCount *int32               `json:"collisionCount,omitempty"`
	Conditions     []DaemonSetCondition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// DaemonSetConditionType names a daemon set condition; Kubernetes defines
// none yet, the type is there for controllers that need one.
type DaemonSetConditionType string

// DaemonSetCondition is one observed aspect of a daemon set.
type DaemonSetCondition struct {
	Type               DaemonSetConditionType `json:"type"`
	Status             core.ConditionStatus   `json:"status"`
	LastTransitionTime meta.Time              `json:"lastTransitionTime,omitempty"`
	Reason             string                 `json:"reason,omitempty"`
	Message            string                 `json:"message,omitempty"`
}

// DefaultDaemonSet fills in a daemon set's defaults as apps/v1 does: a
// rolling update one node at a time, without surge.
func DefaultDaemonSet(ds *DaemonSet) {
	s := &ds.Spec.UpdateStrategy
	if s.Type == "" {
		s.Type = RollingUpdateDaemonSetStrategyType
	}
	if s.Type == RollingUpdateDaemonSetStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &RollingUpdateDaemonSet{}
		}
		if s.RollingUpdate.MaxUnavailable == nil {
			s.RollingUpdate.MaxUnavailable = ptr(meta.FromInt(1))
		}
		if s.RollingUpdate.MaxSurge == nil {
			s.RollingUpdate.MaxSurge = ptr(meta.FromInt(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptr[int32](DefaultRevisionHistoryLimit)
	}
	core.DefaultPodSpec(&ds.Spec.Template.Spec)
}

func prepareDaemonSetForCreate(ds *DaemonSet) {
	ds.Status = DaemonSetStatus{}
	ds.Generation = 1
}

func prepareDaemonSetForUpdate(ds, old *DaemonSet) {
	n := meta.DeepCopy(*ds)
	DefaultDaemonSet(&n)
	ds.Generation = nextGeneration(old.Generation, n.Spec, old.Spec)
}
