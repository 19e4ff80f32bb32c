package scheduler

import (
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
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

func (b *podBuilder) req(cpu, mem string) *podBuilder {
	r := core.ResourceList{}
	if cpu != "" {
		r[core.ResourceCPU] = resource.MustParse(cpu)
	}
	if mem != "" {
		r[core.ResourceMemory] = resource.MustParse(mem)
	}
	b.p.Spec.Containers[0].Resources.Requests = r
	return b
}

func (b *podBuilder) onNode(n string) *podBuilder       { b.p.Spec.NodeName = n; return b }
func (b *podBuilder) uid(uid string) *podBuilder        { b.p.UID = uid; return b }
func (b *podBuilder) scheduler(name string) *podBuilder { b.p.Spec.SchedulerName = name; return b }
func (b *podBuilder) priority(p int32) *podBuilder      { b.p.Spec.Priority = &p; return b }
func (b *podBuilder) created(t time.Time) *podBuilder {
	b.p.CreationTimestamp = meta.NewTime(t)
	return b
}

func (b *podBuilder) label(k, v string) *podBuilder {
	if b.p.Labels == nil {
		b.p.Labels = map[string]string{}
	}
	b.p.Labels[k] = v
	return b
}

func (b *podBuilder) nodeSelector(k, v string) *podBuilder {
	if b.p.Spec.NodeSelector == nil {
		b.p.Spec.NodeSelector = map[string]string{}
	}
	b.p.Spec.NodeSelector[k] = v
	return b
}

func (b *podBuilder) tolerate(key string, effect core.TaintEffect) *podBuilder {
	b.p.Spec.Tolerations = append(b.p.Spec.Tolerations, core.Toleration{Key: key, Operator: core.TolerationOpExists, Effect: effect})
	return b
}

func (b *podBuilder) owner(uid string) *podBuilder {
	yes := true
	b.p.OwnerReferences = append(b.p.OwnerReferences, meta.OwnerReference{
		APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + uid, UID: uid, Controller: &yes})
	return b
}

func (b *podBuilder) phase(p core.PodPhase) *podBuilder { b.p.Status.Phase = p; return b }

// obj returns a copy, so one builder can stamp out several versions.
func (b *podBuilder) obj() *core.Pod { return meta.DeepCopy(b.p) }

// nodeBuilder builds test nodes: Ready, 4 cpus, 8Gi, 110 pods unless told.
type nodeBuilder struct{ n *core.Node }

func testNode(name string) *nodeBuilder {
	return &nodeBuilder{n: &core.Node{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: meta.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: core.NodeStatus{
			Capacity:    resources("4", "8Gi", "110"),
			Allocatable: resources("4", "8Gi", "110"),
			Conditions:  []core.NodeCondition{{Type: core.NodeReady, Status: core.ConditionTrue}},
		},
	}}
}

func resources(cpu, mem, pods string) core.ResourceList {
	return core.ResourceList{
		core.ResourceCPU:    resource.MustParse(cpu),
		core.ResourceMemory: resource.MustParse(mem),
		core.ResourcePods:   resource.MustParse(pods),
	}
}

func (b *nodeBuilder) alloc(cpu, mem, pods string) *nodeBuilder {
	b.n.Status.Capacity = resources(cpu, mem, pods)
	b.n.Status.Allocatable = resources(cpu, mem, pods)
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

func (b *nodeBuilder) obj() *core.Node { return meta.DeepCopy(b.n) }

// fakeClock is a Clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
