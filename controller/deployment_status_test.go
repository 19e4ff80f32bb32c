package controller

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

func TestDeploymentStatusCounts(t *testing.T) {
	d := testDeployment(4, "25%", "25%")
	newRS := testRS("new", 2, 1).rs
	newRS.Status.ReadyReplicas = 2
	old := testRS("old", 3, 3).rs
	st := deploymentStatus(d, []*apps.ReplicaSet{old, newRS}, newRS, rolloutEpoch)
	want := apps.DeploymentStatus{ObservedGeneration: 1, Replicas: 5, UpdatedReplicas: 2, ReadyReplicas: 5, AvailableReplicas: 4, UnavailableReplicas: 1}
	st.Conditions = nil
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
}

func TestAvailableCondition(t *testing.T) {
	tests := []struct {
		name       string
		d          *apps.Deployment
		available  int32
		wantStatus core.ConditionStatus
		wantReason string
	}{
		{"at replicas-maxUnavailable", testDeployment(4, "25%", "25%"), 3, core.ConditionTrue, reasonMinimumAvailable},
		{"below", testDeployment(4, "25%", "25%"), 2, core.ConditionFalse, reasonMinimumUnavailable},
		{"recreate needs all", recreate(testDeployment(4, "", "")), 3, core.ConditionFalse, reasonMinimumUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := testRS("new", 4, tt.available).rs
			st := deploymentStatus(tt.d, []*apps.ReplicaSet{rs}, rs, rolloutEpoch)
			c := deploymentCondition(st, apps.DeploymentAvailable)
			if c == nil || c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Fatalf("Available condition %+v, want %s/%s", c, tt.wantStatus, tt.wantReason)
			}
		})
	}
}

func TestProgressingCondition(t *testing.T) {
	deadline := int32(10)
	progressing := func(reason string, updated time.Time) []apps.DeploymentCondition {
		return []apps.DeploymentCondition{{
			Type: apps.DeploymentProgressing, Status: core.ConditionTrue, Reason: reason,
			LastUpdateTime: meta.NewTime(updated), LastTransitionTime: meta.NewTime(rolloutEpoch),
		}}
	}
	tests := []struct {
		name        string
		prev        apps.DeploymentStatus
		newRS       rolloutRS
		old         []rolloutRS
		now         time.Time
		wantStatus  core.ConditionStatus
		wantReason  string
		wantMessage string
	}{
		{
			name:  "complete",
			prev:  apps.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 2, Conditions: progressing(reasonRSUpdated, rolloutEpoch)},
			newRS: testRS("web-1", 3, 3), now: rolloutEpoch.Add(time.Second),
			wantStatus: core.ConditionTrue, wantReason: reasonNewRSAvailable, wantMessage: `ReplicaSet "web-1" has successfully progressed.`,
		},
		{
			name:  "progress moves on",
			prev:  apps.DeploymentStatus{Replicas: 4, UpdatedReplicas: 1, AvailableReplicas: 3, Conditions: progressing(reasonNewRSCreated, rolloutEpoch)},
			newRS: testRS("web-1", 2, 0), old: []rolloutRS{testRS("web-0", 3, 3)}, now: rolloutEpoch.Add(time.Hour),
			wantStatus: core.ConditionTrue, wantReason: reasonRSUpdated, wantMessage: `ReplicaSet "web-1" is progressing.`,
		},
		{
			name:  "no progress within the deadline",
			prev:  apps.DeploymentStatus{Replicas: 4, UpdatedReplicas: 1, ReadyReplicas: 3, AvailableReplicas: 3, Conditions: progressing(reasonRSUpdated, rolloutEpoch)},
			newRS: testRS("web-1", 1, 0), old: []rolloutRS{testRS("web-0", 3, 3)}, now: rolloutEpoch.Add(11 * time.Second),
			wantStatus: core.ConditionFalse, wantReason: reasonTimedOut, wantMessage: `ReplicaSet "web-1" has timed out progressing.`,
		},
		{
			name:  "no progress, deadline not reached",
			prev:  apps.DeploymentStatus{Replicas: 4, UpdatedReplicas: 1, ReadyReplicas: 3, AvailableReplicas: 3, Conditions: progressing(reasonRSUpdated, rolloutEpoch)},
			newRS: testRS("web-1", 1, 0), old: []rolloutRS{testRS("web-0", 3, 3)}, now: rolloutEpoch.Add(9 * time.Second),
			wantStatus: core.ConditionTrue, wantReason: reasonRSUpdated, wantMessage: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDeployment(3, "25%", "25%")
			d.Spec.ProgressDeadlineSeconds = &deadline
			d.Status = tt.prev
			d.Status.ObservedGeneration = d.Generation
			all := append(unwrap(tt.old), tt.newRS.rs)
			st := rolloutStatus(d, all, tt.newRS.rs, tt.now)
			c := deploymentCondition(st, apps.DeploymentProgressing)
			if c == nil {
				t.Fatal("no Progressing condition")
			}
			if c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Errorf("Progressing %s/%s, want %s/%s", c.Status, c.Reason, tt.wantStatus, tt.wantReason)
			}
			if tt.wantMessage != "" && c.Message != tt.wantMessage {
				t.Errorf("message %q, want %q", c.Message, tt.wantMessage)
			}
			if c.Status == core.ConditionTrue && !c.LastTransitionTime.Equal(rolloutEpoch) {
				t.Errorf("lastTransitionTime %v moved while the status stayed True, want %v", c.LastTransitionTime, rolloutEpoch)
			}
		})
	}
}

func TestStuckRecheck(t *testing.T) {
	deadline := int32(10)
	d := testDeployment(3, "25%", "25%")
	d.Spec.ProgressDeadlineSeconds = &deadline
	d.Status.Conditions = []apps.DeploymentCondition{{Type: apps.DeploymentProgressing, Status: core.ConditionTrue, Reason: reasonRSUpdated, LastUpdateTime: meta.NewTime(rolloutEpoch)}}
	st := apps.DeploymentStatus{Replicas: 3, UpdatedReplicas: 1}
	if got := stuckRecheck(d, &st, rolloutEpoch.Add(4*time.Second)); got != 6*time.Second {
		t.Errorf("recheck in %v, want 6s (deadline 10s from the last progress, 4s ago)", got)
	}
	d.Status.Conditions[0].Reason = reasonTimedOut
	if got := stuckRecheck(d, &st, rolloutEpoch); got >= 0 {
		t.Errorf("timed out already: recheck in %v, want never", got)
	}
}
