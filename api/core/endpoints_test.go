package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

func addresses(ips ...string) []EndpointAddress {
	out := make([]EndpointAddress, len(ips))
	for i, ip := range ips {
		out[i] = EndpointAddress{IP: ip}
	}
	return out
}

func TestDefaultEndpoints(t *testing.T) {
	e := Endpoints{Subsets: []EndpointSubset{{Addresses: addresses("10.0.0.1"), Ports: []EndpointPort{{Port: 80}, {Port: 53, Protocol: "UDP"}}}}}
	DefaultEndpoints(&e)
	want := []EndpointPort{{Port: 80, Protocol: "TCP"}, {Port: 53, Protocol: "UDP"}}
	if diff := cmp.Diff(want, e.Subsets[0].Ports); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}
}

func TestValidateEndpoints(t *testing.T) {
	node := "node-1"
	bad := "Node_1"
	tests := []struct {
		name    string
		subsets []EndpointSubset
		want    []string
	}{
		{"valid", []EndpointSubset{{
			Addresses:         []EndpointAddress{{IP: "10.0.0.1", NodeName: &node, TargetRef: &ObjectReference{Kind: "Pod", Name: "web-1"}}},
			NotReadyAddresses: addresses("fd00::2"),
			Ports:             []EndpointPort{{Name: "http", Port: 80, Protocol: "TCP"}, {Name: "https", Port: 443, Protocol: "TCP"}},
		}}, nil},
		{"headless without ports", []EndpointSubset{{Addresses: addresses("10.0.0.1")}}, nil},
		{"no addresses", []EndpointSubset{{Ports: []EndpointPort{{Port: 80, Protocol: "TCP"}}}},
			[]string{"FieldValueRequired subsets[0]"}},
		{"bad addresses", []EndpointSubset{{
			Addresses:         []EndpointAddress{{IP: "x", Hostname: "a.b", NodeName: &bad}},
			NotReadyAddresses: addresses(""),
		}}, []string{
			"FieldValueInvalid subsets[0].addresses[0].ip",
			"FieldValueInvalid subsets[0].addresses[0].hostname",
			"FieldValueInvalid subsets[0].addresses[0].nodeName",
			"FieldValueInvalid subsets[0].notReadyAddresses[0].ip",
		}},
		{"bad ports", []EndpointSubset{{
			Addresses: addresses("10.0.0.1"),
			Ports:     []EndpointPort{{Name: "a", Port: 0, Protocol: "TCP"}, {Name: "a", Port: 1, Protocol: "ICMP"}, {Port: 2, Protocol: "TCP"}},
		}}, []string{
			"FieldValueInvalid subsets[0].ports[0].port",
			"FieldValueDuplicate subsets[0].ports[1].name",
			"FieldValueNotSupported subsets[0].ports[1].protocol",
			"FieldValueRequired subsets[0].ports[2].name",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Endpoints{ObjectMeta: meta.ObjectMeta{Name: "web", Namespace: "default"}, Subsets: tt.subsets}
			if diff := cmp.Diff(tt.want, causesOf(ValidateEndpoints(&e))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndpointsCell(t *testing.T) {
	tests := []struct {
		name    string
		subsets []EndpointSubset
		want    string
	}{
		{"none", nil, "<none>"},
		{"no ports", []EndpointSubset{{Addresses: addresses("10.0.0.1", "10.0.0.2")}}, "10.0.0.1,10.0.0.2"},
		{"ports", []EndpointSubset{{Addresses: addresses("10.0.0.1", "fd00::1"), Ports: []EndpointPort{{Port: 80}}}},
			"10.0.0.1:80,[fd00::1]:80"},
		{"more", []EndpointSubset{{Addresses: addresses("10.0.0.1", "10.0.0.2", "10.0.0.3"), Ports: []EndpointPort{{Port: 80}, {Port: 443}}}},
			"10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..."},
		{"only not ready", []EndpointSubset{{NotReadyAddresses: addresses("10.0.0.1"), Ports: []EndpointPort{{Port: 80}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Endpoints{ObjectMeta: meta.ObjectMeta{Name: "web"}, Subsets: tt.subsets}
			want := []any{"web", tt.want, "<unknown>"}
			if diff := cmp.Diff(want, EndpointsResource().Row(e)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}
