package core

import (
	"fmt"
	"strings"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/scheme"
	"github.com/wharf/wharf/api/table"
	"github.com/wharf/wharf/api/validate"
)

// ServiceResource describes services.
func ServiceResource() *scheme.Resource {
	return &scheme.Resource{
		Version:     "v1",
		Kind:        "Service",
		Plural:      "services",
		Singular:    "service",
		ShortNames:  []string{"svc"},
		Categories:  []string{"all"},
		Namespaced:  true,
		HasStatus:   true,
		NameIsLabel: true,
		New:         func() meta.Object { return &Service{} },
		Default:     func(obj meta.Object) { DefaultService(obj.(*Service)) },
		Validate:    func(obj meta.Object) validate.ErrorList { return ValidateService(obj.(*Service)) },
		ValidateUpdate: func(obj, old meta.Object) validate.ErrorList {
			return ValidateServiceUpdate(obj.(*Service), old.(*Service))
		},
		PrepareForCreate: func(obj meta.Object) { prepareServiceForCreate(obj.(*Service)) },
		PrepareForUpdate: func(obj, old meta.Object) { prepareServiceForUpdate(obj.(*Service), old.(*Service)) },
		Fields: func(obj meta.Object) map[string]string {
			s := obj.(*Service)
			return map[string]string{"spec.clusterIP": s.Spec.ClusterIP, "spec.type": string(s.Spec.Type)}
		},
		Columns: []meta.TableColumnDefinition{
			table.NameColumn(),
			table.Column("Type", table.TypeString, "The type of the service."),
			table.Column("Cluster-IP", table.TypeString, "The virtual IP of the service inside the cluster."),
			table.Column("External-IP", table.TypeString, "The IPs the service is reached at from outside the cluster."),
			table.Column("Port(s)", table.TypeString, "The ports of the service, with their node ports."),
			table.AgeColumn(),
			table.Wide("Selector", table.TypeString, "The labels of the pods the service sends traffic to."),
		},
		Row: func(obj meta.Object) []any {
			s := obj.(*Service)
			return []any{
				s.Name,
				string(s.Spec.Type),
				table.OrNone(s.Spec.ClusterIP),
				serviceExternalIP(s),
				servicePortsCell(s.Spec.Ports),
				table.Age(s.CreationTimestamp),
				table.MapSelector(s.Spec.Selector),
			}
		},
	}
}

// serviceExternalIP is the EXTERNAL-IP cell: external IPs, and for a load
// balancer its ingress addresses ("<pending>" until it has some).
func serviceExternalIP(s *Service) string {
	switch s.Spec.Type {
	case ServiceTypeClusterIP, ServiceTypeNodePort:
		return table.Join(s.Spec.ExternalIPs)
	case ServiceTypeLoadBalancer:
		var all []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				all = append(all, in.IP)
			} else if in.Hostname != "" {
				all = append(all, in.Hostname)
			}
		}
		all = append(all, s.Spec.ExternalIPs...)
		if len(all) == 0 {
			return "<pending>"
		}
		return strings.Join(all, ",")
	case ServiceTypeExternalName:
		return s.Spec.ExternalName
	}
	return table.Unknown
}

// servicePortsCell writes "80/TCP" per port, "80:30080/TCP" with a node port.
func servicePortsCell(ports []ServicePort) string {
	cells := make([]string, len(ports))
	for i, p := range ports {
		if p.NodePort > 0 {
			cells[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			cells[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return table.Join(cells)
}
