package core

import "github.com/wharf/wharf/api/meta"

// Pod is a group of containers scheduled together onto one node, sharing
// its network namespace and volumes.
type Pod struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            PodSpec   `json:"spec,omitempty"`
	Status          PodStatus `json:"status,omitempty"`
}

// PodTemplateSpec is the pod a controller (ReplicaSet, Deployment, Job)
// stamps out.
type PodTemplateSpec struct {
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            PodSpec `json:"spec,omitempty"`
}

// PodSpec is what a pod should run and where.
type PodSpec struct {
	Volumes        []Volume      `json:"volumes,omitempty" patchStrategy:"merge,retainKeys" patchMergeKey:"name"`
	InitContainers []Container   `json:"initContainers,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	Containers     []Container   `json:"containers" patchStrategy:"merge" patchMergeKey:"name"`
	RestartPolicy  RestartPolicy `json:"restartPolicy,omitempty"`
	// TerminationGracePeriodSeconds is how long containers get between
	// SIGTERM and SIGKILL when the pod is deleted.
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
	// ActiveDeadlineSeconds bounds how long the pod may be active before
	// the node agent fails it.
	ActiveDeadlineSeconds *int64            `json:"activeDeadlineSeconds,omitempty"`
	DNSPolicy             DNSPolicy         `json:"dnsPolicy,omitempty"`
	NodeSelector          map[string]string `json:"nodeSelector,omitempty"`
	ServiceAccountName    string            `json:"serviceAccountName,omitempty"`
	// DeprecatedServiceAccount is the old name of ServiceAccountName;
	// defaulting keeps the two equal.
	DeprecatedServiceAccount     string `json:"serviceAccount,omitempty"`
	AutomountServiceAccountToken *bool  `json:"automountServiceAccountToken,omitempty"`
	// NodeName is set by the scheduler's binding (or by the user, which
	// bypasses scheduling).
	NodeName              string                 `json:"nodeName,omitempty"`
	HostNetwork           bool                   `json:"hostNetwork,omitempty"`
	HostPID               bool                   `json:"hostPID,omitempty"`
	HostIPC               bool                   `json:"hostIPC,omitempty"`
	ShareProcessNamespace *bool                  `json:"shareProcessNamespace,omitempty"`
	SecurityContext       *PodSecurityContext    `json:"securityContext,omitempty"`
	ImagePullSecrets      []LocalObjectReference `json:"imagePullSecrets,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	Hostname              string                 `json:"hostname,omitempty"`
	Subdomain             string                 `json:"subdomain,omitempty"`
	Affinity              *Affinity              `json:"affinity,omitempty"`
	SchedulerName         string                 `json:"schedulerName,omitempty"`
	Tolerations           []Toleration           `json:"tolerations,omitempty"`
	HostAliases           []HostAlias            `json:"hostAliases,omitempty" patchStrategy:"merge" patchMergeKey:"ip"`
	PriorityClassName     string                 `json:"priorityClassName,omitempty"`
	Priority              *int32                 `json:"priority,omitempty"`
	DNSConfig             *PodDNSConfig          `json:"dnsConfig,omitempty"`
	// ReadinessGates are extra conditions that must be True for the pod
	// to be Ready.
	ReadinessGates            []PodReadinessGate         `json:"readinessGates,omitempty"`
	EnableServiceLinks        *bool                      `json:"enableServiceLinks,omitempty"`
	PreemptionPolicy          *PreemptionPolicy          `json:"preemptionPolicy,omitempty"`
	Overhead                  ResourceList               `json:"overhead,omitempty"`
	TopologySpreadConstraints []TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty" patchStrategy:"merge" patchMergeKey:"topologyKey"`
}

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	Name string `json:"name,omitempty"`
}

// RestartPolicy says when the node agent restarts a pod's containers.
type RestartPolicy string

// Restart policies.
const (
	RestartPolicyAlways    RestartPolicy = "Always"
	RestartPolicyOnFailure RestartPolicy = "OnFailure"
	RestartPolicyNever     RestartPolicy = "Never"
)

// DNSPolicy says how a pod's resolv.conf is built.
type DNSPolicy string

// DNS policies.
const (
	// DNSClusterFirstWithHostNet is ClusterFirst for host-network pods.
	DNSClusterFirstWithHostNet DNSPolicy = "ClusterFirstWithHostNet"
	// DNSClusterFirst resolves through the cluster DNS, falling back to
	// the node's resolvers; host-network pods get DNSDefault instead.
	DNSClusterFirst DNSPolicy = "ClusterFirst"
	// DNSDefault uses the node's resolv.conf.
	DNSDefault DNSPolicy = "Default"
	// DNSNone uses only spec.dnsConfig.
	DNSNone DNSPolicy = "None"
)

// DefaultSchedulerName is the scheduler pods get when they name none.
const DefaultSchedulerName = "default-scheduler"

// DefaultTerminationGracePeriodSeconds is the grace period pods get when
// they ask for none.
const DefaultTerminationGracePeriodSeconds = 30

// PreemptionPolicy says whether a pending pod may evict lower-priority ones.
type PreemptionPolicy string

// Preemption policies.
const (
	PreemptLowerPriority PreemptionPolicy = "PreemptLowerPriority"
	PreemptNever         PreemptionPolicy = "Never"
)

// HostAlias is an extra /etc/hosts entry.
type HostAlias struct {
	IP        string   `json:"ip"`
	Hostnames []string `json:"hostnames,omitempty"`
}

// PodDNSConfig adds to (or, with DNSNone, replaces) the generated resolv.conf.
type PodDNSConfig struct {
	Nameservers []string             `json:"nameservers,omitempty"`
	Searches    []string             `json:"searches,omitempty"`
	Options     []PodDNSConfigOption `json:"options,omitempty"`
}

// PodDNSConfigOption is one resolv.conf option, such as ndots:2.
type PodDNSConfigOption struct {
	Name  string  `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// PodReadinessGate names a pod condition that must be True for readiness.
type PodReadinessGate struct {
	ConditionType PodConditionType `json:"conditionType"`
}

// PodSecurityContext holds the security settings of every container of a
// pod; a container's own SecurityContext overrides them.
type PodSecurityContext struct {
	RunAsUser          *int64   `json:"runAsUser,omitempty"`
	RunAsGroup         *int64   `json:"runAsGroup,omitempty"`
	RunAsNonRoot       *bool    `json:"runAsNonRoot,omitempty"`
	SupplementalGroups []int64  `json:"supplementalGroups,omitempty"`
	FSGroup            *int64   `json:"fsGroup,omitempty"`
	Sysctls            []Sysctl `json:"sysctls,omitempty"`
}

// Sysctl is a namespaced kernel parameter set for the pod.
type Sysctl struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TopologySpreadConstraint spreads matching pods evenly across the domains
// of a topology key (zones, nodes).
type TopologySpreadConstraint struct {
	// MaxSkew is the largest allowed difference in matching pods between
	// two domains.
	MaxSkew           int32                         `json:"maxSkew"`
	TopologyKey       string                        `json:"topologyKey"`
	WhenUnsatisfiable UnsatisfiableConstraintAction `json:"whenUnsatisfiable"`
	LabelSelector     *meta.LabelSelector           `json:"labelSelector,omitempty"`
}

// UnsatisfiableConstraintAction says what the scheduler does when a spread
// constraint cannot be met.
type UnsatisfiableConstraintAction string

// Actions for unsatisfiable spread constraints.
const (
	DoNotSchedule  UnsatisfiableConstraintAction = "DoNotSchedule"
	ScheduleAnyway UnsatisfiableConstraintAction = "ScheduleAnyway"
)

// AllContainers returns the init containers followed by the app containers.
func (s *PodSpec) AllContainers() []Container {
	all := make([]Container, 0, len(s.InitContainers)+len(s.Containers))
	all = append(all, s.InitContainers...)
	return append(all, s.Containers...)
}

// DefaultContainerAnnotation names the container that logs and exec
// address in a pod of several when the request names none, as kubectl
// reads it.
const DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"
