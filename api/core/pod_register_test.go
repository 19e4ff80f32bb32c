package core

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/api/scheme"
)

func TestPodResource(t *testing.T) {
	r := PodResource()
	s := scheme.New(r)
	for _, name := range []string{"pods", "pod", "po", "Pod"} {
		got, err := s.Lookup(name)
		if err != nil || got != r {
			t.Errorf("Lookup(%q) got (%v, %v), want the pod resource", name, got, err)
		}
	}
	if got, ok := s.ByType(reflect.TypeOf(Pod{})); !ok || got != r {
		t.Errorf("ByType(Pod) got %v, want the pod resource", got)
	}
	if got := r.APIVersion() + " " + r.ListKind(); got != "v1 PodList" {
		t.Errorf("APIVersion and ListKind got %q, want %q", got, "v1 PodList")
	}
	if !r.Namespaced || !r.HasStatus || !reflect.DeepEqual(r.Categories, []string{"all"}) {
		t.Errorf("got Namespaced=%t HasStatus=%t Categories=%v, want true true [all]", r.Namespaced, r.HasStatus, r.Categories)
	}
	if got := len(r.Row(validPod())); got != len(r.Columns) {
		t.Errorf("Row has %d cells, want one per column (%d)", got, len(r.Columns))
	}
	var names []string
	for _, c := range r.Columns {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
	}
	if diff := cmp.Diff([]string{"Name", "Ready", "Status", "Restarts", "Age"}, names); diff != "" {
		t.Errorf("default columns (-want +got):\n%s", diff)
	}
}

func TestPodResourceHooks(t *testing.T) {
	r := PodResource()
	obj := r.New()
	p := obj.(*Pod)
	p.Name, p.Namespace = "web", "default"
	p.Spec.Containers = []Container{{Name: "a", Image: "nginx", Resources: ResourceRequirements{
		Limits: ResourceList{ResourceCPU: resource.MustParse("1"), ResourceMemory: resource.MustParse("1Gi")},
	}}}
	p.Status = PodStatus{Phase: PodRunning, PodIP: "10.0.0.1", HostIP: "192.168.0.1"}

	r.PrepareForCreate(obj)
	if diff := cmp.Diff(PodStatus{Phase: PodPending, QOSClass: PodQOSGuaranteed}, p.Status); diff != "" {
		t.Errorf("status after PrepareForCreate (-want +got):\n%s", diff)
	}
	r.Default(obj)
	if errs := r.Validate(obj); len(errs) != 0 {
		t.Fatalf("Validate got %v, want no errors", errs)
	}

	old := meta.DeepCopy(*p)
	old.Status.Phase = PodRunning
	update := meta.DeepCopy(*p)
	update.Status = PodStatus{Phase: PodFailed}
	update.Spec.Containers[0].Image = "nginx:1.26"
	r.PrepareForUpdate(&update, &old)
	if update.Status.Phase != PodRunning {
		t.Errorf("status phase after PrepareForUpdate got %s, want the stored Running", update.Status.Phase)
	}
	if errs := r.ValidateUpdate(&update, &old); len(errs) != 0 {
		t.Errorf("ValidateUpdate of an image change got %v, want no errors", errs)
	}
	update.Spec.NodeName = "elsewhere"
	if errs := r.ValidateUpdate(&update, &old); len(errs) != 1 {
		t.Errorf("ValidateUpdate of a node change got %v, want one error", errs)
	}
}

func TestPodFields(t *testing.T) {
	r := PodResource()
	p := validPod()
	p.Spec.NodeName = "node-1"
	p.Spec.ServiceAccountName = "robot"
	p.Status = PodStatus{Phase: PodRunning, PodIPs: []PodIP{{IP: "10.0.0.9"}}, NominatedNodeName: "node-2"}
	want := map[string]string{
		"metadata.name":            "web",
		"metadata.namespace":       "default",
		"spec.nodeName":            "node-1",
		"spec.restartPolicy":       "Always",
		"spec.schedulerName":       "default-scheduler",
		"spec.serviceAccountName":  "robot",
		"spec.hostNetwork":         "false",
		"status.phase":             "Running",
		"status.podIP":             "10.0.0.9",
		"status.nominatedNodeName": "node-2",
	}
	if diff := cmp.Diff(want, r.FieldSet(p)); diff != "" {
		t.Errorf("FieldSet (-want +got):\n%s", diff)
	}
	for _, f := range []string{"spec.nodeName", "status.phase"} {
		if !r.SupportsField(f) {
			t.Errorf("SupportsField(%q) got false, want true", f)
		}
	}
}

func TestComputePodQOS(t *testing.T) {
	q := resource.MustParse
	res := func(limits, requests ResourceList) Container {
		return Container{Name: "c", Resources: ResourceRequirements{Limits: limits, Requests: requests}}
	}
	both := ResourceList{ResourceCPU: q("1"), ResourceMemory: q("1Gi")}
	tests := []struct {
		name       string
		containers []Container
		inits      []Container
		want       PodQOSClass
	}{
		{"nothing", []Container{res(nil, nil)}, nil, PodQOSBestEffort},
		{"only other resources", []Container{res(ResourceList{ResourceEphemeralStorage: q("1Gi")}, nil)}, nil, PodQOSBestEffort},
		{"zero requests", []Container{res(nil, ResourceList{ResourceCPU: q("0")})}, nil, PodQOSBestEffort},
		{"limits only", []Container{res(both, nil)}, nil, PodQOSGuaranteed},
		{"equal", []Container{res(both, both)}, nil, PodQOSGuaranteed},
		{"equal written differently", []Container{res(both, ResourceList{ResourceCPU: q("1000m"), ResourceMemory: q("1024Mi")})}, nil, PodQOSGuaranteed},
		{"requests below limits", []Container{res(both, ResourceList{ResourceCPU: q("500m")})}, nil, PodQOSBurstable},
		{"cpu limit only", []Container{res(ResourceList{ResourceCPU: q("1")}, nil)}, nil, PodQOSBurstable},
		{"requests only", []Container{res(nil, ResourceList{ResourceMemory: q("1Gi")})}, nil, PodQOSBurstable},
		{"one container unlimited", []Container{res(both, nil), res(nil, nil)}, nil, PodQOSBurstable},
		{"init container counts", []Container{res(both, nil)}, []Container{res(nil, ResourceList{ResourceCPU: q("1")})}, PodQOSBurstable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &PodSpec{Containers: tc.containers, InitContainers: tc.inits}
			if got := ComputePodQOS(s); got != tc.want {
				t.Errorf("ComputePodQOS got %s, want %s", got, tc.want)
			}
			p := &Pod{Spec: *s}
			DefaultPod(p)
			if got := ComputePodQOS(&p.Spec); got != tc.want {
				t.Errorf("ComputePodQOS after defaulting got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestResourceListAccessors(t *testing.T) {
	rl := ResourceList{ResourceCPU: resource.MustParse("250m"), ResourcePods: resource.MustParse("110")}
	cpu, mem, pods, eph := rl.CPU(), rl.Memory(), rl.Pods(), rl.EphemeralStorage()
	if cpu.MilliValue() != 250 || !mem.IsZero() || pods.Value() != 110 || !eph.IsZero() {
		t.Errorf("got cpu=%s memory=%s pods=%s ephemeral=%s, want 250m 0 110 0", cpu.String(), mem.String(), pods.String(), eph.String())
	}
	// A missing amount keeps its resource's format, so sums print naturally.
	mem.Add(resource.MustParse("1Gi"))
	if got := mem.String(); got != "1Gi" {
		t.Errorf("memory sum got %s, want 1Gi", got)
	}
}

func TestPodDeleteGracePeriod(t *testing.T) {
	tests := []struct {
		name      string
		node      string
		phase     PodPhase
		own       *int64
		requested *int64
		want      int64
	}{
		{"pod's own period", "n1", PodRunning, ptrTo[int64](30), nil, 30},
		{"requested wins", "n1", PodRunning, ptrTo[int64](30), ptrTo[int64](5), 5},
		{"force", "n1", PodRunning, ptrTo[int64](30), ptrTo[int64](0), 0},
		{"negative is one second", "n1", PodRunning, ptrTo[int64](30), ptrTo[int64](-1), 1},
		{"never scheduled", "", PodPending, ptrTo[int64](30), nil, 0},
		{"succeeded", "n1", PodSucceeded, ptrTo[int64](30), nil, 0},
		{"failed", "n1", PodFailed, ptrTo[int64](30), ptrTo[int64](10), 0},
	}
	r := PodResource()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Pod{Spec: PodSpec{NodeName: tc.node, TerminationGracePeriodSeconds: tc.own}, Status: PodStatus{Phase: tc.phase}}
			if got := r.DeleteGracePeriod(p, tc.requested); got != tc.want {
				t.Errorf("DeleteGracePeriod got %d, want %d", got, tc.want)
			}
		})
	}
}
