package plugins

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/scheduler/framework"
)

// scores returns the normalised scores plugin gives pod on nodes.
func scores(s framework.ScorePlugin, pod *podBuilder, nodes ...*nodeBuilder) []int64 {
	p := &framework.Profile{Scores: []framework.WeightedScore{{Plugin: s, Weight: 1}}}
	infos := make([]*framework.NodeInfo, len(nodes))
	for i, n := range nodes {
		infos[i] = n.info()
	}
	return p.Score(pod.info(), infos)
}

type scoreCase struct {
	name  string
	pod   *podBuilder
	nodes []*nodeBuilder
	want  []int64
}

func runScoreCases(t *testing.T, s framework.ScorePlugin, cases []scoreCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := scores(s, tc.pod, tc.nodes...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s scores: got %v, want %v", s.Name(), got, tc.want)
			}
		})
	}
}

func TestLeastAllocatedScore(t *testing.T) {
	runScoreCases(t, LeastAllocated{}, []scoreCase{
		{name: "emptier node scores higher", pod: testPod("p").req("1", "2Gi"),
			nodes: []*nodeBuilder{testNode("empty"), testNode("half").with(testPod("o").req("1", "2Gi"))},
			// empty: cpu (4-1)/4=75, mem (8-2)/8=75; half: cpu 50, mem 50.
			want: []int64{75, 50}},
		{name: "pods asking for nothing count the defaults", pod: testPod("p"),
			nodes: []*nodeBuilder{testNode("n").alloc("1", "1Gi", "10")},
			// cpu (1000-100)/1000=90, mem (1024-200)/1024=80 → 85.
			want: []int64{85}},
		{name: "overcommitted node scores zero", pod: testPod("p").req("3", "1Gi"),
			nodes: []*nodeBuilder{testNode("n").with(testPod("o").req("2", "7Gi"))},
			want:  []int64{0}},
	})
}

func TestBalancedAllocationScore(t *testing.T) {
	runScoreCases(t, BalancedAllocation{}, []scoreCase{
		{name: "balanced beats lopsided", pod: testPod("p").req("1", "2Gi"),
			nodes: []*nodeBuilder{testNode("balanced"), testNode("cpu-heavy").with(testPod("o").req("2", "0"))},
			// balanced: 1/4 cpu, 2/8 mem → std 0; cpu-heavy: 3/4 vs 2/8 → std 0.25.
			want: []int64{100, 75}},
		{name: "no allocatable gives no signal", pod: testPod("p").req("1", "1Gi"),
			nodes: []*nodeBuilder{testNode("n").alloc("0", "0", "10")},
			want:  []int64{100}},
	})
}

func TestSelectorSpreadScore(t *testing.T) {
	runScoreCases(t, SelectorSpread{}, []scoreCase{
		{name: "fewer of the owner's pods scores higher", pod: testPod("p").owner("rs1"),
			nodes: []*nodeBuilder{
				testNode("none"),
				testNode("one").with(testPod("a").owner("rs1")),
				testNode("two").with(testPod("b").owner("rs1"), testPod("c").owner("rs1"), testPod("x").owner("rs2")),
			},
			want: []int64{100, 50, 0}},
		{name: "other owners do not count", pod: testPod("p").owner("rs1"),
			nodes: []*nodeBuilder{testNode("a").with(testPod("x").owner("rs2")), testNode("b")},
			want:  []int64{100, 100}},
		{name: "pods without owner score alike", pod: testPod("p"),
			nodes: []*nodeBuilder{testNode("a").with(testPod("x").owner("rs2")), testNode("b")},
			want:  []int64{100, 100}},
	})
}

func TestNodeAffinityScore(t *testing.T) {
	pod := testPod("p").
		prefer(80, expr("disk", core.NodeSelectorOpIn, "ssd")).
		prefer(20, expr("zone", core.NodeSelectorOpIn, "a"))
	runScoreCases(t, NodeAffinity{}, []scoreCase{
		{name: "weights add up and are scaled to the best", pod: pod,
			nodes: []*nodeBuilder{
				testNode("both").label("disk", "ssd").label("zone", "a"),
				testNode("ssd").label("disk", "ssd"),
				testNode("zone").label("zone", "a"),
				testNode("none"),
			},
			want: []int64{100, 80, 20, 0}},
		{name: "no preferences", pod: testPod("p"), nodes: []*nodeBuilder{testNode("a"), testNode("b")}, want: []int64{0, 0}},
	})
}

func TestTaintTolerationScore(t *testing.T) {
	runScoreCases(t, TaintToleration{}, []scoreCase{
		{name: "fewer untolerated PreferNoSchedule taints scores higher", pod: testPod("p").tolerate("ok", core.TolerationOpExists, "", ""),
			nodes: []*nodeBuilder{
				testNode("clean"),
				testNode("tolerated").taint("ok", "", core.TaintEffectPreferNoSchedule),
				testNode("one").taint("bad", "", core.TaintEffectPreferNoSchedule),
				testNode("two").taint("bad", "", core.TaintEffectPreferNoSchedule).taint("worse", "", core.TaintEffectPreferNoSchedule),
				testNode("noschedule").taint("hard", "", core.TaintEffectNoSchedule),
			},
			want: []int64{100, 100, 50, 0, 100}},
	})
}

func TestProfileWeightsScores(t *testing.T) {
	p, err := framework.NewProfile(NewRegistry(), framework.PluginSet{Scores: []framework.WeightedName{
		{Name: SelectorSpreadName, Weight: 2}, {Name: NodeAffinityName, Weight: 3},
	}})
	if err != nil {
		t.Fatal(err)
	}
	pod := testPod("p").owner("rs").prefer(10, expr("zone", core.NodeSelectorOpIn, "a"))
	nodes := []*framework.NodeInfo{
		testNode("a").label("zone", "a").with(testPod("x").owner("rs")).info(),
		testNode("b").info(),
	}
	// a: spread 0*2 + affinity 100*3; b: spread 100*2 + affinity 0.
	if got, want := p.Score(pod.info(), nodes), []int64{300, 200}; !cmp.Equal(got, want) {
		t.Errorf("weighted scores: got %v, want %v", got, want)
	}
}
