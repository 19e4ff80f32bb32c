package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

// testService is a valid, defaulted ClusterIP service with one port.
func testService(mutate ...func(s *Service)) *Service {
	s := &Service{
		ObjectMeta: meta.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []ServicePort{{Name: "http", Port: 80, TargetPort: meta.FromString("http")}},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	DefaultService(s)
	return s
}

func TestDefaultService(t *testing.T) {
	tests := []struct {
		name string
		in   ServiceSpec
		want ServiceSpec
	}{
		{
			name: "cluster IP",
			in:   ServiceSpec{Ports: []ServicePort{{Port: 80}}},
			want: ServiceSpec{
				Type: ServiceTypeClusterIP, SessionAffinity: ServiceAffinityNone,
				InternalTrafficPolicy: ServiceInternalTrafficPolicyCluster,
				Ports:                 []ServicePort{{Port: 80, Protocol: "TCP", TargetPort: meta.FromInt(80)}},
			},
		},
		{
			name: "node port keeps what was given",
			in: ServiceSpec{Type: ServiceTypeNodePort, Ports: []ServicePort{{Port: 53, Protocol: "UDP", TargetPort: meta.FromInt(5353)}},
				ClusterIP: "10.96.0.10"},
			want: ServiceSpec{
				Type: ServiceTypeNodePort, SessionAffinity: ServiceAffinityNone,
				InternalTrafficPolicy: ServiceInternalTrafficPolicyCluster,
				ExternalTrafficPolicy: ServiceExternalTrafficPolicyCluster,
				ClusterIP:             "10.96.0.10", ClusterIPs: []string{"10.96.0.10"},
				Ports: []ServicePort{{Port: 53, Protocol: "UDP", TargetPort: meta.FromInt(5353)}},
			},
		},
		{
			name: "external IPs make a cluster IP service externally accessible",
			in:   ServiceSpec{ExternalIPs: []string{"192.0.2.1"}, ClusterIPs: []string{"10.96.0.11"}},
			want: ServiceSpec{
				Type: ServiceTypeClusterIP, SessionAffinity: ServiceAffinityNone, ExternalIPs: []string{"192.0.2.1"},
				InternalTrafficPolicy: ServiceInternalTrafficPolicyCluster,
				ExternalTrafficPolicy: ServiceExternalTrafficPolicyCluster,
				ClusterIP:             "10.96.0.11", ClusterIPs: []string{"10.96.0.11"},
			},
		},
		{
			name: "external name has no traffic policies",
			in:   ServiceSpec{Type: ServiceTypeExternalName, ExternalName: "db.example.com"},
			want: ServiceSpec{Type: ServiceTypeExternalName, SessionAffinity: ServiceAffinityNone, ExternalName: "db.example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Service{Spec: tt.in}
			DefaultService(&s)
			if diff := cmp.Diff(tt.want, s.Spec); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateService(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *Service)
		want   []string
	}{
		{"valid", func(s *Service) {}, nil},
		{"no ports", func(s *Service) { s.Spec.Ports = nil }, []string{"FieldValueRequired spec.ports"}},
		{"headless without ports", func(s *Service) { s.Spec.Ports, s.Spec.ClusterIP = nil, ClusterIPNone }, nil},
		{"external name", func(s *Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports, s.Spec.InternalTrafficPolicy = ServiceTypeExternalName, "db.example.com.", nil, ""
		}, nil},
		{"external name required", func(s *Service) { s.Spec.Type, s.Spec.InternalTrafficPolicy = ServiceTypeExternalName, "" },
			[]string{"FieldValueRequired spec.externalName"}},
		{"external name with a cluster IP", func(s *Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.ClusterIP = ServiceTypeExternalName, "db", "10.96.0.1"
		}, []string{"FieldValueForbidden spec.clusterIP"}},
		{"unknown type", func(s *Service) { s.Spec.Type = "Magic" }, []string{"FieldValueNotSupported spec.type"}},
		{"second port needs a name", func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Port: 443, Protocol: "TCP", TargetPort: meta.FromInt(443)})
		},
			[]string{"FieldValueRequired spec.ports[1].name"}},
		{"duplicate port name", func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: "http", Port: 443, Protocol: "TCP", TargetPort: meta.FromInt(443)})
		}, []string{"FieldValueDuplicate spec.ports[1].name"}},
		{"duplicate port", func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: "other", Port: 80, Protocol: "TCP", TargetPort: meta.FromInt(80)})
		}, []string{"FieldValueDuplicate spec.ports[1]"}},
		{"same port, other protocol", func(s *Service) {
			s.Spec.Ports = append(s.Spec.Ports, ServicePort{Name: "udp", Port: 80, Protocol: "UDP", TargetPort: meta.FromInt(80)})
		}, nil},
		{"bad port", func(s *Service) { s.Spec.Ports[0].Port = 70000 }, []string{"FieldValueInvalid spec.ports[0].port"}},
		{"bad protocol", func(s *Service) { s.Spec.Ports[0].Protocol = "ICMP" }, []string{"FieldValueNotSupported spec.ports[0].protocol"}},
		{"bad target port name", func(s *Service) { s.Spec.Ports[0].TargetPort = meta.FromString("http_x") },
			[]string{"FieldValueInvalid spec.ports[0].targetPort"}},
		{"bad target port number", func(s *Service) { s.Spec.Ports[0].TargetPort = meta.FromInt(0) },
			[]string{"FieldValueInvalid spec.ports[0].targetPort"}},
		{"node port on a cluster IP service", func(s *Service) { s.Spec.Ports[0].NodePort = 30080 },
			[]string{"FieldValueForbidden spec.ports[0].nodePort"}},
		{"node port out of range", func(s *Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy, s.Spec.Ports[0].NodePort = ServiceTypeNodePort, ServiceExternalTrafficPolicyCluster, 8080
		}, []string{"FieldValueInvalid spec.ports[0].nodePort"}},
		{"node port in range", func(s *Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy, s.Spec.Ports[0].NodePort = ServiceTypeNodePort, ServiceExternalTrafficPolicyCluster, 30080
		}, nil},
		{"bad cluster IP", func(s *Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.300", []string{"10.96.0.300"} },
			[]string{"FieldValueInvalid spec.clusterIP"}},
		{"clusterIPs disagree", func(s *Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.1", []string{"10.96.0.2"} },
			[]string{"FieldValueInvalid spec.clusterIPs[0]"}},
		{"two IPv4 cluster IPs", func(s *Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.1", []string{"10.96.0.1", "10.96.0.2"}
		},
			[]string{"FieldValueInvalid spec.clusterIPs[1]"}},
		{"dual stack", func(s *Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.1", []string{"10.96.0.1", "fd00::1"}
			s.Spec.IPFamilyPolicy, s.Spec.IPFamilies = IPFamilyPolicyRequireDualStack, []IPFamily{IPv4Protocol, IPv6Protocol}
		}, nil},
		{"single stack with two families", func(s *Service) {
			s.Spec.IPFamilyPolicy, s.Spec.IPFamilies = IPFamilyPolicySingleStack, []IPFamily{IPv4Protocol, IPv6Protocol}
		}, []string{"FieldValueInvalid spec.ipFamilyPolicy"}},
		{"bad external IP", func(s *Service) {
			s.Spec.ExternalIPs, s.Spec.ExternalTrafficPolicy = []string{"nope"}, ServiceExternalTrafficPolicyCluster
		}, []string{"FieldValueInvalid spec.externalIPs[0]"}},
		{"load balancer IP on a cluster IP service", func(s *Service) { s.Spec.LoadBalancerIP = "192.0.2.1" },
			[]string{"FieldValueForbidden spec.loadBalancerIP"}},
		{"external traffic policy on an internal service", func(s *Service) { s.Spec.ExternalTrafficPolicy = ServiceExternalTrafficPolicyLocal },
			[]string{"FieldValueInvalid spec.externalTrafficPolicy"}},
		{"missing external traffic policy", func(s *Service) { s.Spec.Type = ServiceTypeLoadBalancer },
			[]string{"FieldValueRequired spec.externalTrafficPolicy"}},
		{"bad internal traffic policy", func(s *Service) { s.Spec.InternalTrafficPolicy = "Nearby" },
			[]string{"FieldValueNotSupported spec.internalTrafficPolicy"}},
		{"bad session affinity", func(s *Service) { s.Spec.SessionAffinity = "Sticky" },
			[]string{"FieldValueNotSupported spec.sessionAffinity"}},
		{"bad selector", func(s *Service) { s.Spec.Selector = map[string]string{"app": "a b"} },
			[]string{"FieldValueInvalid spec.selector[app]"}},
		{"bad ingress", func(s *Service) {
			s.Status.LoadBalancer.Ingress = []LoadBalancerIngress{{IP: "x"}, {Hostname: "192.0.2.1"}}
		},
			[]string{"FieldValueInvalid status.loadBalancer.ingress[0].ip", "FieldValueInvalid status.loadBalancer.ingress[1].hostname"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testService()
			tt.mutate(s)
			if diff := cmp.Diff(tt.want, causesOf(ValidateService(s))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceUpdate(t *testing.T) {
	allocated := func(s *Service) {
		s.Spec.Type = ServiceTypeNodePort
		s.Spec.ClusterIP = "10.96.0.20"
		s.Spec.Ports[0].NodePort = 30080
	}
	tests := []struct {
		name   string
		old    *Service
		update *Service
		check  func(t *testing.T, s *Service)
		want   []string
	}{
		{
			name:   "allocated values survive a resend of the manifest",
			old:    testService(allocated),
			update: testService(func(s *Service) { s.Spec.Type = ServiceTypeNodePort }),
			check: func(t *testing.T, s *Service) {
				if s.Spec.ClusterIP != "10.96.0.20" || s.Spec.Ports[0].NodePort != 30080 {
					t.Errorf("got clusterIP %q nodePort %d, want 10.96.0.20 and 30080", s.Spec.ClusterIP, s.Spec.Ports[0].NodePort)
				}
			},
		},
		{
			name:   "changing the cluster IP",
			old:    testService(allocated),
			update: testService(allocated, func(s *Service) { s.Spec.ClusterIP = "10.96.0.21" }),
			want:   []string{"FieldValueInvalid spec.clusterIP"},
		},
		{
			name: "node port to cluster IP drops node ports and the external policy",
			old:  testService(allocated),
			update: testService(allocated, func(s *Service) {
				s.Spec.Type = ServiceTypeClusterIP
				s.Spec.ExternalTrafficPolicy = ServiceExternalTrafficPolicyCluster // merged in from the stored object
			}),
			check: func(t *testing.T, s *Service) {
				if s.Spec.Ports[0].NodePort != 0 || s.Spec.ExternalTrafficPolicy != "" {
					t.Errorf("got nodePort %d and externalTrafficPolicy %q, want both cleared", s.Spec.Ports[0].NodePort, s.Spec.ExternalTrafficPolicy)
				}
			},
		},
		{
			name: "to external name drops the cluster IP",
			old:  testService(allocated),
			update: testService(allocated, func(s *Service) {
				s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = ServiceTypeExternalName, "db.example.com", nil
			}),
			check: func(t *testing.T, s *Service) {
				if s.Spec.ClusterIP != "" || len(s.Spec.ClusterIPs) != 0 {
					t.Errorf("got clusterIP %q %q, want none", s.Spec.ClusterIP, s.Spec.ClusterIPs)
				}
			},
		},
	}
	r := ServiceResource()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.update
			r.PrepareForUpdate(s, tt.old)
			r.Default(s)
			errs := append(r.Validate(s), r.ValidateUpdate(s, tt.old)...)
			if diff := cmp.Diff(tt.want, causesOf(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestServiceRow(t *testing.T) {
	lb := testService(func(s *Service) {
		s.Spec.Type = ServiceTypeLoadBalancer
		s.Spec.ClusterIP = "10.96.0.5"
		s.Spec.Ports = []ServicePort{{Name: "http", Port: 80, NodePort: 30080}, {Name: "dns", Port: 53, Protocol: "UDP"}}
	})
	tests := []struct {
		name string
		svc  *Service
		want []any
	}{
		{"zero", &Service{}, []any{"", "", "<none>", "<unknown>", "<none>", "<unknown>", "<none>"}},
		{"cluster IP", testService(func(s *Service) { s.Spec.ClusterIP = "10.96.0.1" }),
			[]any{"web", "ClusterIP", "10.96.0.1", "<none>", "80/TCP", "<unknown>", "app=web"}},
		{"pending load balancer", lb,
			[]any{"web", "LoadBalancer", "10.96.0.5", "<pending>", "80:30080/TCP,53/UDP", "<unknown>", "app=web"}},
		{"external name", testService(func(s *Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = ServiceTypeExternalName, "db.example.com", nil
		}),
			[]any{"web", "ExternalName", "<none>", "db.example.com", "<none>", "<unknown>", "app=web"}},
	}
	r := ServiceResource()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, r.Row(tt.svc)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
	lb.Status.LoadBalancer.Ingress = []LoadBalancerIngress{{IP: "192.0.2.10"}, {Hostname: "lb.example.com"}}
	lb.Spec.ExternalIPs = []string{"192.0.2.20"}
	if got, want := serviceExternalIP(lb), "192.0.2.10,lb.example.com,192.0.2.20"; got != want {
		t.Errorf("external IP = %q, want %q", got, want)
	}
}

func TestServiceFields(t *testing.T) {
	got := ServiceResource().FieldSet(testService(func(s *Service) { s.Spec.ClusterIP = "10.96.0.1" }))
	want := map[string]string{"metadata.name": "web", "metadata.namespace": "default", "spec.clusterIP": "10.96.0.1", "spec.type": "ClusterIP"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
