package controller

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func secs(n int64) *int64 { return &n }

func noExecute(key string, added time.Time) core.Taint {
	at := meta.NewTime(added)
	return core.Taint{Key: key, Effect: core.TaintEffectNoExecute, TimeAdded: &at}
}

func TestEvictionTime(t *testing.T) {
	unreachable := noExecute(TaintNodeUnreachable, t0)
	tolerate := func(key string, s *int64) core.Toleration {
		return core.Toleration{Key: key, Operator: core.TolerationOpExists, Effect: core.TaintEffectNoExecute, TolerationSeconds: s}
	}
	tests := []struct {
		name   string
		tols   []core.Toleration
		taints []core.Taint
		now    time.Time
		wantAt time.Time
		wantOK bool
	}{
		{"not tolerated: at once", nil, []core.Taint{unreachable}, t0.Add(time.Minute), t0.Add(time.Minute), true},
		{"tolerated for 300s: from timeAdded", []core.Toleration{tolerate(TaintNodeUnreachable, secs(300))}, []core.Taint{unreachable}, t0.Add(10 * time.Second), t0.Add(300 * time.Second), true},
		{"tolerated for ever", []core.Toleration{tolerate(TaintNodeUnreachable, nil)}, []core.Taint{unreachable}, t0, time.Time{}, false},
		{"negative seconds: at timeAdded", []core.Toleration{tolerate(TaintNodeUnreachable, secs(-5))}, []core.Taint{unreachable}, t0.Add(time.Second), t0, true},
		{"empty key with Exists tolerates everything", []core.Toleration{{Operator: core.TolerationOpExists}}, []core.Taint{unreachable, noExecute("x", t0)}, t0, time.Time{}, false},
		{"one of two taints untolerated", []core.Toleration{tolerate(TaintNodeUnreachable, nil)}, []core.Taint{unreachable, noExecute("x", t0)}, t0.Add(time.Second), t0.Add(time.Second), true},
		{"earliest of two tolerations", []core.Toleration{tolerate(TaintNodeUnreachable, secs(60)), tolerate("x", secs(30))},
			[]core.Taint{unreachable, noExecute("x", t0.Add(10*time.Second))}, t0.Add(20 * time.Second), t0.Add(40 * time.Second), true},
		{"wrong value with Equal", []core.Toleration{{Key: "x", Value: "a", Effect: core.TaintEffectNoExecute}},
			[]core.Taint{{Key: "x", Value: "b", Effect: core.TaintEffectNoExecute}}, t0, t0, true},
		{"NoSchedule taints do not evict", nil, []core.Taint{{Key: "x", Effect: core.TaintEffectNoSchedule}}, t0, time.Time{}, false},
		{"no timeAdded: counted from now", []core.Toleration{tolerate("x", secs(5))}, []core.Taint{{Key: "x", Effect: core.TaintEffectNoExecute}}, t0, t0.Add(5 * time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := evictionTime(tt.tols, tt.taints, tt.now)
			if ok != tt.wantOK || !at.Equal(tt.wantAt) {
				t.Errorf("got %v %v, want %v %v", at, ok, tt.wantAt, tt.wantOK)
			}
		})
	}
}

type nodeBuilder struct{ n *core.Node }

func testNode(name string) *nodeBuilder {
	return &nodeBuilder{&core.Node{ObjectMeta: meta.ObjectMeta{Name: name}}}
}

func (b *nodeBuilder) condition(t core.NodeConditionType, s core.ConditionStatus, heartbeat time.Time) *nodeBuilder {
	b.n.Status.Conditions = append(b.n.Status.Conditions, core.NodeCondition{Type: t, Status: s, LastHeartbeatTime: meta.NewTime(heartbeat)})
	return b
}

func (b *nodeBuilder) taint(tt core.Taint) *nodeBuilder {
	b.n.Spec.Taints = append(b.n.Spec.Taints, tt)
	return b
}

func (b *nodeBuilder) labels(kv ...string) *nodeBuilder {
	if b.n.Labels == nil {
		b.n.Labels = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b.n.Labels[kv[i]] = kv[i+1]
	}
	return b
}

func (b *nodeBuilder) build() *core.Node { return b.n }

func TestMarkNodeUnknown(t *testing.T) {
	now := t0.Add(time.Minute)
	node := testNode("n").condition(core.NodeReady, core.ConditionTrue, t0).condition(core.NodeMemoryPressure, core.ConditionFalse, t0).build()
	next, changed := markNodeUnknown(node, now)
	if !changed {
		t.Fatal("got unchanged, want conditions marked Unknown")
	}
	for _, c := range next.Status.Conditions {
		if c.Status != core.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
			t.Errorf("condition %s: got %s %q %q, want Unknown NodeStatusUnknown", c.Type, c.Status, c.Reason, c.Message)
		}
		if !c.LastHeartbeatTime.Equal(t0) || !c.LastTransitionTime.Equal(now) {
			t.Errorf("condition %s: got heartbeat %v transition %v, want %v %v", c.Type, c.LastHeartbeatTime, c.LastTransitionTime, t0, now)
		}
	}
	if node.Status.Conditions[0].Status != core.ConditionTrue {
		t.Error("markNodeUnknown changed its argument")
	}
	if _, changed := markNodeUnknown(next, now.Add(time.Minute)); changed {
		t.Error("marking an Unknown node again: got changed, want unchanged")
	}
	never, _ := markNodeUnknown(testNode("new").build(), now)
	if c := never.Condition(core.NodeReady); c == nil || c.Reason != "NodeStatusNeverUpdated" {
		t.Errorf("node that never reported: got Ready %+v, want Unknown NodeStatusNeverUpdated", c)
	}
}

func TestReconcileNodeTaints(t *testing.T) {
	now := t0.Add(time.Minute)
	keys := func(n *core.Node) []string {
		var out []string
		for _, tt := range n.Spec.Taints {
			out = append(out, tt.Key+":"+string(tt.Effect))
		}
		return out
	}
	other := core.Taint{Key: "dedicated", Value: "gpu", Effect: core.TaintEffectNoSchedule}
	tests := []struct {
		name        string
		node        *core.Node
		want        []string
		wantChanged bool
	}{
		{"ready: none", testNode("n").condition(core.NodeReady, core.ConditionTrue, t0).taint(other).build(), []string{"dedicated:NoSchedule"}, false},
		{"unknown: unreachable", testNode("n").condition(core.NodeReady, core.ConditionUnknown, t0).taint(other).build(),
			[]string{"dedicated:NoSchedule", TaintNodeUnreachable + ":NoExecute"}, true},
		{"false: not-ready replaces unreachable", testNode("n").condition(core.NodeReady, core.ConditionFalse, t0).taint(noExecute(TaintNodeUnreachable, t0)).build(),
			[]string{TaintNodeNotReady + ":NoExecute"}, true},
		{"back to ready: taint removed", testNode("n").condition(core.NodeReady, core.ConditionTrue, t0).taint(noExecute(TaintNodeUnreachable, t0)).build(), nil, true},
		{"already tainted: unchanged", testNode("n").condition(core.NodeReady, core.ConditionUnknown, t0).taint(noExecute(TaintNodeUnreachable, t0)).build(),
			[]string{TaintNodeUnreachable + ":NoExecute"}, false},
		{"no Ready condition: left alone", testNode("n").build(), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, changed := reconcileNodeTaints(tt.node, now)
			if changed != tt.wantChanged {
				t.Errorf("changed: got %v, want %v", changed, tt.wantChanged)
			}
			if diff := cmp.Diff(tt.want, keys(next)); diff != "" {
				t.Errorf("taints (-want +got):\n%s", diff)
			}
			for _, tn := range next.Spec.Taints {
				if tn.Key == TaintNodeUnreachable && tn.TimeAdded == nil {
					t.Errorf("taint %s: got no timeAdded, want one", tn.Key)
				}
			}
		})
	}
}

// TestHeartbeatAge: the grace period counts on the controller's clock from
// the last change it saw, so a skewed agent clock does not matter.
func TestHeartbeatAge(t *testing.T) {
	c, err := client.New(&client.Config{Server: "http://127.0.0.1:1"}, builtin.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := NewNodeLifecycle(c, NewInformers(c, log), events.NewRecorder(c, "test", "h", log), log, NewNodeLifecycleConfig())
	skewed := t0.Add(-time.Hour)
	node := testNode("n").condition(core.NodeReady, core.ConditionTrue, skewed).build()
	renewed := testNode("n").condition(core.NodeReady, core.ConditionTrue, skewed.Add(time.Second)).build()
	steps := []struct {
		name string
		now  time.Time
		node *core.Node
		want time.Duration
	}{
		{"first sight", t0, node, 0},
		{"silence", t0.Add(30 * time.Second), node, 30 * time.Second},
		{"new heartbeat", t0.Add(50 * time.Second), renewed, 0},
		{"silence again", t0.Add(95 * time.Second), renewed, 45 * time.Second},
	}
	for _, s := range steps {
		if got := n.heartbeatAge(s.node, s.now); got != s.want {
			t.Errorf("%s: got age %v, want %v", s.name, got, s.want)
		}
	}
}
