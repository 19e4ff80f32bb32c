package apps

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// testDaemonSet is a valid daemon set, defaulted after mutate runs.
func testDaemonSet(mutate ...func(ds *DaemonSet)) *DaemonSet {
	ds := &DaemonSet{
		ObjectMeta: meta.ObjectMeta{Name: "logs", Namespace: "kube-system"},
		Spec: DaemonSetSpec{
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate(),
		},
	}
	for _, m := range mutate {
		m(ds)
	}
	DefaultDaemonSet(ds)
	return ds
}

func TestDefaultDaemonSet(t *testing.T) {
	ds := &DaemonSet{Spec: DaemonSetSpec{Template: webTemplate()}}
	DefaultDaemonSet(ds)
	one, zero := meta.FromInt(1), meta.FromInt(0)
	want := DaemonSetSpec{
		UpdateStrategy: DaemonSetUpdateStrategy{
			Type:          RollingUpdateDaemonSetStrategyType,
			RollingUpdate: &RollingUpdateDaemonSet{MaxUnavailable: &one, MaxSurge: &zero},
		},
		RevisionHistoryLimit: ptr[int32](10),
	}
	got := ds.Spec
	got.Template = core.PodTemplateSpec{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if ds.Spec.Template.Spec.RestartPolicy != core.RestartPolicyAlways {
		t.Errorf("got template restartPolicy %q, want the pod spec defaults applied", ds.Spec.Template.Spec.RestartPolicy)
	}

	surge := meta.FromString("10%")
	partial := &DaemonSet{Spec: DaemonSetSpec{UpdateStrategy: DaemonSetUpdateStrategy{RollingUpdate: &RollingUpdateDaemonSet{MaxSurge: &surge}}}}
	DefaultDaemonSet(partial)
	if ru := partial.Spec.UpdateStrategy.RollingUpdate; ru.MaxSurge.String() != "10%" || ru.MaxUnavailable.String() != "1" {
		t.Errorf("got maxSurge %s maxUnavailable %s, want the 10%% given kept and 1", ru.MaxSurge, ru.MaxUnavailable)
	}

	onDelete := &DaemonSet{Spec: DaemonSetSpec{UpdateStrategy: DaemonSetUpdateStrategy{Type: OnDeleteDaemonSetStrategyType}}}
	DefaultDaemonSet(onDelete)
	if onDelete.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("got rollingUpdate %+v for OnDelete, want none", onDelete.Spec.UpdateStrategy.RollingUpdate)
	}
}

func TestValidateDaemonSet(t *testing.T) {
	intOrStr := func(v meta.IntOrString) *meta.IntOrString { return &v }
	rolling := func(unavailable, surge meta.IntOrString) func(ds *DaemonSet) {
		return func(ds *DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{MaxUnavailable: intOrStr(unavailable), MaxSurge: intOrStr(surge)}
		}
	}
	tests := []struct {
		name   string
		mutate func(ds *DaemonSet)
		want   []string
	}{
		{"valid", func(ds *DaemonSet) {}, nil},
		{"no selector", func(ds *DaemonSet) { ds.Spec.Selector = nil },
			[]string{"FieldValueRequired spec.selector"}},
		{"empty selector", func(ds *DaemonSet) { ds.Spec.Selector = &meta.LabelSelector{} },
			[]string{"FieldValueInvalid spec.selector"}},
		{"selector does not match", func(ds *DaemonSet) { ds.Spec.Selector.MatchLabels["app"] = "api" },
			[]string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"template is validated", func(ds *DaemonSet) { ds.Spec.Template.Spec.Containers = nil },
			[]string{"FieldValueRequired spec.template.spec.containers"}},
		{"restart policy", func(ds *DaemonSet) { ds.Spec.Template.Spec.RestartPolicy = core.RestartPolicyOnFailure },
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"negative min ready and history", func(ds *DaemonSet) {
			ds.Spec.MinReadySeconds, ds.Spec.RevisionHistoryLimit = -1, ptr[int32](-1)
		}, []string{"FieldValueInvalid spec.minReadySeconds", "FieldValueInvalid spec.revisionHistoryLimit"}},
		{"surge instead of unavailable", rolling(meta.FromInt(0), meta.FromString("25%")), nil},
		{"surge and unavailable both 0", rolling(meta.FromString("0%"), meta.FromInt(0)),
			[]string{"FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"above 100%", rolling(meta.FromString("101%"), meta.FromString("200%")), []string{
			"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxUnavailable",
			"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge",
		}},
		{"malformed and negative", rolling(meta.FromString("half"), meta.FromInt(-1)), []string{
			"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxUnavailable",
			"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge",
		}},
		{"OnDelete", func(ds *DaemonSet) {
			ds.Spec.UpdateStrategy = DaemonSetUpdateStrategy{Type: OnDeleteDaemonSetStrategyType}
		}, nil},
		{"unknown strategy", func(ds *DaemonSet) { ds.Spec.UpdateStrategy.Type = "Recreate" },
			[]string{"FieldValueNotSupported spec.updateStrategy.type"}},
		{"negative status", func(ds *DaemonSet) {
			ds.Status = DaemonSetStatus{NumberMisscheduled: -1, NumberUnavailable: -2, CollisionCount: ptr[int32](-1)}
		}, []string{
			"FieldValueInvalid status.numberMisscheduled",
			"FieldValueInvalid status.numberUnavailable",
			"FieldValueInvalid status.collisionCount",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, causesOf(ValidateDaemonSet(testDaemonSet(tt.mutate)))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDaemonSetUpdate(t *testing.T) {
	r := DaemonSetResource()
	old := testDaemonSet(func(ds *DaemonSet) { ds.Status.NumberReady = 3 })
	r.PrepareForCreate(old)
	if old.Generation != 1 || old.Status.NumberReady != 0 {
		t.Fatalf("got generation %d and numberReady %d after create, want 1 and a cleared status", old.Generation, old.Status.NumberReady)
	}

	same := testDaemonSet(func(ds *DaemonSet) { ds.Generation = 1 })
	same.Spec.UpdateStrategy, same.Spec.RevisionHistoryLimit = DaemonSetUpdateStrategy{}, nil
	r.PrepareForUpdate(same, old)
	if same.Generation != 1 {
		t.Errorf("got generation %d for an unchanged spec, want 1", same.Generation)
	}

	newImage := testDaemonSet(func(ds *DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = "nginx:1.28" })
	r.PrepareForUpdate(newImage, old)
	if newImage.Generation != 2 {
		t.Errorf("got generation %d for a changed spec, want 2", newImage.Generation)
	}
	if errs := r.ValidateUpdate(newImage, old); len(errs) != 0 {
		t.Errorf("got %v changing the image, want no errors", errs)
	}

	reselected := testDaemonSet(func(ds *DaemonSet) { ds.Spec.Selector.MatchLabels["tier"] = "front" })
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.selector"}, causesOf(r.ValidateUpdate(reselected, old))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestDaemonSetRow(t *testing.T) {
	ds := testDaemonSet(func(ds *DaemonSet) {
		ds.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux", "disk": "ssd"}
		ds.Status = DaemonSetStatus{DesiredNumberScheduled: 5, CurrentNumberScheduled: 4, NumberReady: 3, UpdatedNumberScheduled: 2, NumberAvailable: 1}
	})
	tests := []struct {
		name string
		obj  *DaemonSet
		want []any
	}{
		{"filled", ds, []any{"logs", int64(5), int64(4), int64(3), int64(2), int64(1), "disk=ssd,kubernetes.io/os=linux", "<unknown>", "web", "nginx:1.27", "app=web"}},
		{"zero", &DaemonSet{}, []any{"", int64(0), int64(0), int64(0), int64(0), int64(0), "<none>", "<unknown>", "", "", "<none>"}},
	}
	r := DaemonSetResource()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Row(tt.obj)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
			if len(got) != len(r.Columns) {
				t.Errorf("got %d cells, want one per column (%d)", len(got), len(r.Columns))
			}
		})
	}
}

func TestDaemonSetManifest(t *testing.T) {
	data, err := os.ReadFile("testdata/daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ds DaemonSet
	if err := codec.Decode(data, &ds); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := DaemonSetUpdateStrategy{
		Type:          RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &RollingUpdateDaemonSet{MaxSurge: ptr(meta.FromString("10%")), MaxUnavailable: ptr(meta.FromInt(0))},
	}
	if diff := cmp.Diff(want, ds.Spec.UpdateStrategy); diff != "" {
		t.Errorf("updateStrategy (-want +got):\n%s", diff)
	}
	if got := ds.Status; got.DesiredNumberScheduled != 3 || got.NumberMisscheduled != 1 || got.NumberUnavailable != 1 {
		t.Errorf("got status %+v, want desired 3, misscheduled 1, unavailable 1", got)
	}
	DefaultDaemonSet(&ds)
	if errs := ValidateDaemonSet(&ds); len(errs) != 0 {
		t.Errorf("got %v, want the manifest accepted", errs)
	}

	bad := []byte("apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  updateStrategy:\n    rollingUpdate:\n      maxSurgee: 1\n")
	if err := codec.Decode(bad, &DaemonSet{}); err == nil {
		t.Error("got no error for spec.updateStrategy.rollingUpdate.maxSurgee, want an unknown field")
	}
}
