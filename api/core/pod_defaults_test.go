package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
)

// defaultedContainer is c with the defaults every container gets.
func defaultedContainer(c Container) Container {
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = TerminationMessageReadFile
	}
	return c
}

// defaultedSpec is s with the spec-level defaults.
func defaultedSpec(s PodSpec) PodSpec {
	s.RestartPolicy = RestartPolicyAlways
	s.DNSPolicy = DNSClusterFirst
	s.TerminationGracePeriodSeconds = ptrTo[int64](30)
	s.SchedulerName = DefaultSchedulerName
	s.SecurityContext = &PodSecurityContext{}
	return s
}

func TestDefaultPod(t *testing.T) {
	tests := []struct {
		name string
		in   PodSpec
		want PodSpec
	}{
		{
			name: "minimal",
			in:   PodSpec{Containers: []Container{{Name: "a", Image: "nginx"}}},
			want: defaultedSpec(PodSpec{
				Containers:         []Container{defaultedContainer(Container{Name: "a", Image: "nginx", ImagePullPolicy: PullAlways})},
				EnableServiceLinks: ptrTo(true),
			}),
		},
		{
			name: "set values are kept",
			in: PodSpec{
				Containers: []Container{{
					Name: "a", Image: "nginx", ImagePullPolicy: PullNever,
					TerminationMessagePath: "/tmp/msg", TerminationMessagePolicy: TerminationMessageFallbackToLogsOnError,
				}},
				RestartPolicy:                 RestartPolicyNever,
				DNSPolicy:                     DNSDefault,
				TerminationGracePeriodSeconds: ptrTo[int64](0),
				SchedulerName:                 "other",
				SecurityContext:               &PodSecurityContext{RunAsUser: ptrTo[int64](7)},
				EnableServiceLinks:            ptrTo(false),
			},
			want: PodSpec{
				Containers: []Container{{
					Name: "a", Image: "nginx", ImagePullPolicy: PullNever,
					TerminationMessagePath: "/tmp/msg", TerminationMessagePolicy: TerminationMessageFallbackToLogsOnError,
				}},
				RestartPolicy:                 RestartPolicyNever,
				DNSPolicy:                     DNSDefault,
				TerminationGracePeriodSeconds: ptrTo[int64](0),
				SchedulerName:                 "other",
				SecurityContext:               &PodSecurityContext{RunAsUser: ptrTo[int64](7)},
				EnableServiceLinks:            ptrTo(false),
			},
		},
		{
			name: "ports, env and probes",
			in: PodSpec{Containers: []Container{{
				Name: "a", Image: "nginx:1.25",
				Ports: []ContainerPort{{ContainerPort: 80}, {ContainerPort: 53, Protocol: ProtocolUDP}},
				Env: []EnvVar{
					{Name: "A", Value: "1"},
					{Name: "POD", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}}},
				},
				LivenessProbe:  &Probe{ProbeHandler: ProbeHandler{HTTPGet: &HTTPGetAction{Port: meta.FromInt(80)}}},
				ReadinessProbe: &Probe{ProbeHandler: ProbeHandler{GRPC: &GRPCAction{Port: 9090}}, PeriodSeconds: 3},
				StartupProbe:   &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}}, FailureThreshold: 30},
				Lifecycle:      &Lifecycle{PreStop: &LifecycleHandler{HTTPGet: &HTTPGetAction{Port: meta.FromString("http")}}},
			}}},
			want: defaultedSpec(PodSpec{
				Containers: []Container{defaultedContainer(Container{
					Name: "a", Image: "nginx:1.25", ImagePullPolicy: PullIfNotPresent,
					Ports: []ContainerPort{{ContainerPort: 80, Protocol: ProtocolTCP}, {ContainerPort: 53, Protocol: ProtocolUDP}},
					Env: []EnvVar{
						{Name: "A", Value: "1"},
						{Name: "POD", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
					},
					LivenessProbe: &Probe{
						ProbeHandler:   ProbeHandler{HTTPGet: &HTTPGetAction{Path: "/", Port: meta.FromInt(80), Scheme: URISchemeHTTP}},
						TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
					},
					ReadinessProbe: &Probe{
						ProbeHandler:   ProbeHandler{GRPC: &GRPCAction{Port: 9090, Service: ptrTo("")}},
						TimeoutSeconds: 1, PeriodSeconds: 3, SuccessThreshold: 1, FailureThreshold: 3,
					},
					StartupProbe: &Probe{
						ProbeHandler:   ProbeHandler{Exec: &ExecAction{Command: []string{"true"}}},
						TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 30,
					},
					Lifecycle: &Lifecycle{PreStop: &LifecycleHandler{HTTPGet: &HTTPGetAction{Path: "/", Port: meta.FromString("http"), Scheme: URISchemeHTTP}}},
				})},
				EnableServiceLinks: ptrTo(true),
			}),
		},
		{
			name: "volumes",
			in: PodSpec{
				Containers: []Container{{Name: "a", Image: "nginx@sha256:0123"}},
				Volumes: []Volume{
					{Name: "scratch"},
					{Name: "cm", VolumeSource: VolumeSource{ConfigMap: &ConfigMapVolumeSource{LocalObjectReference: LocalObjectReference{Name: "c"}}}},
					{Name: "sec", VolumeSource: VolumeSource{Secret: &SecretVolumeSource{SecretName: "s", DefaultMode: ptrTo[int32](0o400)}}},
					{Name: "host", VolumeSource: VolumeSource{HostPath: &HostPathVolumeSource{Path: "/data"}}},
					{Name: "info", VolumeSource: VolumeSource{DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{
						{Path: "name", FieldRef: &ObjectFieldSelector{FieldPath: "metadata.name"}},
					}}}},
					{Name: "proj", VolumeSource: VolumeSource{Projected: &ProjectedVolumeSource{Sources: []VolumeProjection{
						{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token"}},
						{DownwardAPI: &DownwardAPIProjection{Items: []DownwardAPIVolumeFile{{Path: "ns", FieldRef: &ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
					}}}},
				},
			},
			want: defaultedSpec(PodSpec{
				Containers: []Container{defaultedContainer(Container{Name: "a", Image: "nginx@sha256:0123", ImagePullPolicy: PullIfNotPresent})},
				Volumes: []Volume{
					{Name: "scratch", VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}},
					{Name: "cm", VolumeSource: VolumeSource{ConfigMap: &ConfigMapVolumeSource{LocalObjectReference: LocalObjectReference{Name: "c"}, DefaultMode: ptrTo[int32](0o644)}}},
					{Name: "sec", VolumeSource: VolumeSource{Secret: &SecretVolumeSource{SecretName: "s", DefaultMode: ptrTo[int32](0o400)}}},
					{Name: "host", VolumeSource: VolumeSource{HostPath: &HostPathVolumeSource{Path: "/data", Type: ptrTo(HostPathUnset)}}},
					{Name: "info", VolumeSource: VolumeSource{DownwardAPI: &DownwardAPIVolumeSource{DefaultMode: ptrTo[int32](0o644), Items: []DownwardAPIVolumeFile{
						{Path: "name", FieldRef: &ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}},
					}}}},
					{Name: "proj", VolumeSource: VolumeSource{Projected: &ProjectedVolumeSource{DefaultMode: ptrTo[int32](0o644), Sources: []VolumeProjection{
						{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptrTo[int64](3600)}},
						{DownwardAPI: &DownwardAPIProjection{Items: []DownwardAPIVolumeFile{{Path: "ns", FieldRef: &ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
					}}}},
				},
				EnableServiceLinks: ptrTo(true),
			}),
		},
		{
			name: "requests default to limits",
			in: PodSpec{
				InitContainers: []Container{{Name: "i", Image: "busybox:1", Resources: ResourceRequirements{
					Limits: ResourceList{ResourceCPU: resource.MustParse("1")},
				}}},
				Containers: []Container{{Name: "a", Image: "nginx:1", Resources: ResourceRequirements{
					Limits:   ResourceList{ResourceCPU: resource.MustParse("2"), ResourceMemory: resource.MustParse("1Gi")},
					Requests: ResourceList{ResourceCPU: resource.MustParse("500m")},
				}}},
			},
			want: defaultedSpec(PodSpec{
				InitContainers: []Container{defaultedContainer(Container{Name: "i", Image: "busybox:1", ImagePullPolicy: PullIfNotPresent, Resources: ResourceRequirements{
					Limits:   ResourceList{ResourceCPU: resource.MustParse("1")},
					Requests: ResourceList{ResourceCPU: resource.MustParse("1")},
				}})},
				Containers: []Container{defaultedContainer(Container{Name: "a", Image: "nginx:1", ImagePullPolicy: PullIfNotPresent, Resources: ResourceRequirements{
					Limits:   ResourceList{ResourceCPU: resource.MustParse("2"), ResourceMemory: resource.MustParse("1Gi")},
					Requests: ResourceList{ResourceCPU: resource.MustParse("500m"), ResourceMemory: resource.MustParse("1Gi")},
				}})},
				EnableServiceLinks: ptrTo(true),
			}),
		},
		{
			name: "host network ports",
			in: PodSpec{
				HostNetwork: true,
				Containers:  []Container{{Name: "a", Image: "nginx:1", Ports: []ContainerPort{{ContainerPort: 8080}}}},
			},
			want: defaultedSpec(PodSpec{
				HostNetwork:        true,
				Containers:         []Container{defaultedContainer(Container{Name: "a", Image: "nginx:1", ImagePullPolicy: PullIfNotPresent, Ports: []ContainerPort{{ContainerPort: 8080, HostPort: 8080, Protocol: ProtocolTCP}}})},
				EnableServiceLinks: ptrTo(true),
			}),
		},
		{
			name: "deprecated serviceAccount",
			in:   PodSpec{DeprecatedServiceAccount: "old", Containers: []Container{{Name: "a", Image: "x:1"}}},
			want: defaultedSpec(PodSpec{
				ServiceAccountName: "old", DeprecatedServiceAccount: "old",
				Containers:         []Container{defaultedContainer(Container{Name: "a", Image: "x:1", ImagePullPolicy: PullIfNotPresent})},
				EnableServiceLinks: ptrTo(true),
			}),
		},
		{
			name: "serviceAccountName wins",
			in:   PodSpec{ServiceAccountName: "new", DeprecatedServiceAccount: "old", Containers: []Container{{Name: "a", Image: "x:1"}}},
			want: defaultedSpec(PodSpec{
				ServiceAccountName: "new", DeprecatedServiceAccount: "new",
				Containers:         []Container{defaultedContainer(Container{Name: "a", Image: "x:1", ImagePullPolicy: PullIfNotPresent})},
				EnableServiceLinks: ptrTo(true),
			}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Pod{Spec: tc.in}
			DefaultPod(&p)
			if diff := cmp.Diff(tc.want, p.Spec); diff != "" {
				t.Errorf("DefaultPod spec (-want +got):\n%s", diff)
			}
			again := meta.DeepCopy(p)
			DefaultPod(&again)
			if diff := cmp.Diff(p, again); diff != "" {
				t.Errorf("DefaultPod is not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestDefaultPodSpecLeavesPodOnlyDefaults(t *testing.T) {
	s := PodSpec{
		HostNetwork: true,
		Containers: []Container{{Name: "a", Image: "x:1", Ports: []ContainerPort{{ContainerPort: 80}},
			Resources: ResourceRequirements{Limits: ResourceList{ResourceCPU: resource.MustParse("1")}}}},
	}
	DefaultPodSpec(&s)
	if s.EnableServiceLinks != nil {
		t.Errorf("template enableServiceLinks got %v, want nil", *s.EnableServiceLinks)
	}
	if s.Containers[0].Resources.Requests != nil {
		t.Errorf("template requests got %v, want nil", s.Containers[0].Resources.Requests)
	}
	if got := s.Containers[0].Ports[0].HostPort; got != 0 {
		t.Errorf("template hostPort got %d, want 0", got)
	}
	if s.RestartPolicy != RestartPolicyAlways || s.SchedulerName != DefaultSchedulerName {
		t.Errorf("template got restartPolicy %q schedulerName %q, want Always and %s", s.RestartPolicy, s.SchedulerName, DefaultSchedulerName)
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	tests := []struct {
		image string
		want  PullPolicy
	}{
		{"nginx", PullAlways},
		{"nginx:latest", PullAlways},
		{"nginx:1.25", PullIfNotPresent},
		{"docker.io/library/nginx:1.25-alpine", PullIfNotPresent},
		{"localhost:5000/app", PullAlways},
		{"localhost:5000/app:v1", PullIfNotPresent},
		{"localhost:5000/team/app:latest", PullAlways},
		{"nginx@sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2", PullIfNotPresent},
		{"nginx:latest@sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2", PullAlways},
		{"nginx:1.25@sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2", PullIfNotPresent},
	}
	for _, tc := range tests {
		t.Run(tc.image, func(t *testing.T) {
			if got := defaultPullPolicy(tc.image); got != tc.want {
				t.Errorf("defaultPullPolicy(%q) got %s, want %s", tc.image, got, tc.want)
			}
		})
	}
}

func TestDefaultPodIPs(t *testing.T) {
	tests := []struct {
		name string
		in   PodStatus
		want PodStatus
	}{
		{"empty", PodStatus{}, PodStatus{}},
		{"singular only", PodStatus{PodIP: "10.0.0.1", HostIP: "192.168.0.1"},
			PodStatus{PodIP: "10.0.0.1", PodIPs: []PodIP{{IP: "10.0.0.1"}}, HostIP: "192.168.0.1", HostIPs: []HostIP{{IP: "192.168.0.1"}}}},
		{"plural only", PodStatus{PodIPs: []PodIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}}, HostIPs: []HostIP{{IP: "192.168.0.1"}}},
			PodStatus{PodIP: "10.0.0.1", PodIPs: []PodIP{{IP: "10.0.0.1"}, {IP: "fd00::1"}}, HostIP: "192.168.0.1", HostIPs: []HostIP{{IP: "192.168.0.1"}}}},
		{"disagreeing, singular wins", PodStatus{PodIP: "10.0.0.2", PodIPs: []PodIP{{IP: "10.0.0.1"}}},
			PodStatus{PodIP: "10.0.0.2", PodIPs: []PodIP{{IP: "10.0.0.2"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Pod{Spec: PodSpec{Containers: []Container{{Name: "a", Image: "x:1"}}}, Status: tc.in}
			DefaultPod(&p)
			if diff := cmp.Diff(tc.want, p.Status); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}
