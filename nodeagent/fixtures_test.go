package nodeagent

import (
	"slices"
	"sync"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// podBuilder makes test pods: testPod("web").onNode("n1").policy(Never).obj().
type podBuilder struct{ p core.Pod }

func testPod(name string) *podBuilder {
	b := &podBuilder{p: core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
		Spec: core.PodSpec{
			Containers:    []core.Container{{Name: "app", Image: "nginx:1.27"}},
			RestartPolicy: core.RestartPolicyAlways,
		},
	}}
	return b
}

func (b *podBuilder) onNode(n string) *podBuilder { b.p.Spec.NodeName = n; return b }

func (b *podBuilder) policy(p core.RestartPolicy) *podBuilder { b.p.Spec.RestartPolicy = p; return b }

func (b *podBuilder) containers(names ...string) *podBuilder {
	b.p.Spec.Containers = nil
	for _, n := range names {
		b.p.Spec.Containers = append(b.p.Spec.Containers, core.Container{Name: n, Image: "busybox:1.36"})
	}
	return b
}

func (b *podBuilder) initContainers(names ...string) *podBuilder {
	for _, n := range names {
		b.p.Spec.InitContainers = append(b.p.Spec.InitContainers, core.Container{Name: n, Image: "busybox:1.36"})
	}
	return b
}

func (b *podBuilder) annotate(k, v string) *podBuilder {
	if b.p.Annotations == nil {
		b.p.Annotations = map[string]string{}
	}
	b.p.Annotations[k] = v
	return b
}

func (b *podBuilder) grace(secs int64) *podBuilder {
	b.p.Spec.TerminationGracePeriodSeconds = &secs
	return b
}

func (b *podBuilder) hostNetwork() *podBuilder { b.p.Spec.HostNetwork = true; return b }

func (b *podBuilder) readinessGate(t core.PodConditionType) *podBuilder {
	b.p.Spec.ReadinessGates = append(b.p.Spec.ReadinessGates, core.PodReadinessGate{ConditionType: t})
	return b
}

func (b *podBuilder) status(s core.PodStatus) *podBuilder { b.p.Status = s; return b }

func (b *podBuilder) obj() *core.Pod { p := meta.DeepCopy(b.p); return &p }

// fakeClock is a Clock that moves only when told to; due timers fire
// synchronously, in order, inside Step.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	f    func()
	done bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.done
		t.done = true
		return was
	}
}

// Step moves the clock by d, firing every timer that falls due.
func (c *fakeClock) Step(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		slices.SortStableFunc(c.timers, func(a, b *fakeTimer) int { return a.at.Compare(b.at) })
		var next *fakeTimer
		for _, t := range c.timers {
			if !t.done && !t.at.After(end) {
				next = t
				break
			}
		}
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		next.done = true
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
	}
}
