package core

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wharf/wharf/api/validate"
)

var (
	pullPolicies  = []string{string(PullAlways), string(PullIfNotPresent), string(PullNever)}
	portProtocols = []string{string(ProtocolTCP), string(ProtocolUDP), string(ProtocolSCTP)}
)

// validatePodContainers checks the app and init containers of s, whose
// volumes are named in volumes. Names are unique across both lists; a clash
// is reported on the init container.
func validatePodContainers(s *PodSpec, volumes map[string]bool, path *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	cp := path.Child("containers")
	if len(s.Containers) == 0 {
		errs = append(errs, validate.Required(cp, ""))
	}
	names := map[string]bool{}
	for i := range s.Containers {
		c := &s.Containers[i]
		ip := cp.Index(i)
		if names[c.Name] {
			errs = append(errs, validate.Duplicate(ip.Child("name"), c.Name))
		}
		names[c.Name] = true
		errs = append(errs, validateContainer(c, volumes, s.HostNetwork, ip)...)
		if c.Lifecycle != nil {
			errs = append(errs, validateLifecycle(c.Lifecycle, ip.Child("lifecycle"))...)
		}
		errs = append(errs, validateProbe(c.LivenessProbe, ip.Child("livenessProbe"), true)...)
		errs = append(errs, validateProbe(c.ReadinessProbe, ip.Child("readinessProbe"), false)...)
		errs = append(errs, validateProbe(c.StartupProbe, ip.Child("startupProbe"), true)...)
		if r := c.ReadinessProbe; r != nil && r.TerminationGracePeriodSeconds != nil {
			errs = append(errs, validate.Invalid(ip.Child("readinessProbe", "terminationGracePeriodSeconds"),
				*r.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
		}
	}
	ip := path.Child("initContainers")
	for i := range s.InitContainers {
		c := &s.InitContainers[i]
		ip := ip.Index(i)
		if names[c.Name] {
			errs = append(errs, validate.Duplicate(ip.Child("name"), c.Name))
		}
		names[c.Name] = true
		errs = append(errs, validateContainer(c, volumes, s.HostNetwork, ip)...)
		// Init containers run to completion one after another: nothing
		// probes or hooks them.
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"lifecycle", c.Lifecycle != nil},
			{"livenessProbe", c.LivenessProbe != nil},
			{"readinessProbe", c.ReadinessProbe != nil},
			{"startupProbe", c.StartupProbe != nil},
		} {
			if f.set {
				errs = append(errs, validate.Forbidden(ip.Child(f.name), "may not be set for init containers"))
			}
		}
	}
	errs = append(errs, uniqueHostPorts(s.Containers, cp)...)
	return errs
}

// validateContainer checks what app and init containers have in common.
func validateContainer(c *Container, volumes map[string]bool, hostNetwork bool, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if c.Name == "" {
		errs = append(errs, validate.Required(p.Child("name"), ""))
	} else {
		errs = append(errs, messagesAt(p.Child("name"), c.Name, validate.DNS1123Label)...)
	}
	switch {
	case c.Image == "":
		errs = append(errs, validate.Required(p.Child("image"), ""))
	case c.Image != strings.TrimSpace(c.Image):
		errs = append(errs, validate.Invalid(p.Child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	errs = append(errs, validateContainerPorts(c.Ports, hostNetwork, p.Child("ports"))...)
	errs = append(errs, validateEnv(c.Env, p.Child("env"))...)
	errs = append(errs, validateEnvFrom(c.EnvFrom, p.Child("envFrom"))...)
	errs = append(errs, validateVolumeMounts(c, volumes, p.Child("volumeMounts"))...)
	errs = append(errs, ValidateResourceRequirements(&c.Resources, p.Child("resources"))...)
	errs = append(errs, enumValue(string(c.ImagePullPolicy), pullPolicies, p.Child("imagePullPolicy"))...)
	switch c.TerminationMessagePolicy {
	case TerminationMessageReadFile, TerminationMessageFallbackToLogsOnError:
	case "":
		errs = append(errs, validate.Required(p.Child("terminationMessagePolicy"), "must be 'File' or 'FallbackToLogsOnError'"))
	default:
		errs = append(errs, validate.Invalid(p.Child("terminationMessagePolicy"), string(c.TerminationMessagePolicy), "must be 'File' or 'FallbackToLogsOnError'"))
	}
	errs = append(errs, validateSecurityContext(c.SecurityContext, p.Child("securityContext"))...)
	return errs
}

func validateContainerPorts(ports []ContainerPort, hostNetwork bool, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		ip := p.Index(i)
		if port.Name != "" {
			if bad := messagesAt(ip.Child("name"), port.Name, ianaServiceName); len(bad) > 0 {
				errs = append(errs, bad...)
			} else if names[port.Name] {
				errs = append(errs, validate.Duplicate(ip.Child("name"), port.Name))
			}
			names[port.Name] = true
		}
		if port.ContainerPort == 0 {
			errs = append(errs, validate.Required(ip.Child("containerPort"), ""))
		} else {
			errs = append(errs, validate.PortNumber(port.ContainerPort, ip.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			errs = append(errs, validate.PortNumber(port.HostPort, ip.Child("hostPort"))...)
		}
		// A host-network container listens on the node itself, so the two
		// ports are one.
		if hostNetwork && port.HostPort != 0 && port.HostPort != port.ContainerPort {
			errs = append(errs, validate.Invalid(ip.Child("containerPort"), port.ContainerPort, "must match `hostPort` when `hostNetwork` is true"))
		}
		errs = append(errs, enumValue(string(port.Protocol), portProtocols, ip.Child("protocol"))...)
	}
	return errs
}

// uniqueHostPorts refuses two containers claiming the same host port.
func uniqueHostPorts(containers []Container, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	seen := map[string]bool{}
	for i, c := range containers {
		for j, port := range c.Ports {
			if port.HostPort == 0 {
				continue
			}
			key := fmt.Sprintf("%s/%s/%d", port.HostIP, port.Protocol, port.HostPort)
			if seen[key] {
				errs = append(errs, validate.Duplicate(p.Index(i).Child("ports").Index(j).Child("hostPort"), key))
			}
			seen[key] = true
		}
	}
	return errs
}

func validateLifecycle(l *Lifecycle, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if h := l.PostStart; h != nil {
		errs = append(errs, validateHandler(probeAction{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket}, p.Child("postStart"))...)
	}
	if h := l.PreStop; h != nil {
		errs = append(errs, validateHandler(probeAction{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket}, p.Child("preStop"))...)
	}
	return errs
}

func validateSecurityContext(sc *SecurityContext, p *validate.Path) validate.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateIDs(sc.RunAsUser, sc.RunAsGroup, p)
	if isTrue(sc.Privileged) && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, validate.Invalid(p, "", "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	if sc.Capabilities != nil && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation &&
		slices.Contains(sc.Capabilities.Add, "CAP_SYS_ADMIN") {
		errs = append(errs, validate.Invalid(p, "", "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
	}
	return errs
}

func isTrue(b *bool) bool { return b != nil && *b }
