package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

func TestDaemonNodeFit(t *testing.T) {
	affinity := func(op core.NodeSelectorOperator, key string, values ...string) *core.Affinity {
		return &core.Affinity{NodeAffinity: &core.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &core.NodeSelector{
			NodeSelectorTerms: []core.NodeSelectorTerm{{MatchExpressions: []core.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}},
		}}}
	}
	tests := []struct {
		name                 string
		spec                 core.PodSpec
		node                 *core.Node
		wantRun, wantRunning bool
	}{
		{"plain node", core.PodSpec{}, testNode("n").build(), true, true},
		{"node selector matches", core.PodSpec{NodeSelector: map[string]string{"role": "edge"}}, testNode("n").labels("role", "edge").build(), true, true},
		{"node selector does not match", core.PodSpec{NodeSelector: map[string]string{"role": "edge"}}, testNode("n").labels("role", "core").build(), false, false},
		{"affinity In", core.PodSpec{Affinity: affinity(core.NodeSelectorOpIn, "zone", "a", "b")}, testNode("n").labels("zone", "b").build(), true, true},
		{"affinity NotIn", core.PodSpec{Affinity: affinity(core.NodeSelectorOpNotIn, "zone", "a")}, testNode("n").labels("zone", "a").build(), false, false},
		{"affinity Gt", core.PodSpec{Affinity: affinity(core.NodeSelectorOpGt, "cores", "8")}, testNode("n").labels("cores", "16").build(), true, true},
		{"untolerated NoSchedule: keep, do not start", core.PodSpec{}, testNode("n").taint(core.Taint{Key: "gpu", Effect: core.TaintEffectNoSchedule}).build(), false, true},
		{"untolerated NoExecute: neither", core.PodSpec{}, testNode("n").taint(core.Taint{Key: "gpu", Effect: core.TaintEffectNoExecute}).build(), false, false},
		{"tolerated taint", core.PodSpec{Tolerations: []core.Toleration{{Key: "gpu", Operator: core.TolerationOpExists}}},
			testNode("n").taint(core.Taint{Key: "gpu", Effect: core.TaintEffectNoExecute}).build(), true, true},
		{"daemon tolerations: unreachable, not-ready, cordoned", core.PodSpec{}, testNode("n").
			taint(noExecute(TaintNodeUnreachable, t0)).taint(noExecute(TaintNodeNotReady, t0)).
			taint(core.Taint{Key: taintNodeUnschedulable, Effect: core.TaintEffectNoSchedule}).build(), true, true},
		{"network-unavailable tolerated only with host network", core.PodSpec{}, testNode("n").
			taint(core.Taint{Key: taintNodeNetworkUnavailable, Effect: core.TaintEffectNoSchedule}).build(), false, true},
		{"network-unavailable with host network", core.PodSpec{HostNetwork: true}, testNode("n").
			taint(core.Taint{Key: taintNodeNetworkUnavailable, Effect: core.TaintEffectNoSchedule}).build(), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, running := daemonNodeFit(&tt.spec, tt.node)
			if run != tt.wantRun || running != tt.wantRunning {
				t.Errorf("got shouldRun=%v shouldContinue=%v, want %v %v", run, running, tt.wantRun, tt.wantRunning)
			}
		})
	}
}

func TestPinToNode(t *testing.T) {
	user := &core.Affinity{NodeAffinity: &core.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &core.NodeSelector{
		NodeSelectorTerms: []core.NodeSelectorTerm{{MatchExpressions: []core.NodeSelectorRequirement{{Key: "zone", Operator: core.NodeSelectorOpIn, Values: []string{"a"}}}}},
	}}}
	pinned := pinToNode(user, "n7")
	terms := pinned.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	want := []core.NodeSelectorTerm{{
		MatchExpressions: []core.NodeSelectorRequirement{{Key: "zone", Operator: core.NodeSelectorOpIn, Values: []string{"a"}}},
		MatchFields:      []core.NodeSelectorRequirement{{Key: "metadata.name", Operator: core.NodeSelectorOpIn, Values: []string{"n7"}}},
	}}
	if diff := cmp.Diff(want, terms); diff != "" {
		t.Errorf("terms (-want +got):\n%s", diff)
	}
	if len(user.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields) != 0 {
		t.Error("pinToNode changed its argument")
	}
	if got := daemonPodNode(&core.Pod{Spec: core.PodSpec{Affinity: pinned}}); got != "n7" {
		t.Errorf("daemonPodNode of a pinned pod: got %q, want n7", got)
	}
	if got := daemonPodNode(&core.Pod{Spec: core.PodSpec{NodeName: "n8", Affinity: pinned}}); got != "n8" {
		t.Errorf("daemonPodNode of a bound pod: got %q, want n8", got)
	}
	if got := pinToNode(nil, "n1"); !nodeSelectorMatches(got.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution, testNode("n1").build()) ||
		nodeSelectorMatches(got.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution, testNode("n2").build()) {
		t.Error("pinned affinity should match its node and no other")
	}
}

func testDaemonSet(name string) *apps.DaemonSet {
	ds := &apps.DaemonSet{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, UID: "ds-uid", Generation: 3},
		Spec: apps.DaemonSetSpec{
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: core.PodTemplateSpec{
				ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       core.PodSpec{Containers: []core.Container{{Name: "c", Image: "agent:1"}}},
			},
		},
	}
	apps.DefaultDaemonSet(ds)
	return ds
}

// daemonPod is a pod of ds's template hash on node, created at t0+age.
func daemonPod(name, node, hash string, age int, ready bool) *core.Pod {
	p := &core.Pod{
		ObjectMeta: meta.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{DaemonSetRevisionLabel: hash},
			CreationTimestamp: meta.NewTime(t0.Add(time.Duration(age) * time.Second))},
		Spec:   core.PodSpec{NodeName: node},
		Status: core.PodStatus{Phase: core.PodRunning},
	}
	if ready {
		p.Status.Conditions = []core.PodCondition{{Type: core.PodReady, Status: core.ConditionTrue, LastTransitionTime: meta.NewTime(t0)}}
	}
	return p
}

func TestPlanDaemonSet(t *testing.T) {
	now := t0.Add(time.Hour)
	nodes := func(names ...string) []*core.Node {
		var out []*core.Node
		for _, n := range names {
			out = append(out, testNode(n).labels("role", "edge").build())
		}
		return out
	}
	failed := daemonPod("failed", "n2", "h", 0, false)
	failed.Status.Phase = core.PodFailed
	unsuitable := testNode("n3").taint(core.Taint{Key: "x", Effect: core.TaintEffectNoExecute}).build()
	percent := func(ds *apps.DaemonSet, surge, unavailable string) *apps.DaemonSet {
		s, u := meta.FromString(surge), meta.FromString(unavailable)
		ds.Spec.UpdateStrategy.RollingUpdate = &apps.RollingUpdateDaemonSet{MaxSurge: &s, MaxUnavailable: &u}
		return ds
	}
	onDelete := testDaemonSet("d")
	onDelete.Spec.UpdateStrategy = apps.DaemonSetUpdateStrategy{Type: apps.OnDeleteDaemonSetStrategyType}

	tests := []struct {
		name       string
		ds         *apps.DaemonSet
		nodes      []*core.Node
		pods       []*core.Pod
		wantCreate []string
		wantRemove []string
		wantStatus apps.DaemonSetStatus
	}{
		{"fresh: one pod per node", testDaemonSet("d"), nodes("n1", "n2"), nil, []string{"n1", "n2"}, nil,
			apps.DaemonSetStatus{DesiredNumberScheduled: 2, NumberUnavailable: 2, ObservedGeneration: 3}},
		{"steady", testDaemonSet("d"), nodes("n1"), []*core.Pod{daemonPod("a", "n1", "h", 0, true)}, nil, nil,
			apps.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1, UpdatedNumberScheduled: 1, ObservedGeneration: 3}},
		{"duplicates: the oldest stays", testDaemonSet("d"), nodes("n1"), []*core.Pod{daemonPod("young", "n1", "h", 5, true), daemonPod("old", "n1", "h", 0, true)},
			nil, []string{"young"},
			apps.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1, UpdatedNumberScheduled: 1, ObservedGeneration: 3}},
		{"failed pod deleted, replaced later", testDaemonSet("d"), nodes("n2"), []*core.Pod{failed}, nil, []string{"failed"},
			apps.DaemonSetStatus{DesiredNumberScheduled: 1, NumberUnavailable: 1, ObservedGeneration: 3}},
		{"node no longer fits, node gone", testDaemonSet("d"), []*core.Node{unsuitable},
			[]*core.Pod{daemonPod("misfit", "n3", "h", 0, true), daemonPod("orphan", "gone", "h", 0, true)}, nil, []string{"misfit", "orphan"},
			apps.DaemonSetStatus{NumberMisscheduled: 1, ObservedGeneration: 3}},
		{"rolling update: one unavailable at a time", testDaemonSet("d"), nodes("n1", "n2", "n3"),
			[]*core.Pod{daemonPod("a", "n1", "old", 0, true), daemonPod("b", "n2", "old", 0, true), daemonPod("c", "n3", "old", 0, true)},
			nil, []string{"a"},
			apps.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 3, NumberAvailable: 3, ObservedGeneration: 3}},
		{"rolling update: budget spent by an unready new pod", testDaemonSet("d"), nodes("n1", "n2", "n3"),
			[]*core.Pod{daemonPod("a", "n1", "h", 0, false), daemonPod("b", "n2", "old", 0, true), daemonPod("c", "n3", "old", 0, false)},
			nil, []string{"c"}, // c is unavailable anyway
			apps.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 1, NumberAvailable: 1, NumberUnavailable: 2, UpdatedNumberScheduled: 1, ObservedGeneration: 3}},
		{"rolling update with surge: new beside old", percent(testDaemonSet("d"), "50%", "0"), nodes("n1", "n2", "n3"),
			[]*core.Pod{daemonPod("a", "n1", "old", 0, true), daemonPod("b", "n2", "old", 0, true), daemonPod("c", "n3", "old", 0, true)},
			[]string{"n1", "n2"}, nil,
			apps.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 3, NumberAvailable: 3, ObservedGeneration: 3}},
		{"surge: old goes once new is available", percent(testDaemonSet("d"), "1", "0"), nodes("n1"),
			[]*core.Pod{daemonPod("old", "n1", "old", 0, true), daemonPod("new", "n1", "h", 5, true)},
			nil, []string{"old"},
			apps.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1, UpdatedNumberScheduled: 1, ObservedGeneration: 3}},
		{"OnDelete: old pods stay", onDelete, nodes("n1"), []*core.Pod{daemonPod("a", "n1", "old", 0, true)}, nil, nil,
			apps.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1, ObservedGeneration: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := planDaemonSet(tt.ds, "h", tt.nodes, tt.pods, now)
			if diff := cmp.Diff(tt.wantCreate, plan.create); diff != "" {
				t.Errorf("create (-want +got):\n%s", diff)
			}
			removed := podNames(plan.remove)
			slices.Sort(removed)
			if diff := cmp.Diff(tt.wantRemove, removed); diff != "" {
				t.Errorf("remove (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStatus, plan.status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanDaemonSetMinReady(t *testing.T) {
	ds := testDaemonSet("d")
	ds.Spec.MinReadySeconds = 30
	plan := planDaemonSet(ds, "h", []*core.Node{testNode("n1").build()}, []*core.Pod{daemonPod("a", "n1", "h", 0, true)}, t0.Add(10*time.Second))
	if plan.status.NumberReady != 1 || plan.status.NumberAvailable != 0 || plan.recheck != 20*time.Second {
		t.Fatalf("ready for 10s of 30: got ready %d available %d recheck %v, want 1 0 20s", plan.status.NumberReady, plan.status.NumberAvailable, plan.recheck)
	}
}

func TestDaemonPodTemplate(t *testing.T) {
	ds := testDaemonSet("agent")
	p := daemonPodTemplate(ds, "n4", "h1")
	if p.Labels["app"] != "agent" || p.Labels[DaemonSetRevisionLabel] != "h1" || p.GenerateName != "agent-" {
		t.Errorf("got labels %v generateName %q, want the template's, the hash, agent-", p.Labels, p.GenerateName)
	}
	if got := daemonPodNode(p); got != "n4" || p.Spec.NodeName != "" {
		t.Errorf("got pinned to %q with nodeName %q, want n4 by affinity, unbound", got, p.Spec.NodeName)
	}
	if _, ok := tolerationFor(p.Spec.Tolerations, noExecute(TaintNodeUnreachable, t0)); !ok {
		t.Error("daemon pod does not tolerate unreachable nodes")
	}
	if ref := p.ControllerRef(); ref == nil || ref.Kind != "DaemonSet" || ref.UID != "ds-uid" {
		t.Errorf("owner: got %+v, want the daemon set as controller", ref)
	}
	if _, ok := ds.Spec.Template.Labels[DaemonSetRevisionLabel]; ok || ds.Spec.Template.Spec.Affinity != nil {
		t.Error("daemonPodTemplate changed the daemon set's template")
	}
	other := testDaemonSet("agent")
	other.Spec.Template.Spec.Containers[0].Image = "agent:2"
	if daemonTemplateHash(&ds.Spec.Template) == daemonTemplateHash(&other.Spec.Template) {
		t.Error("templates with different images have the same hash")
	}
}
