package controller

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

var rolloutEpoch = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// rolloutRS is a ReplicaSet fixture: spec replicas, and a status that
// has them all (status.replicas = spec) with avail of them available.
type rolloutRS struct{ rs *apps.ReplicaSet }

func testRS(name string, spec, avail int32) rolloutRS {
	n := spec
	return rolloutRS{&apps.ReplicaSet{
		ObjectMeta: meta.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name, CreationTimestamp: meta.NewTime(rolloutEpoch)},
		Spec:       apps.ReplicaSetSpec{Replicas: &n},
		Status:     apps.ReplicaSetStatus{Replicas: spec, ReadyReplicas: avail, AvailableReplicas: avail},
	}}
}

// age makes the ReplicaSet created minutes after the epoch: later is newer.
func (b rolloutRS) age(minutes int) rolloutRS {
	b.rs.CreationTimestamp = meta.NewTime(rolloutEpoch.Add(time.Duration(minutes) * time.Minute))
	return b
}

// pods sets status.replicas apart from spec: pods not yet deleted after
// a scale-down.
func (b rolloutRS) pods(n int32) rolloutRS {
	b.rs.Status.Replicas = n
	return b
}

// sizedFor sets the replica annotations: the deployment size and maximum
// the ReplicaSet was last sized for.
func (b rolloutRS) sizedFor(desired, maxReplicas int32) rolloutRS {
	b.rs.Annotations = map[string]string{
		apps.DesiredReplicasAnnotation: strconv.Itoa(int(desired)),
		apps.MaxReplicasAnnotation:     strconv.Itoa(int(maxReplicas)),
	}
	return b
}

func testDeployment(replicas int32, surge, unavailable string) *apps.Deployment {
	d := &apps.Deployment{
		ObjectMeta: meta.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-web", Generation: 1},
		Spec: apps.DeploymentSpec{
			Replicas: &replicas,
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: core.PodTemplateSpec{
				ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       core.PodSpec{Containers: []core.Container{{Name: "web", Image: "web:1"}}},
			},
		},
	}
	if surge != "" || unavailable != "" {
		d.Spec.Strategy.RollingUpdate = &apps.RollingUpdateDeployment{MaxSurge: intOrString(surge), MaxUnavailable: intOrString(unavailable)}
	}
	apps.DefaultDeployment(d)
	return d
}

func intOrString(s string) *meta.IntOrString {
	if n, err := strconv.Atoi(s); err == nil {
		v := meta.FromInt(int32(n))
		return &v
	}
	v := meta.FromString(s)
	return &v
}

func recreate(d *apps.Deployment) *apps.Deployment {
	d.Spec.Strategy = apps.DeploymentStrategy{Type: apps.RecreateDeploymentStrategyType}
	return d
}

func unwrap(bs []rolloutRS) []*apps.ReplicaSet {
	out := make([]*apps.ReplicaSet, len(bs))
	for i, b := range bs {
		out[i] = b.rs
	}
	return out
}

// sizesAfter applies steps and returns every ReplicaSet's size by name.
func sizesAfter(steps []rsScale, rss ...*apps.ReplicaSet) map[string]int32 {
	out := map[string]int32{}
	for _, rs := range rss {
		if rs != nil {
			out[rs.Name] = replicasOf(rs.Spec.Replicas)
		}
	}
	for _, s := range steps {
		out[s.rs.Name] = s.to
	}
	return out
}

func TestRollingBounds(t *testing.T) {
	tests := []struct {
		replicas               int32
		surge, unavailable     string
		wantSurge, wantUnavail int32
	}{
		{10, "25%", "25%", 3, 2}, // surge rounds up, unavailable down
		{4, "25%", "25%", 1, 1},
		{1, "25%", "25%", 1, 0},
		{3, "0", "10%", 0, 1}, // both zero would deadlock: unavailable becomes 1
		{3, "2", "0", 2, 0},
		{5, "0", "10", 0, 5}, // maxUnavailable is capped at replicas
		{0, "25%", "25%", 0, 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(int(tt.replicas))+"/"+tt.surge+"/"+tt.unavailable, func(t *testing.T) {
			d := testDeployment(tt.replicas, tt.surge, tt.unavailable)
			if got := maxSurge(d); got != tt.wantSurge {
				t.Errorf("maxSurge = %d, want %d", got, tt.wantSurge)
			}
			if got := maxUnavailable(d); got != tt.wantUnavail {
				t.Errorf("maxUnavailable = %d, want %d", got, tt.wantUnavail)
			}
		})
	}
	if got := maxSurge(recreate(testDeployment(4, "", ""))); got != 0 {
		t.Errorf("Recreate maxSurge = %d, want 0", got)
	}
}

func TestRollingStep(t *testing.T) {
	tests := []struct {
		name string
		d    *apps.Deployment
		new  rolloutRS
		old  []rolloutRS
		want map[string]int32
	}{
		{
			name: "first step surges the new ReplicaSet",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 0, 0),
			old:  []rolloutRS{testRS("old", 4, 4)},
			want: map[string]int32{"new": 1, "old": 4},
		},
		{
			name: "surge of 25% of 10 rounds up to 3",
			d:    testDeployment(10, "25%", "25%"),
			new:  testRS("new", 0, 0),
			old:  []rolloutRS{testRS("old", 10, 10)},
			want: map[string]int32{"new": 3, "old": 10},
		},
		{
			name: "surge used up: old goes down by what availability allows",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 1, 0),
			old:  []rolloutRS{testRS("old", 4, 4)},
			want: map[string]int32{"new": 1, "old": 3},
		},
		{
			name: "new pods not available yet: nothing moves",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 2, 0),
			old:  []rolloutRS{testRS("old", 3, 3)},
			want: map[string]int32{"new": 2, "old": 3},
		},
		{
			name: "new pods available: old goes down to replicas-maxUnavailable available",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 2, 2),
			old:  []rolloutRS{testRS("old", 3, 3)},
			want: map[string]int32{"new": 2, "old": 1},
		},
		{
			name: "room after scale-down: new goes up again",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 2, 2),
			old:  []rolloutRS{testRS("old", 1, 1)},
			want: map[string]int32{"new": 4, "old": 1},
		},
		{
			name: "last old pod goes once the new ones are available",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 4, 4),
			old:  []rolloutRS{testRS("old", 1, 1)},
			want: map[string]int32{"new": 4, "old": 0},
		},
		{
			name: "maxUnavailable 0: surge first",
			d:    testDeployment(3, "1", "0"),
			new:  testRS("new", 0, 0),
			old:  []rolloutRS{testRS("old", 3, 3)},
			want: map[string]int32{"new": 1, "old": 3},
		},
		{
			name: "maxUnavailable 0: old waits for the surged pod",
			d:    testDeployment(3, "1", "0"),
			new:  testRS("new", 1, 0),
			old:  []rolloutRS{testRS("old", 3, 3)},
			want: map[string]int32{"new": 1, "old": 3},
		},
		{
			name: "maxUnavailable 0: surged pod available, one old goes",
			d:    testDeployment(3, "1", "0"),
			new:  testRS("new", 1, 1),
			old:  []rolloutRS{testRS("old", 3, 3)},
			want: map[string]int32{"new": 1, "old": 2},
		},
		{
			name: "maxSurge 0: old goes first",
			d:    testDeployment(3, "0", "1"),
			new:  testRS("new", 0, 0),
			old:  []rolloutRS{testRS("old", 3, 3)},
			want: map[string]int32{"new": 0, "old": 2},
		},
		{
			name: "maxSurge 0: new takes the freed room",
			d:    testDeployment(3, "0", "1"),
			new:  testRS("new", 0, 0),
			old:  []rolloutRS{testRS("old", 2, 2)},
			want: map[string]int32{"new": 1, "old": 2},
		},
		{
			name: "unhealthy old pods go first, then the oldest ReplicaSet",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 1, 0).age(10),
			old:  []rolloutRS{testRS("b", 3, 3).age(5), testRS("a", 2, 1).age(1)},
			want: map[string]int32{"new": 1, "a": 0, "b": 3},
		},
		{
			name: "several old ReplicaSets shrink oldest first",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 2, 2).age(10),
			old:  []rolloutRS{testRS("b", 2, 2).age(5), testRS("a", 1, 1).age(1)},
			want: map[string]int32{"new": 2, "a": 0, "b": 1},
		},
		{
			name: "new ReplicaSet above replicas comes down",
			d:    testDeployment(3, "25%", "25%"),
			new:  testRS("new", 5, 5),
			want: map[string]int32{"new": 3},
		},
		{
			name: "guard: pods of a scaled-down old ReplicaSet still count toward the surge",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 2, 2),
			old:  []rolloutRS{testRS("old", 2, 2).pods(3)},
			// Kubernetes would grow new to 3 (spec total 4 < 5) while old
			// still has 3 pods: 6 > replicas+maxSurge. Old shrinks instead,
			// counting only the 2 of its available pods it keeps.
			want: map[string]int32{"new": 2, "old": 1},
		},
		{
			name: "guard: stale availability of a shrunk ReplicaSet is capped at its spec",
			d:    testDeployment(4, "25%", "25%"),
			new:  testRS("new", 2, 2).age(10),
			old:  []rolloutRS{testRS("a", 1, 3).pods(3).age(1), testRS("b", 1, 1).age(5)},
			// a still reports 3 available pods but will keep 1: counting 3,
			// Kubernetes would take b down too and leave 2 available.
			want: map[string]int32{"new": 2, "a": 0, "b": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := unwrap(tt.old)
			steps := rollingStep(tt.d, tt.new.rs, old)
			got := sizesAfter(steps, append(old, tt.new.rs)...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sizes after one step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRollingUpdateBounds drives whole rollouts with a stand-in for the
// ReplicaSet controller in which pods become available one step after
// they are asked for, and checks the bounds after every step.
func TestRollingUpdateBounds(t *testing.T) {
	tests := []struct {
		replicas           int32
		surge, unavailable string
	}{
		{10, "25%", "25%"}, {4, "25%", "25%"}, {3, "1", "0"}, {3, "0", "1"}, {5, "100%", "0"},
		{7, "3", "2"}, {1, "25%", "25%"}, {20, "10%", "30%"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(int(tt.replicas))+"/"+tt.surge+"/"+tt.unavailable, func(t *testing.T) {
			d := testDeployment(tt.replicas, tt.surge, tt.unavailable)
			newRS := testRS("new", 0, 0).age(1).rs
			oldRS := testRS("old", tt.replicas, tt.replicas).rs
			upper := tt.replicas + maxSurge(d)
			lower := tt.replicas - maxUnavailable(d)
			for step := 0; step < 100; step++ {
				steps := rollingStep(d, newRS, []*apps.ReplicaSet{oldRS})
				for _, s := range steps {
					*s.rs.Spec.Replicas = s.to
				}
				if pods := *newRS.Spec.Replicas + *oldRS.Spec.Replicas; pods > upper {
					t.Fatalf("step %d: %d pods, more than replicas+maxSurge = %d", step, pods, upper)
				}
				// The ReplicaSet controller deletes at once; an available
				// old pod lost counts before new ones come up.
				oldRS.Status = apps.ReplicaSetStatus{Replicas: *oldRS.Spec.Replicas, AvailableReplicas: min(oldRS.Status.AvailableReplicas, *oldRS.Spec.Replicas)}
				if avail := oldRS.Status.AvailableReplicas + newRS.Status.AvailableReplicas; avail < lower {
					t.Fatalf("step %d: %d available, fewer than replicas-maxUnavailable = %d", step, avail, lower)
				}
				newRS.Status = apps.ReplicaSetStatus{Replicas: *newRS.Spec.Replicas, AvailableReplicas: *newRS.Spec.Replicas}
				if *newRS.Spec.Replicas == tt.replicas && *oldRS.Spec.Replicas == 0 {
					return
				}
			}
			t.Fatalf("rollout did not finish in 100 steps: new=%d old=%d", *newRS.Spec.Replicas, *oldRS.Spec.Replicas)
		})
	}
}

func TestNewReplicaSetTarget(t *testing.T) {
	tests := []struct {
		name string
		d    *apps.Deployment
		new  rolloutRS
		old  []rolloutRS
		want int32
	}{
		{"recreate takes all at once", recreate(testDeployment(5, "", "")), testRS("new", 0, 0), []rolloutRS{testRS("old", 0, 0)}, 5},
		{"rolling: up by the surge", testDeployment(10, "2", "2"), testRS("new", 0, 0), []rolloutRS{testRS("old", 10, 10)}, 2},
		{"rolling: room beyond surge from a smaller old", testDeployment(10, "2", "2"), testRS("new", 0, 0), []rolloutRS{testRS("old", 5, 5)}, 7},
		{"rolling: never above replicas", testDeployment(10, "2", "2"), testRS("new", 0, 0), nil, 10},
		{"rolling: no room", testDeployment(10, "2", "2"), testRS("new", 2, 0), []rolloutRS{testRS("old", 10, 10)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := append(unwrap(tt.old), tt.new.rs)
			if got := newReplicaSetTarget(tt.d, all, tt.new.rs); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestProportionalScale follows Kubernetes' TestScale cases: a deployment
// scaled mid-rollout shares the change among its ReplicaSets by size.
func TestProportionalScale(t *testing.T) {
	tests := []struct {
		name      string
		replicas  int32
		wasSized  int32 // the deployment size the ReplicaSets were sized for
		surge     string
		unavail   string
		new       *rolloutRS
		old       []rolloutRS
		want      map[string]int32
		wantSteps int
	}{
		{
			name: "one active ReplicaSet takes the new size", replicas: 12, wasSized: 10, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v2", 10, 10).rs}, old: []rolloutRS{testRS("v1", 0, 0)},
			want: map[string]int32{"v2": 12, "v1": 0}, wantSteps: 1,
		},
		{
			name: "5 -> 10", replicas: 10, wasSized: 5, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v2", 2, 0).age(2).rs}, old: []rolloutRS{testRS("v1", 3, 3).age(1)},
			want: map[string]int32{"v2": 4, "v1": 6}, wantSteps: 2,
		},
		{
			name: "5 -> 3", replicas: 3, wasSized: 5, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v2", 2, 0).age(2).rs}, old: []rolloutRS{testRS("v1", 3, 3).age(1)},
			want: map[string]int32{"v2": 1, "v1": 2}, wantSteps: 2,
		},
		{
			name: "9 -> 4", replicas: 4, wasSized: 9, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v2", 8, 0).age(2).rs}, old: []rolloutRS{testRS("v1", 1, 1).age(1)},
			want: map[string]int32{"v2": 4, "v1": 0}, wantSteps: 2,
		},
		{
			name: "7 -> 10 over three ReplicaSets", replicas: 10, wasSized: 7, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v3", 2, 0).age(3).rs}, old: []rolloutRS{testRS("v2", 3, 3).age(2), testRS("v1", 2, 2).age(1)},
			want: map[string]int32{"v3": 3, "v2": 4, "v1": 3}, wantSteps: 3,
		},
		{
			name: "13 -> 8 over three ReplicaSets", replicas: 8, wasSized: 13, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v3", 2, 0).age(3).rs}, old: []rolloutRS{testRS("v2", 8, 8).age(2), testRS("v1", 3, 3).age(1)},
			want: map[string]int32{"v3": 1, "v2": 5, "v1": 2}, wantSteps: 3,
		},
		{
			name: "to zero", replicas: 0, wasSized: 5, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v2", 2, 0).age(2).rs}, old: []rolloutRS{testRS("v1", 3, 3).age(1)},
			want: map[string]int32{"v2": 0, "v1": 0}, wantSteps: 2,
		},
		{
			name: "paused with nothing to scale", replicas: 5, wasSized: 5, surge: "0", unavail: "1",
			new: &rolloutRS{testRS("v2", 2, 0).age(2).rs}, old: []rolloutRS{testRS("v1", 3, 3).age(1)},
			want: map[string]int32{"v2": 2, "v1": 3}, wantSteps: 2, // annotation refresh only
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDeployment(tt.replicas, tt.surge, tt.unavail)
			was := testDeployment(tt.wasSized, tt.surge, tt.unavail)
			var all []*apps.ReplicaSet
			var newRS *apps.ReplicaSet
			if tt.new != nil {
				newRS = rolloutRS{tt.new.rs}.sizedFor(tt.wasSized, tt.wasSized+maxSurge(was)).rs
				all = append(all, newRS)
			}
			old := unwrap(tt.old)
			for _, rs := range old {
				rolloutRS{rs}.sizedFor(tt.wasSized, tt.wasSized+maxSurge(was))
			}
			all = append(all, old...)
			steps := proportionalScale(d, newRS, old)
			if len(steps) != tt.wantSteps {
				t.Errorf("got %d resizes, want %d", len(steps), tt.wantSteps)
			}
			if diff := cmp.Diff(tt.want, sizesAfter(steps, all...)); diff != "" {
				t.Errorf("sizes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScalingEvent(t *testing.T) {
	d := testDeployment(5, "25%", "25%")
	sized := testRS("v1", 3, 3).sizedFor(5, 7).rs
	if scalingEvent(d, sized, nil) {
		t.Error("ReplicaSet sized for 5, deployment at 5: got a scaling event, want none")
	}
	*d.Spec.Replicas = 6
	if !scalingEvent(d, sized, nil) {
		t.Error("ReplicaSet sized for 5, deployment at 6: got no scaling event, want one")
	}
	inactive := testRS("v0", 0, 0).sizedFor(1, 2).rs
	*d.Spec.Replicas = 5
	if scalingEvent(d, sized, []*apps.ReplicaSet{inactive}) {
		t.Error("an inactive ReplicaSet's stale annotation made a scaling event")
	}
}
