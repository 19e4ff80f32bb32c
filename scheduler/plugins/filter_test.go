package plugins

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

type filterCase struct {
	name string
	pod  *podBuilder
	node *nodeBuilder
	want []framework.Reason
}

func runFilterCases(t *testing.T, f framework.FilterPlugin, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := f.Filter(tc.pod.info(), tc.node.info())
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s.Filter: got %q, want %q (-want +got):\n%s", f.Name(), got, tc.want, diff)
			}
		})
	}
}

func TestNodeReadyFilter(t *testing.T) {
	runFilterCases(t, NodeReady{}, []filterCase{
		{name: "ready", pod: testPod("p"), node: testNode("n")},
		{name: "cordoned", pod: testPod("p"), node: testNode("n").cordoned(), want: []framework.Reason{ReasonUnschedulable}},
		{name: "cordoned, tolerated", node: testNode("n").cordoned(),
			pod: testPod("p").tolerate(TaintNodeUnschedulable, core.TolerationOpExists, "", core.TaintEffectNoSchedule)},
		{name: "not ready", pod: testPod("p"), node: testNode("n").ready(core.ConditionFalse),
			want: []framework.Reason{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{name: "no condition yet is not ready", pod: testPod("p"), node: testNode("n").noConditions(),
			want: []framework.Reason{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{name: "unknown is unreachable", pod: testPod("p"), node: testNode("n").ready(core.ConditionUnknown),
			want: []framework.Reason{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{name: "the default NoExecute toleration does not let a pod onto an unreachable node",
			pod:  testPod("p").tolerate(TaintNodeUnreachable, core.TolerationOpExists, "", core.TaintEffectNoExecute),
			node: testNode("n").ready(core.ConditionUnknown),
			want: []framework.Reason{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{name: "a DaemonSet-style NoSchedule toleration does",
			pod:  testPod("p").tolerate(TaintNodeUnreachable, core.TolerationOpExists, "", core.TaintEffectNoSchedule),
			node: testNode("n").ready(core.ConditionUnknown)},
		{name: "tolerate everything", pod: testPod("p").tolerate("", core.TolerationOpExists, "", ""),
			node: testNode("n").ready(core.ConditionFalse).cordoned()},
	})
}

func TestTaintTolerationFilter(t *testing.T) {
	runFilterCases(t, TaintToleration{}, []filterCase{
		{name: "no taints", pod: testPod("p"), node: testNode("n")},
		{name: "NoSchedule untolerated", pod: testPod("p"), node: testNode("n").taint("dedicated", "gpu", core.TaintEffectNoSchedule),
			want: []framework.Reason{"node(s) had untolerated taint {dedicated: gpu}"}},
		{name: "NoExecute untolerated", pod: testPod("p"), node: testNode("n").taint(TaintNodeUnreachable, "", core.TaintEffectNoExecute),
			want: []framework.Reason{"node(s) had untolerated taint {node.kubernetes.io/unreachable: }"}},
		{name: "PreferNoSchedule does not filter", pod: testPod("p"), node: testNode("n").taint("a", "b", core.TaintEffectPreferNoSchedule)},
		{name: "Equal toleration", node: testNode("n").taint("dedicated", "gpu", core.TaintEffectNoSchedule),
			pod: testPod("p").tolerate("dedicated", core.TolerationOpEqual, "gpu", core.TaintEffectNoSchedule)},
		{name: "empty operator means Equal", node: testNode("n").taint("dedicated", "gpu", core.TaintEffectNoSchedule),
			pod: testPod("p").tolerate("dedicated", "", "gpu", "")},
		{name: "Equal toleration, other value", node: testNode("n").taint("dedicated", "gpu", core.TaintEffectNoSchedule),
			pod:  testPod("p").tolerate("dedicated", core.TolerationOpEqual, "cpu", core.TaintEffectNoSchedule),
			want: []framework.Reason{"node(s) had untolerated taint {dedicated: gpu}"}},
		{name: "Exists toleration, other effect", node: testNode("n").taint("dedicated", "gpu", core.TaintEffectNoSchedule),
			pod:  testPod("p").tolerate("dedicated", core.TolerationOpExists, "", core.TaintEffectNoExecute),
			want: []framework.Reason{"node(s) had untolerated taint {dedicated: gpu}"}},
		{name: "Exists toleration, any effect", node: testNode("n").taint("dedicated", "gpu", core.TaintEffectNoExecute),
			pod: testPod("p").tolerate("dedicated", core.TolerationOpExists, "", "")},
		{name: "first untolerated taint is reported",
			node: testNode("n").taint("a", "1", core.TaintEffectNoSchedule).taint("b", "2", core.TaintEffectNoSchedule),
			pod:  testPod("p").tolerate("a", core.TolerationOpExists, "", ""),
			want: []framework.Reason{"node(s) had untolerated taint {b: 2}"}},
	})
}

func TestNodeAffinityFilter(t *testing.T) {
	zoneA := testNode("n").label("zone", "a").label("size", "8")
	runFilterCases(t, NodeAffinity{}, []filterCase{
		{name: "no constraints", pod: testPod("p"), node: zoneA},
		{name: "nodeSelector matches", pod: testPod("p").nodeSelector("zone", "a"), node: zoneA},
		{name: "nodeSelector other value", pod: testPod("p").nodeSelector("zone", "b"), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "nodeSelector missing label", pod: testPod("p").nodeSelector("disk", "ssd"), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "In", pod: testPod("p").requireTerm(expr("zone", core.NodeSelectorOpIn, "a", "b")), node: zoneA},
		{name: "In, no match", pod: testPod("p").requireTerm(expr("zone", core.NodeSelectorOpIn, "b", "c")), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "NotIn", pod: testPod("p").requireTerm(expr("zone", core.NodeSelectorOpNotIn, "b")), node: zoneA},
		{name: "NotIn of a missing label", pod: testPod("p").requireTerm(expr("gpu", core.NodeSelectorOpNotIn, "x")), node: zoneA},
		{name: "Exists", pod: testPod("p").requireTerm(expr("zone", core.NodeSelectorOpExists)), node: zoneA},
		{name: "DoesNotExist", pod: testPod("p").requireTerm(expr("zone", core.NodeSelectorOpDoesNotExist)), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "Gt", pod: testPod("p").requireTerm(expr("size", core.NodeSelectorOpGt, "4")), node: zoneA},
		{name: "Lt", pod: testPod("p").requireTerm(expr("size", core.NodeSelectorOpLt, "4")), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "Gt of a non-integer", pod: testPod("p").requireTerm(expr("zone", core.NodeSelectorOpGt, "4")), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "requirements of a term are ANDed",
			pod:  testPod("p").requireTerm(expr("zone", core.NodeSelectorOpIn, "a"), expr("size", core.NodeSelectorOpIn, "16")),
			node: zoneA, want: []framework.Reason{ReasonNodeAffinity}},
		{name: "terms are ORed",
			pod:  testPod("p").requireTerm(expr("zone", core.NodeSelectorOpIn, "b")).requireTerm(expr("size", core.NodeSelectorOpIn, "8")),
			node: zoneA},
		{name: "an empty term matches nothing", pod: testPod("p").requireTerm(), node: zoneA,
			want: []framework.Reason{ReasonNodeAffinity}},
		{name: "nodeSelector and affinity must both match",
			pod:  testPod("p").nodeSelector("zone", "a").requireTerm(expr("zone", core.NodeSelectorOpIn, "b")),
			node: zoneA, want: []framework.Reason{ReasonNodeAffinity}},
	})
}

func TestMatchFields(t *testing.T) {
	sel := &core.NodeSelector{NodeSelectorTerms: []core.NodeSelectorTerm{{
		MatchFields: []core.NodeSelectorRequirement{{Key: "metadata.name", Operator: core.NodeSelectorOpIn, Values: []string{"n1"}}},
	}}}
	for _, tc := range []struct {
		node string
		want bool
	}{{"n1", true}, {"n2", false}} {
		if got := MatchNodeSelector(sel, testNode(tc.node).n); got != tc.want {
			t.Errorf("metadata.name In [n1] on %s: got %v, want %v", tc.node, got, tc.want)
		}
	}
}

func TestNodePortsFilter(t *testing.T) {
	runFilterCases(t, NodePorts{}, []filterCase{
		{name: "no ports", pod: testPod("p"), node: testNode("n").with(testPod("o").hostPort(80, "", ""))},
		{name: "free port", pod: testPod("p").hostPort(8080, "", ""), node: testNode("n").with(testPod("o").hostPort(80, "", ""))},
		{name: "taken port", pod: testPod("p").hostPort(80, "", ""), node: testNode("n").with(testPod("o").hostPort(80, core.ProtocolTCP, "")),
			want: []framework.Reason{ReasonNodePorts}},
		{name: "other protocol", pod: testPod("p").hostPort(53, core.ProtocolUDP, ""), node: testNode("n").with(testPod("o").hostPort(53, "", ""))},
		{name: "other address", pod: testPod("p").hostPort(80, "", "10.0.0.2"), node: testNode("n").with(testPod("o").hostPort(80, "", "10.0.0.1"))},
		{name: "every address conflicts with one", pod: testPod("p").hostPort(80, "", ""),
			node: testNode("n").with(testPod("o").hostPort(80, "", "10.0.0.1")), want: []framework.Reason{ReasonNodePorts}},
		{name: "one address conflicts with every", pod: testPod("p").hostPort(80, "", "10.0.0.1"),
			node: testNode("n").with(testPod("o").hostPort(80, "", "")), want: []framework.Reason{ReasonNodePorts}},
	})
}

func TestNodeResourcesFitFilter(t *testing.T) {
	runFilterCases(t, NodeResourcesFit{}, []filterCase{
		{name: "fits", pod: testPod("p").req("1", "1Gi"), node: testNode("n").with(testPod("o").req("2", "4Gi"))},
		{name: "fits exactly", pod: testPod("p").req("2", "4Gi"), node: testNode("n").with(testPod("o").req("2", "4Gi"))},
		{name: "cpu", pod: testPod("p").req("2500m", "1Gi"), node: testNode("n").with(testPod("o").req("2", "4Gi")),
			want: []framework.Reason{ReasonInsufficientCPU}},
		{name: "memory", pod: testPod("p").req("100m", "5Gi"), node: testNode("n").with(testPod("o").req("2", "4Gi")),
			want: []framework.Reason{ReasonInsufficientMemory}},
		{name: "cpu and memory", pod: testPod("p").req("3", "5Gi"), node: testNode("n").with(testPod("o").req("2", "4Gi")),
			want: []framework.Reason{ReasonInsufficientCPU, ReasonInsufficientMemory}},
		{name: "pods", pod: testPod("p"), node: testNode("n").alloc("4", "8Gi", "1").with(testPod("o")),
			want: []framework.Reason{ReasonTooManyPods}},
		{name: "no pods allocatable", pod: testPod("p"), node: testNode("n").alloc("4", "8Gi", "0"),
			want: []framework.Reason{ReasonTooManyPods}},
		{name: "a pod asking for nothing fits a full node", pod: testPod("p"), node: testNode("n").with(testPod("o").req("4", "8Gi"))},
		{name: "containers add up", pod: testPod("p").req("1", "").req("1", ""), node: testNode("n").with(testPod("o").req("2", ""))},
	})
	t.Run("containers add up, too much", func(t *testing.T) {
		got := NodeResourcesFit{}.Filter(testPod("p").req("1", "").req("1", "").info(), testNode("n").with(testPod("o").req("2500m", "")).info())
		if diff := cmp.Diff([]framework.Reason{ReasonInsufficientCPU}, got); diff != "" {
			t.Errorf("got %q, want [Insufficient cpu]", got)
		}
	})
}
