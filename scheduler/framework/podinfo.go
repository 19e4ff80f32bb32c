package framework

import (
	"github.com/wharf/wharf/api/core"
)

// PodInfo is a pod with what every plugin would otherwise work out again
// for each of thousands of nodes: its requests, host ports and owner.
// It is computed once per scheduling attempt and never changed.
type PodInfo struct {
	Pod *core.Pod
	// Requests is what the pod occupies on its node; NonZeroRequests is the
	// same with defaults for unset requests, for scoring.
	Requests        Resource
	NonZeroRequests Resource
	HostPorts       []HostPort
	// OwnerUID is the UID of the pod's controller (its ReplicaSet, Job...),
	// "" when it has none; pods of one owner are spread across nodes.
	OwnerUID string
}

// NewPodInfo works out what the scheduler needs to know about pod, which
// it keeps a reference to and must not be changed afterwards.
func NewPodInfo(pod *core.Pod) *PodInfo {
	pi := &PodInfo{
		Pod:             pod,
		Requests:        PodRequests(&pod.Spec),
		NonZeroRequests: NonZeroPodRequests(&pod.Spec),
		HostPorts:       podHostPorts(&pod.Spec),
	}
	if ref := pod.ControllerRef(); ref != nil {
		pi.OwnerUID = ref.UID
	}
	return pi
}

// HostPort is a port a pod takes on its node's addresses.
type HostPort struct {
	Protocol core.Protocol
	IP       string // "0.0.0.0" for every address
	Port     int32
}

// wildcardIP is the host IP of a port bound on every address.
const wildcardIP = "0.0.0.0"

// Conflicts reports whether p and q cannot both be bound: same port and
// protocol, on the same address or with either on every address.
func (p HostPort) Conflicts(q HostPort) bool {
	return p.Port == q.Port && p.Protocol == q.Protocol &&
		(p.IP == q.IP || p.IP == wildcardIP || q.IP == wildcardIP)
}

func podHostPorts(spec *core.PodSpec) []HostPort {
	var ports []HostPort
	for i := range spec.Containers {
		for _, cp := range spec.Containers[i].Ports {
			if cp.HostPort <= 0 {
				continue
			}
			hp := HostPort{Protocol: cp.Protocol, IP: cp.HostIP, Port: cp.HostPort}
			if hp.Protocol == "" {
				hp.Protocol = core.ProtocolTCP
			}
			if hp.IP == "" || hp.IP == "::" {
				hp.IP = wildcardIP
			}
			ports = append(ports, hp)
		}
	}
	return ports
}
