package core

import (
	"regexp"
	"slices"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

var uriSchemes = []string{string(URISchemeHTTP), string(URISchemeHTTPS)}

var httpHeaderNameRE = regexp.MustCompile(`^[-A-Za-z0-9]+$`)

// probeAction is what probes and lifecycle hooks share: exactly one way of
// acting on the container.
type probeAction struct {
	exec      *ExecAction
	httpGet   *HTTPGetAction
	tcpSocket *TCPSocketAction
	grpc      *GRPCAction
}

// validateProbe checks a probe at p; restartable says it is a liveness or
// startup probe, whose failure restarts the container, so one success must
// be enough.
func validateProbe(probe *Probe, p *validate.Path, restartable bool) validate.ErrorList {
	if probe == nil {
		return nil
	}
	h := probe.ProbeHandler
	errs := validateHandler(probeAction{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket, grpc: h.GRPC}, p)
	for _, f := range []struct {
		name  string
		value int32
	}{
		{"initialDelaySeconds", probe.InitialDelaySeconds},
		{"timeoutSeconds", probe.TimeoutSeconds},
		{"periodSeconds", probe.PeriodSeconds},
		{"successThreshold", probe.SuccessThreshold},
		{"failureThreshold", probe.FailureThreshold},
	} {
		errs = append(errs, nonNegative(int64(f.value), p.Child(f.name))...)
	}
	if g := probe.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, validate.Invalid(p.Child("terminationGracePeriodSeconds"), *g, isNotPositiveMsg))
	}
	if restartable && probe.SuccessThreshold != 1 {
		errs = append(errs, validate.Invalid(p.Child("successThreshold"), probe.SuccessThreshold, "must be 1"))
	}
	return errs
}

// validateHandler requires exactly one action and checks it.
func validateHandler(a probeAction, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	n := 0
	one := func(name string) bool {
		n++
		if n > 1 {
			errs = append(errs, validate.Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return false
		}
		return true
	}
	if a.exec != nil && one("exec") && len(a.exec.Command) == 0 {
		errs = append(errs, validate.Required(p.Child("exec", "command"), ""))
	}
	if a.httpGet != nil && one("httpGet") {
		hp := p.Child("httpGet")
		if a.httpGet.Path == "" {
			errs = append(errs, validate.Required(hp.Child("path"), ""))
		}
		errs = append(errs, portNumberOrName(a.httpGet.Port, hp.Child("port"))...)
		if !slices.Contains(uriSchemes, string(a.httpGet.Scheme)) {
			errs = append(errs, validate.NotSupported(hp.Child("scheme"), string(a.httpGet.Scheme), uriSchemes))
		}
		for i, h := range a.httpGet.HTTPHeaders {
			if !httpHeaderNameRE.MatchString(h.Name) {
				errs = append(errs, validate.Invalid(hp.Child("httpHeaders").Index(i).Child("name"), h.Name,
					"a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"))
			}
		}
	}
	if a.tcpSocket != nil && one("tcpSocket") {
		errs = append(errs, portNumberOrName(a.tcpSocket.Port, p.Child("tcpSocket", "port"))...)
	}
	if a.grpc != nil && one("grpc") {
		errs = append(errs, validate.PortNumber(a.grpc.Port, p.Child("grpc", "port"))...)
	}
	if n == 0 {
		errs = append(errs, validate.Required(p, "must specify a handler type"))
	}
	return errs
}

// portNumberOrName checks a port given by number or by container port name.
func portNumberOrName(port meta.IntOrString, p *validate.Path) validate.ErrorList {
	if port.IsString {
		return messagesAt(p, port.StrVal, ianaServiceName)
	}
	return validate.PortNumber(port.IntVal, p)
}
