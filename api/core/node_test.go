package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
)

// testNode builds nodes for tests: testNode("n1").ready(true).cordoned().
type nodeBuilder struct{ n Node }

func testNode(name string) *nodeBuilder {
	return &nodeBuilder{Node{ObjectMeta: meta.ObjectMeta{Name: name}}}
}

func (b *nodeBuilder) ready(ok bool) *nodeBuilder {
	status := ConditionFalse
	if ok {
		status = ConditionTrue
	}
	b.n.Status.Conditions = append(b.n.Status.Conditions, NodeCondition{Type: NodeReady, Status: status})
	return b
}

func (b *nodeBuilder) cordoned() *nodeBuilder {
	b.n.Spec.Unschedulable = true
	return b
}

func (b *nodeBuilder) label(k, v string) *nodeBuilder {
	if b.n.Labels == nil {
		b.n.Labels = map[string]string{}
	}
	b.n.Labels[k] = v
	return b
}

func (b *nodeBuilder) node() *Node { return &b.n }

func TestDefaultNode(t *testing.T) {
	capacity := ResourceList{ResourceCPU: resource.MustParse("4"), ResourceMemory: resource.MustParse("8Gi")}
	tests := []struct {
		name         string
		in           NodeSpec
		capacity     ResourceList
		wantCIDR     string
		wantCIDRs    []string
		wantAllocCPU string
	}{
		{name: "podCIDR fills podCIDRs", in: NodeSpec{PodCIDR: "10.244.1.0/24"},
			wantCIDR: "10.244.1.0/24", wantCIDRs: []string{"10.244.1.0/24"}},
		{name: "podCIDRs fills podCIDR", in: NodeSpec{PodCIDRs: []string{"10.244.1.0/24", "fd00::/64"}},
			wantCIDR: "10.244.1.0/24", wantCIDRs: []string{"10.244.1.0/24", "fd00::/64"}},
		{name: "allocatable from capacity", capacity: capacity, wantAllocCPU: "4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Node{Spec: tt.in, Status: NodeStatus{Capacity: tt.capacity}}
			DefaultNode(&n)
			if n.Spec.PodCIDR != tt.wantCIDR {
				t.Errorf("got podCIDR %q, want %q", n.Spec.PodCIDR, tt.wantCIDR)
			}
			if diff := cmp.Diff(tt.wantCIDRs, n.Spec.PodCIDRs); diff != "" {
				t.Errorf("podCIDRs (-want +got):\n%s", diff)
			}
			if tt.wantAllocCPU != "" {
				cpu := n.Status.Allocatable.CPU()
				if got := cpu.String(); got != tt.wantAllocCPU {
					t.Errorf("got allocatable cpu %q, want %q", got, tt.wantAllocCPU)
				}
			}
		})
	}
}

func TestValidateNode(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(n *Node)
		want   []string
	}{
		{"valid", func(n *Node) {}, nil},
		{"taint without effect", func(n *Node) { n.Spec.Taints = []Taint{{Key: "a"}} },
			[]string{"FieldValueRequired spec.taints[0].effect"}},
		{"taint with unknown effect", func(n *Node) { n.Spec.Taints = []Taint{{Key: "a", Effect: "Evict"}} },
			[]string{"FieldValueNotSupported spec.taints[0].effect"}},
		{"taint with bad key and value", func(n *Node) { n.Spec.Taints = []Taint{{Key: "a b", Value: "-", Effect: TaintEffectNoSchedule}} },
			[]string{"FieldValueInvalid spec.taints[0].key", "FieldValueInvalid spec.taints[0].value"}},
		{"same key, different effects", func(n *Node) {
			n.Spec.Taints = []Taint{{Key: "a", Effect: TaintEffectNoSchedule}, {Key: "a", Effect: TaintEffectNoExecute}}
		}, nil},
		{"duplicate taint", func(n *Node) {
			n.Spec.Taints = []Taint{{Key: "a", Value: "1", Effect: TaintEffectNoSchedule}, {Key: "a", Value: "2", Effect: TaintEffectNoSchedule}}
		}, []string{"FieldValueDuplicate spec.taints[1]"}},
		{"bad CIDR", func(n *Node) { n.Spec.PodCIDR, n.Spec.PodCIDRs = "10.0.0.0", []string{"10.0.0.0"} },
			[]string{"FieldValueInvalid spec.podCIDRs[0]"}},
		{"dual stack", func(n *Node) { n.Spec.PodCIDR, n.Spec.PodCIDRs = "10.0.0.0/24", []string{"10.0.0.0/24", "fd00::/64"} }, nil},
		{"two IPv4 ranges", func(n *Node) { n.Spec.PodCIDR, n.Spec.PodCIDRs = "10.0.0.0/24", []string{"10.0.0.0/24", "10.0.1.0/24"} },
			[]string{"FieldValueInvalid spec.podCIDRs"}},
		{"podCIDR disagrees", func(n *Node) { n.Spec.PodCIDR, n.Spec.PodCIDRs = "10.0.1.0/24", []string{"10.0.0.0/24"} },
			[]string{"FieldValueInvalid spec.podCIDR"}},
		{"negative capacity", func(n *Node) { n.Status.Capacity = ResourceList{ResourceCPU: resource.MustParse("-1")} },
			[]string{"FieldValueInvalid status.capacity[cpu]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := testNode("n1").ready(true).node()
			tt.mutate(n)
			if diff := cmp.Diff(tt.want, causesOf(ValidateNode(n))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateNodeUpdate(t *testing.T) {
	tests := []struct {
		name     string
		old, new NodeSpec
		want     []string
	}{
		{"set podCIDRs", NodeSpec{}, NodeSpec{PodCIDRs: []string{"10.0.0.0/24"}}, nil},
		{"change podCIDRs", NodeSpec{PodCIDRs: []string{"10.0.0.0/24"}}, NodeSpec{PodCIDRs: []string{"10.0.1.0/24"}},
			[]string{"FieldValueForbidden spec.podCIDRs"}},
		{"set providerID", NodeSpec{}, NodeSpec{ProviderID: "aws://i-1"}, nil},
		{"change providerID", NodeSpec{ProviderID: "aws://i-1"}, NodeSpec{ProviderID: "aws://i-2"},
			[]string{"FieldValueForbidden spec.providerID"}},
		{"cordon", NodeSpec{}, NodeSpec{Unschedulable: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := causesOf(ValidateNodeUpdate(&Node{Spec: tt.new}, &Node{Spec: tt.old}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNodeRow(t *testing.T) {
	full := testNode("n1").ready(true).label("node-role.kubernetes.io/control-plane", "").
		label("node-role.kubernetes.io/etcd", "true").label("kubernetes.io/role", "worker").node()
	full.Status.Addresses = []NodeAddress{{Type: NodeHostName, Address: "n1"}, {Type: NodeInternalIP, Address: "10.0.0.1"}}
	full.Status.NodeInfo = NodeSystemInfo{KubeletVersion: "v1.30.0", OSImage: "Debian 12", KernelVersion: "6.1.0", ContainerRuntimeVersion: "containerd://2.0.0"}
	tests := []struct {
		name string
		node *Node
		want []any
	}{
		{"filled", full, []any{"n1", "Ready", "control-plane,etcd,worker", "<unknown>", "v1.30.0",
			"10.0.0.1", "<none>", "Debian 12", "6.1.0", "containerd://2.0.0"}},
		{"empty", testNode("n2").node(), []any{"n2", "Unknown", "<none>", "<unknown>", "",
			"<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, nodeRow(tt.node)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNodeStatusCell(t *testing.T) {
	tests := []struct {
		node *Node
		want string
	}{
		{testNode("a").ready(true).node(), "Ready"},
		{testNode("a").ready(false).node(), "NotReady"},
		{testNode("a").node(), "Unknown"},
		{testNode("a").ready(true).cordoned().node(), "Ready,SchedulingDisabled"},
		{testNode("a").cordoned().node(), "Unknown,SchedulingDisabled"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := nodeStatus(tt.node); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNodeFields(t *testing.T) {
	r := NodeResource()
	if got := r.FieldSet(testNode("a").cordoned().node())["spec.unschedulable"]; got != "true" {
		t.Errorf("spec.unschedulable = %q, want true", got)
	}
	if got := r.FieldSet(testNode("a").node())["spec.unschedulable"]; got != "false" {
		t.Errorf("spec.unschedulable = %q, want false", got)
	}
	if _, ok := r.FieldSet(testNode("a").node())["metadata.namespace"]; ok {
		t.Error("got a metadata.namespace field for a cluster-scoped kind, want none")
	}
}
