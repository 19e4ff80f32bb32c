package plugins

import (
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/scheduler/framework"
)

// podBuilder builds test pods: testPod("a").req("500m", "1Gi").onNode("n1").
type podBuilder struct{ p *core.Pod }

func testPod(name string) *podBuilder {
	return &podBuilder{p: &core.Pod{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name},
		Spec:       core.PodSpec{Containers: []core.Container{{Name: "c", Image: "busybox"}}},
	}}
}

// req adds a container requesting cpu and memory ("" requests none).
func (b *podBuilder) req(cpu, mem string) *podBuilder {
	c := core.Container{Name: "c", Image: "busybox", Resources: core.ResourceRequirements{Requests: core.ResourceList{}}}
	if cpu != "" {
		c.Resources.Requests[core.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		c.Resources.Requests[core.ResourceMemory] = resource.MustParse(mem)
	}
	if len(b.p.Spec.Containers) == 1 && b.p.Spec.Containers[0].Resources.Requests == nil {
		b.p.Spec.Containers[0] = c
	} else {
		b.p.Spec.Containers = append(b.p.Spec.Containers, c)
	}
	return b
}

func (b *podBuilder) onNode(n string) *podBuilder { b.p.Spec.NodeName = n; return b }

func (b *podBuilder) nodeSelector(k, v string) *podBuilder {
	if b.p.Spec.NodeSelector == nil {
		b.p.Spec.NodeSelector = map[string]string{}
	}
	b.p.Spec.NodeSelector[k] = v
	return b
}

func (b *podBuilder) tolerate(key string, op core.TolerationOperator, value string, effect core.TaintEffect) *podBuilder {
	b.p.Spec.Tolerations = append(b.p.Spec.Tolerations, core.Toleration{Key: key, Operator: op, Value: value, Effect: effect})
	return b
}

func (b *podBuilder) hostPort(port int32, proto core.Protocol, ip string) *podBuilder {
	c := &b.p.Spec.Containers[0]
	c.Ports = append(c.Ports, core.ContainerPort{ContainerPort: port, HostPort: port, Protocol: proto, HostIP: ip})
	return b
}

func (b *podBuilder) owner(uid string) *podBuilder {
	yes := true
	b.p.OwnerReferences = append(b.p.OwnerReferences, meta.OwnerReference{
		APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + uid, UID: uid, Controller: &yes})
	return b
}

func (b *podBuilder) nodeAffinity() *core.NodeAffinity {
	if b.p.Spec.Affinity == nil {
		b.p.Spec.Affinity = &core.Affinity{}
	}
	if b.p.Spec.Affinity.NodeAffinity == nil {
		b.p.Spec.Affinity.NodeAffinity = &core.NodeAffinity{}
	}
	return b.p.Spec.Affinity.NodeAffinity
}

// requireTerm adds a required node selector term (ORed with the others).
func (b *podBuilder) requireTerm(reqs ...core.NodeSelectorRequirement) *podBuilder {
	na := b.nodeAffinity()
	if na.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		na.RequiredDuringSchedulingIgnoredDuringExecution = &core.NodeSelector{}
	}
	na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = append(
		na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms, core.NodeSelectorTerm{MatchExpressions: reqs})
	return b
}

func (b *podBuilder) prefer(weight int32, reqs ...core.NodeSelectorRequirement) *podBuilder {
	na := b.nodeAffinity()
	na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
		core.PreferredSchedulingTerm{Weight: weight, Preference: core.NodeSelectorTerm{MatchExpressions: reqs}})
	return b
}

func (b *podBuilder) info() *framework.PodInfo { return framework.NewPodInfo(b.p) }

func expr(key string, op core.NodeSelectorOperator, values ...string) core.NodeSelectorRequirement {
	return core.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

// nodeBuilder builds test nodes: Ready, 4 cpus, 8Gi, 110 pods unless told.
type nodeBuilder struct {
	n    *core.Node
	pods []*podBuilder
}

func testNode(name string) *nodeBuilder {
	return &nodeBuilder{n: &core.Node{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: meta.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: core.NodeStatus{
			Allocatable: core.ResourceList{
				core.ResourceCPU:    resource.MustParse("4"),
				core.ResourceMemory: resource.MustParse("8Gi"),
				core.ResourcePods:   resource.MustParse("110"),
			},
			Conditions: []core.NodeCondition{{Type: core.NodeReady, Status: core.ConditionTrue}},
		},
	}}
}

func (b *nodeBuilder) alloc(cpu, mem, pods string) *nodeBuilder {
	b.n.Status.Allocatable = core.ResourceList{
		core.ResourceCPU:    resource.MustParse(cpu),
		core.ResourceMemory: resource.MustParse(mem),
		core.ResourcePods:   resource.MustParse(pods),
	}
	return b
}

func (b *nodeBuilder) label(k, v string) *nodeBuilder { b.n.Labels[k] = v; return b }

func (b *nodeBuilder) taint(key, value string, effect core.TaintEffect) *nodeBuilder {
	b.n.Spec.Taints = append(b.n.Spec.Taints, core.Taint{Key: key, Value: value, Effect: effect})
	return b
}

func (b *nodeBuilder) ready(s core.ConditionStatus) *nodeBuilder {
	b.n.Status.Conditions = []core.NodeCondition{{Type: core.NodeReady, Status: s}}
	return b
}

func (b *nodeBuilder) noConditions() *nodeBuilder { b.n.Status.Conditions = nil; return b }

func (b *nodeBuilder) cordoned() *nodeBuilder { b.n.Spec.Unschedulable = true; return b }

// with places pods on the node.
func (b *nodeBuilder) with(pods ...*podBuilder) *nodeBuilder {
	b.pods = append(b.pods, pods...)
	return b
}

func (b *nodeBuilder) info() *framework.NodeInfo {
	ni := framework.NewNodeInfo(b.n)
	for _, p := range b.pods {
		ni.AddPod(p.onNode(b.n.Name).info())
	}
	return ni
}
