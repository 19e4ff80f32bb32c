package core

import "github.com/wharf/wharf/api/meta"

// Service gives a set of pods, chosen by label, one stable virtual address
// and DNS name.
type Service struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Spec            ServiceSpec   `json:"spec,omitempty"`
	Status          ServiceStatus `json:"status,omitempty"`
}

// ServiceType says how a service is exposed.
type ServiceType string

// Service types.
const (
	// ServiceTypeClusterIP exposes the service on a virtual IP inside the cluster.
	ServiceTypeClusterIP ServiceType = "ClusterIP"
	// ServiceTypeNodePort also exposes it on a port of every node.
	ServiceTypeNodePort ServiceType = "NodePort"
	// ServiceTypeLoadBalancer also asks for an external load balancer.
	ServiceTypeLoadBalancer ServiceType = "LoadBalancer"
	// ServiceTypeExternalName is only a DNS CNAME to spec.externalName.
	ServiceTypeExternalName ServiceType = "ExternalName"
)

// ServiceAffinity says whether a client sticks to one endpoint.
type ServiceAffinity string

// Session affinities.
const (
	ServiceAffinityNone     ServiceAffinity = "None"
	ServiceAffinityClientIP ServiceAffinity = "ClientIP"
)

// ServiceExternalTrafficPolicy says whether traffic from outside the cluster
// may be forwarded to endpoints on other nodes.
type ServiceExternalTrafficPolicy string

// External traffic policies.
const (
	ServiceExternalTrafficPolicyCluster ServiceExternalTrafficPolicy = "Cluster"
	ServiceExternalTrafficPolicyLocal   ServiceExternalTrafficPolicy = "Local"
)

// ServiceInternalTrafficPolicy says whether traffic from inside the cluster
// may be forwarded to endpoints on other nodes.
type ServiceInternalTrafficPolicy string

// Internal traffic policies.
const (
	ServiceInternalTrafficPolicyCluster ServiceInternalTrafficPolicy = "Cluster"
	ServiceInternalTrafficPolicyLocal   ServiceInternalTrafficPolicy = "Local"
)

// IPFamily is an IP version.
type IPFamily string

// IP families.
const (
	IPv4Protocol IPFamily = "IPv4"
	IPv6Protocol IPFamily = "IPv6"
)

// IPFamilyPolicy says how many IP families a service gets.
type IPFamilyPolicy string

// IP family policies.
const (
	IPFamilyPolicySingleStack      IPFamilyPolicy = "SingleStack"
	IPFamilyPolicyPreferDualStack  IPFamilyPolicy = "PreferDualStack"
	IPFamilyPolicyRequireDualStack IPFamilyPolicy = "RequireDualStack"
)

// ClusterIPNone as spec.clusterIP makes a headless service: DNS answers with
// the endpoints' addresses and no virtual IP is allocated.
const ClusterIPNone = "None"

// ServiceSpec is what a service selects and how it is exposed.
type ServiceSpec struct {
	Ports    []ServicePort     `json:"ports,omitempty" patchStrategy:"merge" patchMergeKey:"port"`
	Selector map[string]string `json:"selector,omitempty"`
	// ClusterIP is allocated by the server unless given; it is the first of
	// ClusterIPs.
	ClusterIP                string                       `json:"clusterIP,omitempty"`
	ClusterIPs               []string                     `json:"clusterIPs,omitempty"`
	Type                     ServiceType                  `json:"type,omitempty"`
	ExternalIPs              []string                     `json:"externalIPs,omitempty"`
	SessionAffinity          ServiceAffinity              `json:"sessionAffinity,omitempty"`
	LoadBalancerIP           string                       `json:"loadBalancerIP,omitempty"`
	ExternalName             string                       `json:"externalName,omitempty"`
	ExternalTrafficPolicy    ServiceExternalTrafficPolicy `json:"externalTrafficPolicy,omitempty"`
	PublishNotReadyAddresses bool                         `json:"publishNotReadyAddresses,omitempty"`
	IPFamilies               []IPFamily                   `json:"ipFamilies,omitempty"`
	IPFamilyPolicy           IPFamilyPolicy               `json:"ipFamilyPolicy,omitempty"`
	InternalTrafficPolicy    ServiceInternalTrafficPolicy `json:"internalTrafficPolicy,omitempty"`
}

// ServicePort maps a port of the service to a port of its pods.
type ServicePort struct {
	// Name is required when the service has more than one port; Endpoints
	// ports carry the same name.
	Name        string   `json:"name,omitempty"`
	Protocol    Protocol `json:"protocol,omitempty"`
	AppProtocol string   `json:"appProtocol,omitempty"`
	Port        int32    `json:"port"`
	// TargetPort is a number, or the name of a container port.
	TargetPort meta.IntOrString `json:"targetPort,omitempty"`
	// NodePort is allocated by the server for NodePort and LoadBalancer
	// services unless given.
	NodePort int32 `json:"nodePort,omitempty"`
}

// The protocols a service or endpoints port may use.
var serviceProtocols = []string{string(ProtocolTCP), string(ProtocolUDP), string(ProtocolSCTP)}

// ServiceStatus is what the load balancer reports.
type ServiceStatus struct {
	LoadBalancer LoadBalancerStatus `json:"loadBalancer,omitempty"`
}

// LoadBalancerStatus lists a load balancer's addresses.
type LoadBalancerStatus struct {
	Ingress []LoadBalancerIngress `json:"ingress,omitempty"`
}

// LoadBalancerIngress is one load-balancer address.
type LoadBalancerIngress struct {
	IP       string `json:"ip,omitempty"`
	Hostname string `json:"hostname,omitempty"`
}

// Headless reports whether the service has no virtual IP.
func (s *Service) Headless() bool { return s.Spec.ClusterIP == ClusterIPNone }

// needsClusterIP: only ExternalName services have no cluster IP.
func (s *Service) needsClusterIP() bool { return s.Spec.Type != ServiceTypeExternalName }

// needsNodePorts: NodePort and LoadBalancer services listen on every node.
func (s *Service) needsNodePorts() bool {
	return s.Spec.Type == ServiceTypeNodePort || s.Spec.Type == ServiceTypeLoadBalancer
}

// externallyAccessible services take traffic from outside the cluster, which
// is what externalTrafficPolicy is about.
func (s *Service) externallyAccessible() bool {
	return s.needsNodePorts() || (s.Spec.Type == ServiceTypeClusterIP && len(s.Spec.ExternalIPs) > 0)
}

// DefaultService fills in a service's defaults as Kubernetes does.
func DefaultService(s *Service) {
	spec := &s.Spec
	if spec.Type == "" {
		spec.Type = ServiceTypeClusterIP
	}
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = ServiceAffinityNone
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = ProtocolTCP
		}
		if p.TargetPort == (meta.IntOrString{}) || p.TargetPort == meta.FromString("") {
			p.TargetPort = meta.FromInt(p.Port)
		}
	}
	if spec.InternalTrafficPolicy == "" && spec.Type != ServiceTypeExternalName {
		spec.InternalTrafficPolicy = ServiceInternalTrafficPolicyCluster
	}
	if spec.ExternalTrafficPolicy == "" && s.externallyAccessible() {
		spec.ExternalTrafficPolicy = ServiceExternalTrafficPolicyCluster
	}
	// clusterIP is the first of clusterIPs; a client may have set either.
	switch {
	case spec.ClusterIP != "" && len(spec.ClusterIPs) == 0:
		spec.ClusterIPs = []string{spec.ClusterIP}
	case spec.ClusterIP == "" && len(spec.ClusterIPs) > 0:
		spec.ClusterIP = spec.ClusterIPs[0]
	}
}

// prepareServiceForCreate drops a status the client may not set.
func prepareServiceForCreate(s *Service) { s.Status = ServiceStatus{} }

// prepareServiceForUpdate lets a client resend a manifest without the values
// the server allocated (kubectl replace of the original file): they are kept.
// When the type changes, it drops what the old type had and the new one
// cannot have, provided the client did not touch it.
func prepareServiceForUpdate(s, old *Service) {
	if s.needsClusterIP() && old.needsClusterIP() && s.Spec.ClusterIP == "" && len(s.Spec.ClusterIPs) == 0 {
		s.Spec.ClusterIP = old.Spec.ClusterIP
		s.Spec.ClusterIPs = append([]string(nil), old.Spec.ClusterIPs...)
	}
	if s.needsNodePorts() && old.needsNodePorts() {
		keepNodePorts(s, old)
	}
	if !s.needsClusterIP() && old.needsClusterIP() && s.Spec.ClusterIP == old.Spec.ClusterIP {
		s.Spec.ClusterIP = ""
		s.Spec.ClusterIPs = nil
		s.Spec.IPFamilies = nil
		s.Spec.IPFamilyPolicy = ""
	}
	if !s.needsNodePorts() && old.needsNodePorts() && sameNodePorts(s, old) {
		for i := range s.Spec.Ports {
			s.Spec.Ports[i].NodePort = 0
		}
	}
	if !s.externallyAccessible() && old.externallyAccessible() && s.Spec.ExternalTrafficPolicy == old.Spec.ExternalTrafficPolicy {
		s.Spec.ExternalTrafficPolicy = ""
	}
	if s.Spec.Type == ServiceTypeExternalName && old.Spec.Type != ServiceTypeExternalName &&
		s.Spec.InternalTrafficPolicy == old.Spec.InternalTrafficPolicy {
		s.Spec.InternalTrafficPolicy = ""
	}
}

// keepNodePorts fills in node ports the update left out from the old port
// of the same name, unless another port now uses that node port.
func keepNodePorts(s, old *Service) {
	used := map[int32]bool{}
	for _, p := range s.Spec.Ports {
		used[p.NodePort] = true
	}
	byName := map[string]int32{}
	for _, p := range old.Spec.Ports {
		byName[p.Name] = p.NodePort
	}
	for i := range s.Spec.Ports {
		p := &s.Spec.Ports[i]
		if p.NodePort != 0 {
			continue
		}
		if np := byName[p.Name]; !used[np] {
			p.NodePort = np
			used[np] = true
		}
	}
}

func sameNodePorts(s, old *Service) bool {
	if len(s.Spec.Ports) != len(old.Spec.Ports) {
		return false
	}
	for i := range s.Spec.Ports {
		if s.Spec.Ports[i].NodePort != old.Spec.Ports[i].NodePort {
			return false
		}
	}
	return true
}
