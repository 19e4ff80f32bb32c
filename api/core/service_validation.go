package core

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

// The node ports a NodePort or LoadBalancer service may use.
const (
	NodePortMin = 30000
	NodePortMax = 32767
)

var (
	serviceTypes = []string{string(ServiceTypeClusterIP), string(ServiceTypeNodePort),
		string(ServiceTypeLoadBalancer), string(ServiceTypeExternalName)}
	serviceAffinities = []string{string(ServiceAffinityNone), string(ServiceAffinityClientIP)}
	trafficPolicies   = []string{string(ServiceExternalTrafficPolicyCluster), string(ServiceExternalTrafficPolicyLocal)}
	ipFamilies        = []string{string(IPv4Protocol), string(IPv6Protocol)}
	ipFamilyPolicies  = []string{string(IPFamilyPolicySingleStack), string(IPFamilyPolicyPreferDualStack),
		string(IPFamilyPolicyRequireDualStack)}
)

const forbiddenForExternalName = "may not be set for ExternalName services"

// ValidateService validates a defaulted service's spec and status.
func ValidateService(s *Service) validate.ErrorList {
	var errs validate.ErrorList
	spec := validate.NewPath("spec")
	if !slices.Contains(serviceTypes, string(s.Spec.Type)) {
		errs = append(errs, validate.NotSupported(spec.Child("type"), string(s.Spec.Type), serviceTypes))
	}
	if s.Spec.Type == ServiceTypeExternalName {
		errs = append(errs, externalName(s, spec)...)
	} else {
		errs = append(errs, clusterIPs(s, spec)...)
		errs = append(errs, serviceIPFamilies(s, spec)...)
	}
	if len(s.Spec.Ports) == 0 && !s.Headless() && s.Spec.Type != ServiceTypeExternalName {
		errs = append(errs, validate.Required(spec.Child("ports"), ""))
	}
	errs = append(errs, servicePorts(s, spec.Child("ports"))...)
	errs = append(errs, validate.Labels(s.Spec.Selector, spec.Child("selector"))...)
	if !slices.Contains(serviceAffinities, string(s.Spec.SessionAffinity)) {
		errs = append(errs, validate.NotSupported(spec.Child("sessionAffinity"), string(s.Spec.SessionAffinity), serviceAffinities))
	}
	for i, ip := range s.Spec.ExternalIPs {
		if net.ParseIP(ip) == nil {
			errs = append(errs, validate.Invalid(spec.Child("externalIPs").Index(i), ip, "must be a valid IP address"))
		}
	}
	if ip := s.Spec.LoadBalancerIP; ip != "" {
		if s.Spec.Type != ServiceTypeLoadBalancer {
			errs = append(errs, validate.Forbidden(spec.Child("loadBalancerIP"), "may only be used when `type` is 'LoadBalancer'"))
		} else if net.ParseIP(ip) == nil {
			errs = append(errs, validate.Invalid(spec.Child("loadBalancerIP"), ip, "must be a valid IP address"))
		}
	}
	errs = append(errs, trafficPolicy(s, spec)...)
	errs = append(errs, loadBalancerStatus(s.Status.LoadBalancer, validate.NewPath("status", "loadBalancer"))...)
	return errs
}

func externalName(s *Service, spec *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if s.Spec.ClusterIP != "" || len(s.Spec.ClusterIPs) > 0 {
		errs = append(errs, validate.Forbidden(spec.Child("clusterIP"), forbiddenForExternalName))
	}
	if len(s.Spec.IPFamilies) > 0 {
		errs = append(errs, validate.Forbidden(spec.Child("ipFamilies"), forbiddenForExternalName))
	}
	if s.Spec.IPFamilyPolicy != "" {
		errs = append(errs, validate.Forbidden(spec.Child("ipFamilyPolicy"), forbiddenForExternalName))
	}
	// A trailing dot marks the name fully qualified.
	cname := strings.TrimSuffix(s.Spec.ExternalName, ".")
	if cname == "" {
		return append(errs, validate.Required(spec.Child("externalName"), ""))
	}
	for _, msg := range validate.DNS1123Subdomain(cname) {
		errs = append(errs, validate.Invalid(spec.Child("externalName"), s.Spec.ExternalName, msg))
	}
	return errs
}

func clusterIPs(s *Service, spec *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	const detail = "must be empty, 'None', or a valid IP address"
	if ip := s.Spec.ClusterIP; ip != "" && ip != ClusterIPNone && net.ParseIP(ip) == nil {
		errs = append(errs, validate.Invalid(spec.Child("clusterIP"), ip, detail))
	}
	p := spec.Child("clusterIPs")
	if len(s.Spec.ClusterIPs) > 0 && s.Spec.ClusterIPs[0] != s.Spec.ClusterIP {
		errs = append(errs, validate.Invalid(p.Index(0), s.Spec.ClusterIPs[0], "must match `clusterIP`"))
	}
	// One IP per family: the first is checked as clusterIP, the rest here.
	familySeen := map[bool]bool{}
	for i, ip := range s.Spec.ClusterIPs {
		parsed := net.ParseIP(ip)
		switch {
		case i == 0:
		case s.Headless():
			errs = append(errs, validate.Invalid(p.Index(i), ip, "must not be set when `clusterIP` is 'None'"))
		case parsed == nil:
			errs = append(errs, validate.Invalid(p.Index(i), ip, "must be a valid IP address"))
		case familySeen[parsed.To4() != nil]:
			errs = append(errs, validate.Invalid(p.Index(i), ip, "may specify no more than one IP for each IP family"))
		}
		if parsed != nil {
			familySeen[parsed.To4() != nil] = true
		}
	}
	if len(s.Spec.ClusterIPs) > 2 {
		errs = append(errs, validate.Invalid(p, strings.Join(s.Spec.ClusterIPs, ","), "may only hold up to 2 values"))
	}
	return errs
}

func serviceIPFamilies(s *Service, spec *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	p := spec.Child("ipFamilies")
	seen := map[IPFamily]bool{}
	for i, f := range s.Spec.IPFamilies {
		if !slices.Contains(ipFamilies, string(f)) {
			errs = append(errs, validate.NotSupported(p.Index(i), string(f), ipFamilies))
		} else if seen[f] {
			errs = append(errs, validate.Duplicate(p.Index(i), string(f)))
		}
		seen[f] = true
	}
	if len(s.Spec.IPFamilies) > 2 {
		errs = append(errs, validate.Invalid(p, fmt.Sprint(s.Spec.IPFamilies), "may only hold up to 2 values"))
	}
	if pol := s.Spec.IPFamilyPolicy; pol != "" {
		if !slices.Contains(ipFamilyPolicies, string(pol)) {
			errs = append(errs, validate.NotSupported(spec.Child("ipFamilyPolicy"), string(pol), ipFamilyPolicies))
		} else if pol == IPFamilyPolicySingleStack && (len(s.Spec.IPFamilies) > 1 || len(s.Spec.ClusterIPs) > 1) {
			errs = append(errs, validate.Invalid(spec.Child("ipFamilyPolicy"), string(pol),
				"must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"))
		}
	}
	return errs
}

func servicePorts(s *Service, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	names := map[string]bool{}
	ports := map[string]bool{}
	nodePorts := map[string]bool{}
	for i, port := range s.Spec.Ports {
		ip := p.Index(i)
		switch {
		case port.Name == "" && len(s.Spec.Ports) > 1:
			errs = append(errs, validate.Required(ip.Child("name"), ""))
		case port.Name != "":
			for _, msg := range validate.DNS1123Label(port.Name) {
				errs = append(errs, validate.Invalid(ip.Child("name"), port.Name, msg))
			}
			if names[port.Name] {
				errs = append(errs, validate.Duplicate(ip.Child("name"), port.Name))
			}
			names[port.Name] = true
		}
		errs = append(errs, validate.PortNumber(port.Port, ip.Child("port"))...)
		switch {
		case port.Protocol == "":
			errs = append(errs, validate.Required(ip.Child("protocol"), ""))
		case !slices.Contains(serviceProtocols, string(port.Protocol)):
			errs = append(errs, validate.NotSupported(ip.Child("protocol"), string(port.Protocol), serviceProtocols))
		}
		if port.AppProtocol != "" {
			for _, msg := range validate.QualifiedName(port.AppProtocol) {
				errs = append(errs, validate.Invalid(ip.Child("appProtocol"), port.AppProtocol, msg))
			}
		}
		errs = append(errs, targetPort(port, ip.Child("targetPort"))...)
		if port.NodePort != 0 {
			np := ip.Child("nodePort")
			switch {
			case !s.needsNodePorts():
				errs = append(errs, validate.Forbidden(np, fmt.Sprintf("may not be used when `type` is '%s'", s.Spec.Type)))
			case port.NodePort < NodePortMin || port.NodePort > NodePortMax:
				errs = append(errs, validate.Invalid(np, port.NodePort,
					fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", NodePortMin, NodePortMax)))
			}
			key := fmt.Sprintf("%d/%s", port.NodePort, port.Protocol)
			if nodePorts[key] {
				errs = append(errs, validate.Duplicate(np, key))
			}
			nodePorts[key] = true
		}
		key := fmt.Sprintf("%d/%s", port.Port, port.Protocol)
		if ports[key] {
			errs = append(errs, validate.Duplicate(ip, key))
		}
		ports[key] = true
	}
	return errs
}

func targetPort(port ServicePort, p *validate.Path) validate.ErrorList {
	if port.TargetPort.IsString {
		var errs validate.ErrorList
		for _, msg := range ianaServiceName(port.TargetPort.StrVal) {
			errs = append(errs, validate.Invalid(p, port.TargetPort.StrVal, msg))
		}
		return errs
	}
	return validate.PortNumber(port.TargetPort.IntVal, p)
}

var (
	ianaServiceNameChars   = regexp.MustCompile(`^[-a-z0-9]+$`)
	ianaServiceNameLetters = regexp.MustCompile(`[a-z]`)
)

// ianaServiceName returns why s cannot name a container port (IANA_SVC_NAME,
// RFC 6335), or nothing.
func ianaServiceName(s string) []string {
	var errs []string
	if len(s) > 15 {
		errs = append(errs, "must be no more than 15 characters")
	}
	if !ianaServiceNameChars.MatchString(s) {
		errs = append(errs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if strings.Contains(s, "--") {
		errs = append(errs, "must not contain consecutive hyphens")
	}
	if s != "" && !ianaServiceNameLetters.MatchString(s) {
		errs = append(errs, "must contain at least one letter (a-z)")
	}
	if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		errs = append(errs, "must not begin or end with a hyphen")
	}
	return errs
}

func trafficPolicy(s *Service, spec *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	etp := spec.Child("externalTrafficPolicy")
	switch {
	case !s.externallyAccessible() && s.Spec.ExternalTrafficPolicy != "":
		errs = append(errs, validate.Invalid(etp, string(s.Spec.ExternalTrafficPolicy), "may only be set for externally-accessible services"))
	case !s.externallyAccessible():
	case s.Spec.ExternalTrafficPolicy == "":
		errs = append(errs, validate.Required(etp, ""))
	case !slices.Contains(trafficPolicies, string(s.Spec.ExternalTrafficPolicy)):
		errs = append(errs, validate.NotSupported(etp, string(s.Spec.ExternalTrafficPolicy), trafficPolicies))
	}
	if s.Spec.Type == ServiceTypeExternalName {
		return errs
	}
	itp := spec.Child("internalTrafficPolicy")
	switch {
	case s.Spec.InternalTrafficPolicy == "":
		errs = append(errs, validate.Required(itp, ""))
	case !slices.Contains(trafficPolicies, string(s.Spec.InternalTrafficPolicy)):
		errs = append(errs, validate.NotSupported(itp, string(s.Spec.InternalTrafficPolicy), trafficPolicies))
	}
	return errs
}

func loadBalancerStatus(st LoadBalancerStatus, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for i, in := range st.Ingress {
		ip := p.Child("ingress").Index(i)
		if in.IP != "" && net.ParseIP(in.IP) == nil {
			errs = append(errs, validate.Invalid(ip.Child("ip"), in.IP, "must be a valid IP address"))
		}
		if in.Hostname != "" {
			for _, msg := range validate.DNS1123Subdomain(in.Hostname) {
				errs = append(errs, validate.Invalid(ip.Child("hostname"), in.Hostname, msg))
			}
			if net.ParseIP(in.Hostname) != nil {
				errs = append(errs, validate.Invalid(ip.Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return errs
}

// ValidateServiceUpdate keeps a service's cluster IP: clients and DNS
// caches hold it. Only turning the service into an ExternalName one drops it.
func ValidateServiceUpdate(s, old *Service) validate.ErrorList {
	if old.Spec.ClusterIP == "" || s.Spec.Type == ServiceTypeExternalName {
		return nil
	}
	return validate.Immutable(s.Spec.ClusterIP, old.Spec.ClusterIP, validate.NewPath("spec", "clusterIP"))
}
