package core

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// Endpoints lists the addresses behind a service of the same name; the
// endpoints controller keeps it in step with the service's ready pods.
type Endpoints struct {
	meta.TypeMeta   `json:",inline"`
	meta.ObjectMeta `json:"metadata,omitempty"`
	Subsets         []EndpointSubset `json:"subsets,omitempty"`
}

// EndpointSubset is a set of addresses that all serve the same ports.
type EndpointSubset struct {
	Addresses []EndpointAddress `json:"addresses,omitempty"`
	// NotReadyAddresses are not (yet) ready, and get no traffic.
	NotReadyAddresses []EndpointAddress `json:"notReadyAddresses,omitempty"`
	Ports             []EndpointPort    `json:"ports,omitempty"`
}

// EndpointAddress is one endpoint, usually a pod.
type EndpointAddress struct {
	IP        string           `json:"ip"`
	Hostname  string           `json:"hostname,omitempty"`
	NodeName  *string          `json:"nodeName,omitempty"`
	TargetRef *ObjectReference `json:"targetRef,omitempty"`
}

// EndpointPort is a port the endpoints serve; its name is the service
// port's.
type EndpointPort struct {
	Name        string   `json:"name,omitempty"`
	Port        int32    `json:"port"`
	Protocol    Protocol `json:"protocol,omitempty"`
	AppProtocol string   `json:"appProtocol,omitempty"`
}

// DefaultEndpoints makes unspecified port protocols TCP.
func DefaultEndpoints(e *Endpoints) {
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			if p := &e.Subsets[i].Ports[j]; p.Protocol == "" {
				p.Protocol = ProtocolTCP
			}
		}
	}
}

// ValidateEndpoints validates the subsets of a defaulted Endpoints.
func ValidateEndpoints(e *Endpoints) validate.ErrorList {
	var errs validate.ErrorList
	for i, ss := range e.Subsets {
		p := validate.NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, validate.Required(p, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			errs = append(errs, endpointAddress(a, p.Child("addresses").Index(j))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, endpointAddress(a, p.Child("notReadyAddresses").Index(j))...)
		}
		names := map[string]bool{}
		for j, port := range ss.Ports {
			pp := p.Child("ports").Index(j)
			switch {
			case port.Name == "" && len(ss.Ports) > 1:
				errs = append(errs, validate.Required(pp.Child("name"), ""))
			case port.Name != "":
				for _, msg := range validate.DNS1123Label(port.Name) {
					errs = append(errs, validate.Invalid(pp.Child("name"), port.Name, msg))
				}
				if names[port.Name] {
					errs = append(errs, validate.Duplicate(pp.Child("name"), port.Name))
				}
				names[port.Name] = true
			}
			errs = append(errs, validate.PortNumber(port.Port, pp.Child("port"))...)
			switch {
			case port.Protocol == "":
				errs = append(errs, validate.Required(pp.Child("protocol"), ""))
			case !slices.Contains(serviceProtocols, string(port.Protocol)):
				errs = append(errs, validate.NotSupported(pp.Child("protocol"), string(port.Protocol), serviceProtocols))
			}
		}
	}
	return errs
}

func endpointAddress(a EndpointAddress, p *validate.Path) validate.ErrorList {
	var errs validate.ErrorList
	if net.ParseIP(a.IP) == nil {
		errs = append(errs, validate.Invalid(p.Child("ip"), a.IP, "must be a valid IP address"))
	}
	if a.Hostname != "" {
		for _, msg := range validate.DNS1123Label(a.Hostname) {
			errs = append(errs, validate.Invalid(p.Child("hostname"), a.Hostname, msg))
		}
	}
	if a.NodeName != nil {
		for _, msg := range validate.DNS1123Subdomain(*a.NodeName) {
			errs = append(errs, validate.Invalid(p.Child("nodeName"), *a.NodeName, msg))
		}
	}
	return errs
}

// EndpointsResource describes endpoints.
func EndpointsResource() *scheme.Resource {
	return &scheme.Resource{
		Version:    "v1",
		Kind:       "Endpoints",
		Plural:     "endpoints",
		Singular:   "endpoints",
		ShortNames: []string{"ep"},
		Namespaced: true,
		New:        func() meta.Object { return &Endpoints{} },
		Default:    func(obj meta.Object) { DefaultEndpoints(obj.(*Endpoints)) },
		Validate:   func(obj meta.Object) validate.ErrorList { return ValidateEndpoints(obj.(*Endpoints)) },
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Endpoints", table.TypeString, "The ready addresses, with their ports."),
			table.AgeColumn(),
		},
		Row: func(obj meta.Object) []any {
			e := obj.(*Endpoints)
			return []any{e.Name, endpointsCell(e), table.Age(e.CreationTimestamp)}
		},
	}
}

// endpointsCell lists the first three ready "ip:port" pairs, then how many
// more there are, as kubectl does.
func endpointsCell(e *Endpoints) string {
	if len(e.Subsets) == 0 {
		return table.None
	}
	const max = 3
	var list []string
	count := 0
	add := func(s string) {
		count++
		if len(list) < max {
			list = append(list, s)
		}
	}
	for _, ss := range e.Subsets {
		if len(ss.Ports) == 0 {
			// A headless service may have no ports.
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	out := strings.Join(list, ",")
	if count > max {
		out += fmt.Sprintf(" + %d more...", count-max)
	}
	return out
}
