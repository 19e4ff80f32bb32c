package controller

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// rankPod builds pods for ranking tests.
type rankPod struct{ p *core.Pod }

func newRankPod(name string) rankPod {
	return rankPod{&core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: meta.NewTime(rolloutEpoch)},
		Status:     core.PodStatus{Phase: core.PodPending},
	}}
}

func (b rankPod) on(node string) rankPod { b.p.Spec.NodeName = node; return b }

func (b rankPod) phase(ph core.PodPhase) rankPod { b.p.Status.Phase = ph; return b }

// readyAt marks the pod Running and Ready since minutes after the epoch.
func (b rankPod) readyAt(minutes int) rankPod {
	b.p.Status.Phase = core.PodRunning
	b.p.Status.Conditions = []core.PodCondition{{
		Type: core.PodReady, Status: core.ConditionTrue,
		LastTransitionTime: meta.NewTime(rolloutEpoch.Add(time.Duration(minutes) * time.Minute)),
	}}
	return b
}

func (b rankPod) createdAt(minutes int) rankPod {
	b.p.CreationTimestamp = meta.NewTime(rolloutEpoch.Add(time.Duration(minutes) * time.Minute))
	return b
}

func (b rankPod) restarts(n int32) rankPod {
	b.p.Status.ContainerStatuses = []core.ContainerStatus{{Name: "c", RestartCount: n}}
	return b
}

func (b rankPod) cost(v string) rankPod {
	b.p.Annotations = map[string]string{podDeletionCostAnnotation: v}
	return b
}

func TestPodsToDelete(t *testing.T) {
	tests := []struct {
		name    string
		pods    []rankPod
		related []rankPod // beyond pods themselves
		n       int
		want    []string
	}{
		{
			name: "unscheduled before scheduled",
			pods: []rankPod{newRankPod("bound").on("n1").phase(core.PodPending), newRankPod("unbound")},
			n:    1, want: []string{"unbound"},
		},
		{
			name: "pending before unknown before running",
			pods: []rankPod{newRankPod("running").on("n1").phase(core.PodRunning), newRankPod("unknown").on("n1").phase(core.PodUnknown), newRankPod("pending").on("n1")},
			n:    2, want: []string{"pending", "unknown"},
		},
		{
			name: "not ready before ready",
			pods: []rankPod{newRankPod("ready").on("n1").readyAt(0), newRankPod("notready").on("n1").phase(core.PodRunning)},
			n:    1, want: []string{"notready"},
		},
		{
			name: "lower deletion cost first",
			pods: []rankPod{newRankPod("cheap").on("n1").readyAt(0).cost("-5"), newRankPod("dear").on("n1").readyAt(0).cost("100"), newRankPod("plain").on("n1").readyAt(0)},
			n:    2, want: []string{"cheap", "plain"},
		},
		{
			name:    "crowded node first",
			pods:    []rankPod{newRankPod("alone").on("n1").readyAt(0), newRankPod("crowded").on("n2").readyAt(0)},
			related: []rankPod{newRankPod("sibling").on("n2").readyAt(0)},
			n:       1, want: []string{"crowded"},
		},
		{
			name: "ready for less time first",
			pods: []rankPod{newRankPod("veteran").on("n1").readyAt(1), newRankPod("rookie").on("n2").readyAt(30)},
			n:    1, want: []string{"rookie"},
		},
		{
			name: "more restarts first",
			pods: []rankPod{newRankPod("stable").on("n1").readyAt(0), newRankPod("flaky").on("n2").readyAt(0).restarts(4)},
			n:    1, want: []string{"flaky"},
		},
		{
			name: "newer first",
			pods: []rankPod{newRankPod("old").on("n1").phase(core.PodRunning).createdAt(0), newRankPod("new").on("n2").phase(core.PodRunning).createdAt(5)},
			n:    1, want: []string{"new"},
		},
		{
			name: "all when asked for all",
			pods: []rankPod{newRankPod("a"), newRankPod("b")},
			n:    2, want: []string{"a", "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pods, related []*core.Pod
			for _, b := range tt.pods {
				pods = append(pods, b.p)
			}
			related = append(related, pods...)
			for _, b := range tt.related {
				related = append(related, b.p)
			}
			var got []string
			for _, p := range podsToDelete(pods, related, tt.n) {
				got = append(got, p.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplicaSetStatus(t *testing.T) {
	three := int32(3)
	rs := &apps.ReplicaSet{
		ObjectMeta: meta.ObjectMeta{Name: "web", Generation: 2},
		Spec: apps.ReplicaSetSpec{
			Replicas: &three, MinReadySeconds: 10,
			Template: core.PodTemplateSpec{ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}}},
		},
	}
	now := rolloutEpoch.Add(time.Hour)
	labelled := func(b rankPod, full bool) *core.Pod {
		b.p.Labels = map[string]string{"app": "web"}
		if full {
			b.p.Labels["tier"] = "front"
		}
		return b.p
	}
	pods := []*core.Pod{
		labelled(newRankPod("long-ready").on("n1").readyAt(0), true),  // available
		labelled(newRankPod("just-ready").on("n1").readyAt(59), true), // ready, not yet for 10s
		labelled(newRankPod("pending").on("n1"), false),               // neither
	}
	pods[1].Status.Conditions[0].LastTransitionTime = meta.NewTime(now.Add(-5 * time.Second))
	st := replicaSetStatus(rs, pods, nil, now)
	want := apps.ReplicaSetStatus{Replicas: 3, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	failed := replicaSetStatus(rs, pods[:1], errFake("quota exceeded"), now)
	c := replicaSetCondition(failed.Conditions, apps.ReplicaSetReplicaFailure)
	if c == nil || c.Reason != "FailedCreate" || c.Message != "quota exceeded" {
		t.Fatalf("after a failed create: ReplicaFailure %+v, want FailedCreate: quota exceeded", c)
	}
	rs.Status = failed
	if healed := replicaSetStatus(rs, pods, nil, now); len(healed.Conditions) != 0 {
		t.Errorf("after a successful sync: conditions %+v, want none", healed.Conditions)
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }
