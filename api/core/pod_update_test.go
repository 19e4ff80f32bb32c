package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
)

func TestValidatePodUpdate(t *testing.T) {
	base := func() *Pod {
		p := validPod()
		p.Spec.InitContainers = []Container{{Name: "init", Image: "busybox:1"}}
		p.Spec.Tolerations = []Toleration{{Key: "k", Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: ptrTo[int64](60)}}
		container(p).Resources.Limits = ResourceList{ResourceMemory: resource.MustParse("1Gi")}
		DefaultPod(p)
		return p
	}
	tests := []struct {
		name      string
		mutate    func(p *Pod)
		want      []string
		mentioned string // a path the Forbidden message must name
	}{
		{"unchanged", func(p *Pod) {}, nil, ""},
		{"images", func(p *Pod) {
			container(p).Image = "nginx:1.26"
			p.Spec.InitContainers[0].Image = "busybox:2"
		}, nil, ""},
		{"metadata and status are not the spec", func(p *Pod) {
			p.Labels = map[string]string{"new": "label"}
			p.Status.Phase = PodRunning
		}, nil, ""},
		{"same quantity written differently", func(p *Pod) {
			container(p).Resources.Limits[ResourceMemory] = resource.MustParse("1024Mi")
		}, nil, ""},
		{"empty list for nil", func(p *Pod) { container(p).Env = []EnvVar{} }, nil, ""},
		{"deadline set", func(p *Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo[int64](600) }, nil, ""},
		{"toleration added and its seconds changed", func(p *Pod) {
			p.Spec.Tolerations[0].TolerationSeconds = ptrTo[int64](30)
			p.Spec.Tolerations = append(p.Spec.Tolerations, Toleration{Operator: TolerationOpExists})
		}, nil, ""},
		{"toleration removed", func(p *Pod) { p.Spec.Tolerations = nil }, []string{"Forbidden spec.tolerations"}, ""},
		{"toleration changed", func(p *Pod) { p.Spec.Tolerations[0].Key = "other" }, []string{"Forbidden spec.tolerations"}, ""},
		{"container added", func(p *Pod) {
			p.Spec.Containers = append(p.Spec.Containers, Container{Name: "b", Image: "x:1"})
		}, []string{"Forbidden spec.containers"}, ""},
		{"init container removed", func(p *Pod) { p.Spec.InitContainers = nil }, []string{"Forbidden spec.initContainers"}, ""},
		{"restart policy", func(p *Pod) { p.Spec.RestartPolicy = RestartPolicyNever }, []string{"Forbidden spec"}, "spec.restartPolicy"},
		{"container command", func(p *Pod) { container(p).Command = []string{"sh"} }, []string{"Forbidden spec"}, "spec.containers[0].command"},
		{"resources", func(p *Pod) {
			container(p).Resources.Limits[ResourceMemory] = resource.MustParse("2Gi")
		}, []string{"Forbidden spec"}, "spec.containers[0].resources.limits[memory]"},
		{"probe handler inline", func(p *Pod) {
			container(p).LivenessProbe = &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{}}}
		}, []string{"Forbidden spec"}, "spec.containers[0].livenessProbe"},
		{"volume source inline", func(p *Pod) {
			p.Spec.Volumes[0].EmptyDir.Medium = StorageMediumMemory
		}, []string{"Forbidden spec"}, "spec.volumes[0].emptyDir.medium"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := base()
			p := meta.DeepCopy(*old)
			tc.mutate(&p)
			errs := ValidatePodUpdate(&p, old)
			if diff := cmp.Diff(tc.want, summarize(errs)); diff != "" {
				t.Fatalf("ValidatePodUpdate errors (-want +got):\n%s\nall: %v", diff, errs)
			}
			if tc.mentioned != "" {
				msg := errs[0].Error()
				if !strings.HasPrefix(msg, "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`") ||
					!strings.Contains(msg, tc.mentioned+" changed") {
					t.Errorf("message got %q, want Kubernetes' wording naming %s", msg, tc.mentioned)
				}
			}
		})
	}
}

func TestValidatePodUpdateActiveDeadline(t *testing.T) {
	tests := []struct {
		name     string
		old, new *int64
		want     []string
	}{
		{"set", nil, ptrTo[int64](10), nil},
		{"shortened", ptrTo[int64](10), ptrTo[int64](5), nil},
		{"lengthened", ptrTo[int64](10), ptrTo[int64](11), []string{"Invalid spec.activeDeadlineSeconds"}},
		{"removed", ptrTo[int64](10), nil, []string{"Invalid spec.activeDeadlineSeconds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			old := validPod()
			old.Spec.ActiveDeadlineSeconds = tc.old
			p := meta.DeepCopy(*old)
			p.Spec.ActiveDeadlineSeconds = tc.new
			if diff := cmp.Diff(tc.want, summarize(ValidatePodUpdate(&p, old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
