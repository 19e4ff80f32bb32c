package ctl

import (
	"testing"

	"github.com/wharf/wharf/api/apps"
	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// deploymentFixture builds deployments in the states rollout status reads.
type deploymentFixture struct{ d apps.Deployment }

func rolloutDeployment(name string, replicas int32) *deploymentFixture {
	f := &deploymentFixture{}
	f.d.Name = name
	f.d.Generation = 1
	f.d.Spec.Replicas = &replicas
	return f
}

// observed sets the generation and the generation the controller has seen.
func (f *deploymentFixture) observed(generation, observed int64) *deploymentFixture {
	f.d.Generation, f.d.Status.ObservedGeneration = generation, observed
	return f
}

// counts sets status replicas, updatedReplicas and availableReplicas.
func (f *deploymentFixture) counts(total, updated, available int32) *deploymentFixture {
	f.d.Status.Replicas, f.d.Status.UpdatedReplicas, f.d.Status.AvailableReplicas = total, updated, available
	return f
}

func (f *deploymentFixture) progressing(status core.ConditionStatus, reason string) *deploymentFixture {
	f.d.Status.Conditions = append(f.d.Status.Conditions, apps.DeploymentCondition{Type: apps.DeploymentProgressing, Status: status, Reason: reason})
	return f
}

func (f *deploymentFixture) revision(r string) *deploymentFixture {
	if f.d.Annotations == nil {
		f.d.Annotations = map[string]string{}
	}
	f.d.Annotations[apps.RevisionAnnotation] = r
	return f
}

func TestDeploymentStatus(t *testing.T) {
	tests := []struct {
		name     string
		d        *deploymentFixture
		revision int64
		want     string
		done     bool
		wantErr  string
	}{
		{
			name: "controller has not seen the new spec",
			d:    rolloutDeployment("web", 3).observed(2, 1).counts(3, 3, 3),
			want: "Waiting for deployment spec update to be observed...\n",
		},
		{
			name: "new replicas being created",
			d:    rolloutDeployment("web", 3).observed(2, 2).counts(3, 1, 3),
			want: "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n",
		},
		{
			name: "old replicas pending termination",
			d:    rolloutDeployment("web", 3).observed(2, 2).counts(4, 3, 3),
			want: "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n",
		},
		{
			name: "updated replicas not yet available",
			d:    rolloutDeployment("web", 3).observed(2, 2).counts(3, 3, 2),
			want: "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n",
		},
		{
			name: "done",
			d:    rolloutDeployment("web", 3).observed(2, 2).counts(3, 3, 3).progressing(core.ConditionTrue, "NewReplicaSetAvailable"),
			want: "deployment \"web\" successfully rolled out\n",
			done: true,
		},
		{
			name: "observed generation ahead counts as observed",
			d:    rolloutDeployment("web", 1).observed(1, 2).counts(1, 1, 1),
			want: "deployment \"web\" successfully rolled out\n",
			done: true,
		},
		{
			name: "scaled to zero",
			d:    rolloutDeployment("web", 0).observed(3, 3),
			want: "deployment \"web\" successfully rolled out\n",
			done: true,
		},
		{
			name:    "progress deadline exceeded",
			d:       rolloutDeployment("web", 3).observed(2, 2).counts(3, 1, 1).progressing(core.ConditionFalse, apps.ProgressDeadlineExceededReason),
			wantErr: "deployment \"web\" exceeded its progress deadline",
		},
		{
			name: "deadline not read before the spec is observed",
			d:    rolloutDeployment("web", 3).observed(3, 2).progressing(core.ConditionFalse, apps.ProgressDeadlineExceededReason),
			want: "Waiting for deployment spec update to be observed...\n",
		},
		{
			name:     "pinned revision matches",
			d:        rolloutDeployment("web", 2).observed(1, 1).counts(2, 2, 2).revision("4"),
			revision: 4,
			want:     "deployment \"web\" successfully rolled out\n",
			done:     true,
		},
		{
			name:     "pinned revision differs",
			d:        rolloutDeployment("web", 2).observed(1, 1).counts(2, 2, 2).revision("5"),
			revision: 4,
			wantErr:  "desired revision (4) is different from the running revision (5)",
		},
		{
			name:     "pinned revision without annotation is revision 0",
			d:        rolloutDeployment("web", 2).observed(1, 1).counts(2, 2, 2),
			revision: 1,
			wantErr:  "desired revision (1) is different from the running revision (0)",
		},
		{
			name:     "unreadable revision",
			d:        rolloutDeployment("web", 2).revision("x"),
			revision: 1,
			wantErr:  "cannot get the revision of deployment \"web\": strconv.ParseInt: parsing \"x\": invalid syntax",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, done, err := deploymentStatus(&tt.d.d, tt.revision)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got != tt.want || done != tt.done {
				t.Errorf("got (%q, %v), want (%q, %v)", got, done, tt.want, tt.done)
			}
		})
	}
}

func TestDaemonSetStatus(t *testing.T) {
	ds := func(strategy apps.DaemonSetUpdateStrategyType, generation, observed int64, desired, updated, available int32) *apps.DaemonSet {
		d := &apps.DaemonSet{ObjectMeta: meta.ObjectMeta{Name: "agent", Generation: generation}}
		d.Spec.UpdateStrategy.Type = strategy
		d.Status.ObservedGeneration = observed
		d.Status.DesiredNumberScheduled, d.Status.UpdatedNumberScheduled, d.Status.NumberAvailable = desired, updated, available
		return d
	}
	tests := []struct {
		name    string
		ds      *apps.DaemonSet
		want    string
		done    bool
		wantErr string
	}{
		{"spec not observed", ds("RollingUpdate", 2, 1, 5, 5, 5), "Waiting for daemon set spec update to be observed...\n", false, ""},
		{"pods being updated", ds("RollingUpdate", 2, 2, 5, 2, 5), "Waiting for daemon set \"agent\" rollout to finish: 2 out of 5 new pods have been updated...\n", false, ""},
		{"pods not available", ds("RollingUpdate", 2, 2, 5, 5, 4), "Waiting for daemon set \"agent\" rollout to finish: 4 of 5 updated pods are available...\n", false, ""},
		{"done", ds("RollingUpdate", 2, 2, 5, 5, 5), "daemon set \"agent\" successfully rolled out\n", true, ""},
		{"on delete has no rollout", ds("OnDelete", 1, 1, 1, 1, 1), "", true, "rollout status is only available for RollingUpdate strategy type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, done, err := daemonSetStatus(tt.ds)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tt.want || done != tt.done || gotErr != tt.wantErr {
				t.Errorf("got (%q, %v, %q), want (%q, %v, %q)", got, done, gotErr, tt.want, tt.done, tt.wantErr)
			}
		})
	}
}

func TestStatusViewerFor(t *testing.T) {
	sch := builtin.Scheme()
	for _, tt := range []struct {
		kind    string
		wantErr string
	}{
		{"deployments", ""},
		{"replicasets", "no status viewer has been implemented for ReplicaSet.apps"},
		{"pods", "no status viewer has been implemented for Pod"},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			res, err := sch.Lookup(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			_, err = statusViewerFor(res)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("got error %q, want %q", gotErr, tt.wantErr)
			}
		})
	}
}
