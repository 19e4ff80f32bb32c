package apps

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/validate"
)

// causesOf lists errs as "type field", the part validation tests assert on.
func causesOf(errs validate.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func webTemplate() core.PodTemplateSpec {
	return core.PodTemplateSpec{
		ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}},
		Spec:       core.PodSpec{Containers: []core.Container{{Name: "web", Image: "nginx:1.27"}}},
	}
}

// testDeployment is a valid deployment, defaulted after mutate runs.
func testDeployment(mutate ...func(d *Deployment)) *Deployment {
	d := &Deployment{
		ObjectMeta: meta.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: DeploymentSpec{
			Selector: &meta.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate(),
		},
	}
	for _, m := range mutate {
		m(d)
	}
	DefaultDeployment(d)
	return d
}

func TestDefaultDeployment(t *testing.T) {
	d := &Deployment{Spec: DeploymentSpec{Template: webTemplate()}}
	DefaultDeployment(d)
	pct := meta.FromString("25%")
	want := DeploymentSpec{
		Replicas: ptr[int32](1),
		Strategy: DeploymentStrategy{
			Type:          RollingUpdateDeploymentStrategyType,
			RollingUpdate: &RollingUpdateDeployment{MaxUnavailable: &pct, MaxSurge: &pct},
		},
		RevisionHistoryLimit:    ptr[int32](10),
		ProgressDeadlineSeconds: ptr[int32](600),
	}
	got := d.Spec
	got.Template = core.PodTemplateSpec{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if d.Spec.Template.Spec.RestartPolicy != core.RestartPolicyAlways {
		t.Errorf("got template restartPolicy %q, want the pod spec defaults applied", d.Spec.Template.Spec.RestartPolicy)
	}

	recreate := &Deployment{Spec: DeploymentSpec{Replicas: ptr[int32](0), Strategy: DeploymentStrategy{Type: RecreateDeploymentStrategyType}}}
	DefaultDeployment(recreate)
	if recreate.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("got rollingUpdate %+v for Recreate, want none", recreate.Spec.Strategy.RollingUpdate)
	}
	if *recreate.Spec.Replicas != 0 {
		t.Errorf("got replicas %d, want the 0 given kept", *recreate.Spec.Replicas)
	}
}

func TestValidateDeployment(t *testing.T) {
	intOrStr := func(v meta.IntOrString) *meta.IntOrString { return &v }
	tests := []struct {
		name   string
		mutate func(d *Deployment)
		want   []string
	}{
		{"valid", func(d *Deployment) {}, nil},
		{"set-based selector", func(d *Deployment) {
			d.Spec.Selector = &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "tier", Operator: "In", Values: []string{"front", "back"}}}}
		}, nil},
		{"negative replicas", func(d *Deployment) { d.Spec.Replicas = ptr[int32](-1) },
			[]string{"FieldValueInvalid spec.replicas"}},
		{"no selector", func(d *Deployment) { d.Spec.Selector = nil },
			[]string{"FieldValueRequired spec.selector"}},
		{"empty selector", func(d *Deployment) { d.Spec.Selector = &meta.LabelSelector{} },
			[]string{"FieldValueInvalid spec.selector"}},
		{"bad selector", func(d *Deployment) {
			d.Spec.Selector = &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "app", Operator: "In"}}}
		}, []string{"FieldValueRequired spec.selector.matchExpressions[0].values"}},
		{"selector does not match", func(d *Deployment) { d.Spec.Selector.MatchLabels["app"] = "api" },
			[]string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"template is validated", func(d *Deployment) { d.Spec.Template.Spec.Containers = nil },
			[]string{"FieldValueRequired spec.template.spec.containers"}},
		{"restart policy", func(d *Deployment) { d.Spec.Template.Spec.RestartPolicy = core.RestartPolicyNever },
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"active deadline", func(d *Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr[int64](30) },
			[]string{"FieldValueForbidden spec.template.spec.activeDeadlineSeconds"}},
		{"surge and unavailable both 0", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: intOrStr(meta.FromInt(0)), MaxUnavailable: intOrStr(meta.FromString("0%"))}
		}, []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable"}},
		{"bad percentages", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: intOrStr(meta.FromString("lots")), MaxUnavailable: intOrStr(meta.FromString("150%"))}
		}, []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxSurge", "FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable"}},
		{"negative surge", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxSurge: intOrStr(meta.FromInt(-1))}
		}, []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxSurge"}},
		{"rolling update with Recreate", func(d *Deployment) {
			d.Spec.Strategy = DeploymentStrategy{Type: RecreateDeploymentStrategyType, RollingUpdate: &RollingUpdateDeployment{}}
		},
			[]string{"FieldValueForbidden spec.strategy.rollingUpdate"}},
		{"Recreate", func(d *Deployment) { d.Spec.Strategy = DeploymentStrategy{Type: RecreateDeploymentStrategyType} }, nil},
		{"unknown strategy", func(d *Deployment) { d.Spec.Strategy = DeploymentStrategy{Type: "BlueGreen"} },
			[]string{"FieldValueNotSupported spec.strategy.type"}},
		{"progress deadline not above min ready", func(d *Deployment) {
			d.Spec.MinReadySeconds = 600
		}, []string{"FieldValueInvalid spec.progressDeadlineSeconds"}},
		{"negative history", func(d *Deployment) { d.Spec.RevisionHistoryLimit = ptr[int32](-1) },
			[]string{"FieldValueInvalid spec.revisionHistoryLimit"}},
		{"inconsistent status", func(d *Deployment) {
			d.Status = DeploymentStatus{Replicas: 2, ReadyReplicas: 3, AvailableReplicas: 3, UpdatedReplicas: 1}
		}, []string{
			"FieldValueInvalid status.readyReplicas",
			"FieldValueInvalid status.availableReplicas",
		}},
		{"available above ready", func(d *Deployment) { d.Status = DeploymentStatus{Replicas: 3, ReadyReplicas: 1, AvailableReplicas: 2} },
			[]string{"FieldValueInvalid status.availableReplicas"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := testDeployment(tt.mutate)
			if diff := cmp.Diff(tt.want, causesOf(ValidateDeployment(d))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeploymentUpdate(t *testing.T) {
	r := DeploymentResource()
	old := testDeployment()
	r.PrepareForCreate(old)
	if old.Generation != 1 {
		t.Fatalf("got generation %d after create, want 1", old.Generation)
	}

	same := testDeployment() // the same manifest, sent again, not yet defaulted by the server
	same.Spec.Replicas, same.Spec.Strategy, same.Spec.RevisionHistoryLimit, same.Spec.ProgressDeadlineSeconds = nil, DeploymentStrategy{}, nil, nil
	same.Generation = 1
	r.PrepareForUpdate(same, old)
	if same.Generation != 1 {
		t.Errorf("got generation %d for an unchanged spec, want 1", same.Generation)
	}

	scaled := testDeployment(func(d *Deployment) { d.Spec.Replicas = ptr[int32](3) })
	r.PrepareForUpdate(scaled, old)
	if scaled.Generation != 2 {
		t.Errorf("got generation %d for a changed spec, want 2", scaled.Generation)
	}
	if errs := r.ValidateUpdate(scaled, old); len(errs) != 0 {
		t.Errorf("got %v scaling, want no errors", errs)
	}

	reselected := testDeployment(func(d *Deployment) { d.Spec.Selector.MatchLabels["tier"] = "front" })
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.selector"}, causesOf(r.ValidateUpdate(reselected, old))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestDeploymentRow(t *testing.T) {
	d := testDeployment(func(d *Deployment) {
		d.Spec.Replicas = ptr[int32](3)
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, core.Container{Name: "sidecar", Image: "envoy:1"})
		d.Status = DeploymentStatus{Replicas: 3, ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}
	})
	tests := []struct {
		name string
		obj  *Deployment
		want []any
	}{
		{"filled", d, []any{"web", "2/3", int64(3), int64(2), "<unknown>", "web,sidecar", "nginx:1.27,envoy:1", "app=web"}},
		{"zero", &Deployment{}, []any{"", "0/0", int64(0), int64(0), "<unknown>", "", "", "<none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, DeploymentResource().Row(tt.obj)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}
