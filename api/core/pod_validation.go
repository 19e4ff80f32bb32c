package core

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

var (
	restartPolicies    = []string{string(RestartPolicyAlways), string(RestartPolicyOnFailure), string(RestartPolicyNever)}
	dnsPolicies        = []string{string(DNSClusterFirstWithHostNet), string(DNSClusterFirst), string(DNSDefault), string(DNSNone)}
	preemptionPolicies = []string{string(PreemptNever), string(PreemptLowerPriority)}
	spreadActions      = []string{string(DoNotSchedule), string(ScheduleAnyway)}
)

// Limits of a pod's resolv.conf, as in Kubernetes.
const (
	maxDNSNameservers = 3
	maxDNSSearchPaths = 32
)

// ValidatePod validates a defaulted pod's spec; metadata is validated by
// the server for every kind.
func ValidatePod(p *Pod) validate.ErrorList {
	return ValidatePodSpec(&p.Spec, validate.NewPath("spec"))
}

// ValidatePodTemplateSpec validates the template of a ReplicaSet,
// Deployment or Job at path: its labels, annotations and spec.
func ValidatePodTemplateSpec(t *PodTemplateSpec, path *validate.Path) validate.ErrorList {
	md := path.Child("metadata")
	errs := validate.Labels(t.Labels, md.Child("labels"))
	errs = append(errs, validate.Annotations(t.Annotations, md.Child("annotations"))...)
	return append(errs, ValidatePodSpec(&t.Spec, path.Child("spec"))...)
}

// ValidatePodSpec validates a defaulted pod spec found at path.
func ValidatePodSpec(s *PodSpec, path *validate.Path) validate.ErrorList {
	volumes, errs := validatePodVolumes(s.Volumes, path.Child("volumes"))
	errs = append(errs, validatePodContainers(s, volumes, path)...)
	errs = append(errs, enumValue(string(s.RestartPolicy), restartPolicies, path.Child("restartPolicy"))...)
	errs = append(errs, enumValue(string(s.DNSPolicy), dnsPolicies, path.Child("dnsPolicy"))...)
	errs = append(errs, validatePodDNSConfig(s.DNSConfig, s.DNSPolicy, path.Child("dnsConfig"))...)
	errs = append(errs, validate.Labels(s.NodeSelector, path.Child("nodeSelector"))...)
	for _, f := range []struct {
		name, value string
		check       func(string) []string
	}{
		{"serviceAccountName", s.ServiceAccountName, validate.DNS1123Subdomain},
		{"nodeName", s.NodeName, validate.DNS1123Subdomain},
		{"hostname", s.Hostname, validate.DNS1123Label},
		{"subdomain", s.Subdomain, validate.DNS1123Label},
		{"schedulerName", s.SchedulerName, validate.DNS1123Subdomain},
		{"priorityClassName", s.PriorityClassName, validate.DNS1123Subdomain},
	} {
		if f.value != "" {
			errs = append(errs, messagesAt(path.Child(f.name), f.value, f.check)...)
		}
	}
	if g := s.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		errs = append(errs, validate.Invalid(path.Child("terminationGracePeriodSeconds"), *g, isNegativeMsg))
	}
	if d := s.ActiveDeadlineSeconds; d != nil && (*d < 1 || *d > math.MaxUint32) {
		errs = append(errs, validate.Invalid(path.Child("activeDeadlineSeconds"), *d, rangeMsg(1, math.MaxUint32)))
	}
	errs = append(errs, validatePodSecurityContext(s.SecurityContext, path.Child("securityContext"))...)
	errs = append(errs, validateAffinity(s.Affinity, path.Child("affinity"))...)
	errs = append(errs, ValidateTolerations(s.Tolerations, path.Child("tolerations"))...)
	errs = append(errs, validateHostAliases(s.HostAliases, path.Child("hostAliases"))...)
	if p := s.PreemptionPolicy; p != nil && !slices.Contains(preemptionPolicies, string(*p)) {
		errs = append(errs, validate.NotSupported(path.Child("preemptionPolicy"), string(*p), preemptionPolicies))
	}
	for i, g := range s.ReadinessGates {
		errs = append(errs, messagesAt(path.Child("readinessGates").Index(i).Child("conditionType"), string(g.ConditionType), validate.QualifiedName)...)
	}
	for name, q := range s.Overhead {
		if q.Sign() < 0 {
			errs = append(errs, validate.Invalid(path.Child("overhead").Key(string(name)), q.String(), isNegativeMsg))
		}
	}
	errs = append(errs, validateTopologySpread(s.TopologySpreadConstraints, path.Child("topologySpreadConstraints"))...)
	return errs
}

// Messages Kubernetes uses for numbers out of range.
const (
	isNegativeMsg    = "must be greater than or equal to 0"
	isNotPositiveMsg = "must be greater than zero"
)

func rangeMsg(lo, hi int64) string {
	return fmt.Sprintf("must be between %d and %d, inclusive", lo, hi)
}

// messagesAt turns each complaint of check about value into an Invalid
// error at p.
func messagesAt(p *validate.Path, value string, check func(string) []string) validate.ErrorList {
	var errs validate.ErrorList
	for _, msg := range check(value) {
		errs = append(errs, validate.Invalid(p, value, msg))
	}
	return errs
}

// enumValue requires value and checks it is one of allowed.
func enumValue(value string, allowed []string, p *validate.Path) validate.ErrorList {
	switch {
	case value == "":
		return validate.ErrorList{validate.Required(p, "")}
	case !slices.Contains(allowed, value):
		return validate.ErrorList{validate.NotSupported(p, value, allowed)}
	}
	return nil
}

func nonNegative(v int64, p *validate.Path) validate.ErrorList {
	if v < 0 {
		return validate.ErrorList{validate.Invalid(p, v, isNegativeMsg)}
	}
	return nil
}

func validatePodDNSConfig(c *PodDNSConfig, policy DNSPolicy, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if policy == DNSNone {
		switch {
		case c == nil:
			return validate.ErrorList{validate.Required(p, "must provide `dnsConfig` when `dnsPolicy` is None")}
		case len(c.Nameservers) == 0:
			errs = append(errs, validate.Required(p.Child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"))
		}
	}
	if c == nil {
		return errs
	}
	if len(c.Nameservers) > maxDNSNameservers {
		errs = append(errs, validate.Invalid(p.Child("nameservers"), strings.Join(c.Nameservers, ","),
			fmt.Sprintf("must not have more than %d nameservers", maxDNSNameservers)))
	}
	for i, ns := range c.Nameservers {
		if net.ParseIP(ns) == nil {
			errs = append(errs, validate.Invalid(p.Child("nameservers").Index(i), ns, "must be a valid IP address"))
		}
	}
	if len(c.Searches) > maxDNSSearchPaths {
		errs = append(errs, validate.Invalid(p.Child("searches"), strings.Join(c.Searches, ","),
			fmt.Sprintf("must not have more than %d search paths", maxDNSSearchPaths)))
	}
	for i, s := range c.Searches {
		if s == "." {
			continue
		}
		errs = append(errs, messagesAt(p.Child("searches").Index(i), strings.TrimSuffix(s, "."), validate.DNS1123Subdomain)...)
	}
	for i, o := range c.Options {
		if o.Name == "" {
			errs = append(errs, validate.Required(p.Child("options").Index(i), "Option.Name must not be empty"))
		}
	}
	return errs
}

var sysctlNameRE = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)

const maxSysctlName = 253

func validatePodSecurityContext(sc *PodSecurityContext, p *validate.Path) validate.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateIDs(sc.RunAsUser, sc.RunAsGroup, p)
	if sc.FSGroup != nil {
		errs = append(errs, idRange(*sc.FSGroup, p.Child("fsGroup"))...)
	}
	for i, g := range sc.SupplementalGroups {
		errs = append(errs, idRange(g, p.Child("supplementalGroups").Index(i))...)
	}
	seen := map[string]bool{}
	for i, s := range sc.Sysctls {
		np := p.Child("sysctls").Index(i).Child("name")
		switch {
		case s.Name == "":
			errs = append(errs, validate.Required(np, ""))
		case len(s.Name) > maxSysctlName || !sysctlNameRE.MatchString(s.Name):
			errs = append(errs, validate.Invalid(np, s.Name,
				fmt.Sprintf("must have at most %d characters and match regex %s", maxSysctlName, sysctlNameRE)))
		case seen[s.Name]:
			errs = append(errs, validate.Duplicate(np, s.Name))
		}
		seen[s.Name] = true
	}
	return errs
}

func validateIDs(user, group *int64, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if user != nil {
		errs = append(errs, idRange(*user, p.Child("runAsUser"))...)
	}
	if group != nil {
		errs = append(errs, idRange(*group, p.Child("runAsGroup"))...)
	}
	return errs
}

// idRange checks a Linux user or group ID.
func idRange(id int64, p *validate.Path) validate.ErrorList {
	if id < 0 || id > math.MaxInt32 {
		return validate.ErrorList{validate.Invalid(p, id, rangeMsg(0, math.MaxInt32))}
	}
	return nil
}

func validateHostAliases(aliases []HostAlias, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	for i, a := range aliases {
		ip := p.Index(i)
		if net.ParseIP(a.IP) == nil {
			errs = append(errs, validate.Invalid(ip.Child("ip"), a.IP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		}
		for j, h := range a.Hostnames {
			errs = append(errs, messagesAt(ip.Child("hostnames").Index(j), h, validate.DNS1123Subdomain)...)
		}
	}
	return errs
}

func validateTopologySpread(constraints []TopologySpreadConstraint, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	seen := map[string]bool{}
	for i, c := range constraints {
		ip := p.Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, validate.Invalid(ip.Child("maxSkew"), c.MaxSkew, isNotPositiveMsg))
		}
		if c.TopologyKey == "" {
			errs = append(errs, validate.Required(ip.Child("topologyKey"), "can not be empty"))
		} else {
			errs = append(errs, messagesAt(ip.Child("topologyKey"), c.TopologyKey, validate.QualifiedName)...)
		}
		if !slices.Contains(spreadActions, string(c.WhenUnsatisfiable)) {
			errs = append(errs, validate.NotSupported(ip.Child("whenUnsatisfiable"), string(c.WhenUnsatisfiable), spreadActions))
		}
		// A key and action pair is one constraint; repeating it is a mistake.
		pair := fmt.Sprintf("{%s, %s}", c.TopologyKey, c.WhenUnsatisfiable)
		if seen[pair] {
			errs = append(errs, validate.Duplicate(ip.Child("{topologyKey, whenUnsatisfiable}"), pair))
		}
		seen[pair] = true
		errs = append(errs, validatePodLabelSelector(c.LabelSelector, ip.Child("labelSelector"))...)
	}
	return errs
}
