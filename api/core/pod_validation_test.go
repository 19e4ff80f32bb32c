package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
	"github.com/wharf/wharf/api/validate"
)

// validPod is a small defaulted pod that passes validation; cases change
// one thing in it.
func validPod() *Pod {
	p := &Pod{
		ObjectMeta: meta.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: PodSpec{
			Volumes: []Volume{{Name: "data", VolumeSource: VolumeSource{EmptyDir: &EmptyDirVolumeSource{}}}},
			Containers: []Container{{
				Name:         "app",
				Image:        "nginx:1.25",
				Ports:        []ContainerPort{{Name: "http", ContainerPort: 80}},
				VolumeMounts: []VolumeMount{{Name: "data", MountPath: "/data"}},
			}},
		},
	}
	DefaultPod(p)
	return p
}

// summarize writes each error as "Type field", e.g. "Required spec.containers".
func summarize(errs validate.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, strings.TrimPrefix(string(e.Type), "FieldValue")+" "+e.Field)
	}
	return out
}

func container(p *Pod) *Container { return &p.Spec.Containers[0] }

func httpProbe(port meta.IntOrString) *Probe {
	p := &Probe{ProbeHandler: ProbeHandler{HTTPGet: &HTTPGetAction{Port: port}}}
	defaultProbe(p)
	return p
}

type validationCase struct {
	name   string
	mutate func(p *Pod)
	want   []string
}

func runValidationCases(t *testing.T, tests []validationCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validPod()
			tc.mutate(p)
			got := summarize(ValidatePod(p))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ValidatePod errors (-want +got):\n%s\nall: %v", diff, ValidatePod(p))
			}
		})
	}
}

func TestValidatePodContainers(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"valid", func(p *Pod) {}, nil},
		{"no containers", func(p *Pod) { p.Spec.Containers = nil }, []string{"Required spec.containers"}},
		{"name required", func(p *Pod) { container(p).Name = "" }, []string{"Required spec.containers[0].name"}},
		{"name not a label", func(p *Pod) { container(p).Name = "App_1" }, []string{"Invalid spec.containers[0].name"}},
		{"duplicate name", func(p *Pod) {
			p.Spec.Containers = append(p.Spec.Containers, Container{Name: "app", Image: "x:1", ImagePullPolicy: PullIfNotPresent, TerminationMessagePolicy: TerminationMessageReadFile})
		}, []string{"Duplicate spec.containers[1].name"}},
		{"init container distinct name", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "x:1", ImagePullPolicy: PullIfNotPresent, TerminationMessagePolicy: TerminationMessageReadFile}}
		}, nil},
		{"init container clashes with app container", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "app", Image: "x:1", ImagePullPolicy: PullIfNotPresent, TerminationMessagePolicy: TerminationMessageReadFile}}
		}, []string{"Duplicate spec.initContainers[0].name"}},
		{"image required", func(p *Pod) { container(p).Image = "" }, []string{"Required spec.containers[0].image"}},
		{"image with spaces", func(p *Pod) { container(p).Image = " nginx" }, []string{"Invalid spec.containers[0].image"}},
		{"pull policy", func(p *Pod) { container(p).ImagePullPolicy = "Sometimes" }, []string{"NotSupported spec.containers[0].imagePullPolicy"}},
		{"pull policy required", func(p *Pod) { container(p).ImagePullPolicy = "" }, []string{"Required spec.containers[0].imagePullPolicy"}},
		{"termination message policy", func(p *Pod) { container(p).TerminationMessagePolicy = "Logs" }, []string{"Invalid spec.containers[0].terminationMessagePolicy"}},
		{"security context ids", func(p *Pod) {
			container(p).SecurityContext = &SecurityContext{RunAsUser: ptrTo[int64](-1), RunAsGroup: ptrTo[int64](1 << 40)}
		}, []string{"Invalid spec.containers[0].securityContext.runAsUser", "Invalid spec.containers[0].securityContext.runAsGroup"}},
		{"privileged without escalation", func(p *Pod) {
			container(p).SecurityContext = &SecurityContext{Privileged: ptrTo(true), AllowPrivilegeEscalation: ptrTo(false)}
		}, []string{"Invalid spec.containers[0].securityContext"}},
		{"privileged", func(p *Pod) { container(p).SecurityContext = &SecurityContext{Privileged: ptrTo(true)} }, nil},
	})
}

func TestValidatePodPorts(t *testing.T) {
	second := func(p *Pod, ports ...ContainerPort) {
		p.Spec.Containers = append(p.Spec.Containers, Container{Name: "b", Image: "x:1", Ports: ports,
			ImagePullPolicy: PullIfNotPresent, TerminationMessagePolicy: TerminationMessageReadFile})
	}
	runValidationCases(t, []validationCase{
		{"sctp", func(p *Pod) { container(p).Ports[0].Protocol = ProtocolSCTP }, nil},
		{"port required", func(p *Pod) { container(p).Ports[0].ContainerPort = 0 }, []string{"Required spec.containers[0].ports[0].containerPort"}},
		{"port too large", func(p *Pod) { container(p).Ports[0].ContainerPort = 70000 }, []string{"Invalid spec.containers[0].ports[0].containerPort"}},
		{"host port too large", func(p *Pod) { container(p).Ports[0].HostPort = 65536 }, []string{"Invalid spec.containers[0].ports[0].hostPort"}},
		{"name too long", func(p *Pod) { container(p).Ports[0].Name = "abcdefghijklmnop" }, []string{"Invalid spec.containers[0].ports[0].name"}},
		{"name without a letter", func(p *Pod) { container(p).Ports[0].Name = "8080" }, []string{"Invalid spec.containers[0].ports[0].name"}},
		{"name with double hyphen", func(p *Pod) { container(p).Ports[0].Name = "web--x" }, []string{"Invalid spec.containers[0].ports[0].name"}},
		{"name upper case", func(p *Pod) { container(p).Ports[0].Name = "HTTP" },
			[]string{"Invalid spec.containers[0].ports[0].name", "Invalid spec.containers[0].ports[0].name"}},
		{"duplicate name", func(p *Pod) {
			container(p).Ports = append(container(p).Ports, ContainerPort{Name: "http", ContainerPort: 81, Protocol: ProtocolTCP})
		}, []string{"Duplicate spec.containers[0].ports[1].name"}},
		{"protocol", func(p *Pod) { container(p).Ports[0].Protocol = "ICMP" }, []string{"NotSupported spec.containers[0].ports[0].protocol"}},
		{"host ports on different protocols", func(p *Pod) {
			container(p).Ports[0].HostPort = 8080
			second(p, ContainerPort{HostPort: 8080, ContainerPort: 80, Protocol: ProtocolUDP})
		}, nil},
		{"host port twice", func(p *Pod) {
			container(p).Ports[0].HostPort = 8080
			second(p, ContainerPort{HostPort: 8080, ContainerPort: 80, Protocol: ProtocolTCP})
		}, []string{"Duplicate spec.containers[1].ports[0].hostPort"}},
		{"host network with matching ports", func(p *Pod) {
			p.Spec.HostNetwork = true
			container(p).Ports[0].HostPort = 80
		}, nil},
		{"host network with other host port", func(p *Pod) {
			p.Spec.HostNetwork = true
			container(p).Ports[0].HostPort = 8080
		}, []string{"Invalid spec.containers[0].ports[0].containerPort"}},
	})
}

func TestValidatePodEnv(t *testing.T) {
	env := func(vars ...EnvVar) func(p *Pod) {
		return func(p *Pod) {
			container(p).Env = vars
			for i := range vars {
				if f := vars[i].ValueFrom; f != nil && f.FieldRef != nil && f.FieldRef.APIVersion == "" {
					f.FieldRef.APIVersion = "v1"
				}
			}
		}
	}
	field := func(path string) *EnvVarSource {
		return &EnvVarSource{FieldRef: &ObjectFieldSelector{FieldPath: path}}
	}
	cmKey := func(name, key string) *EnvVarSource {
		return &EnvVarSource{ConfigMapKeyRef: &ConfigMapKeySelector{LocalObjectReference: LocalObjectReference{Name: name}, Key: key}}
	}
	runValidationCases(t, []validationCase{
		{"literal and references", env(
			EnvVar{Name: "A_B.c-d", Value: "x"},
			EnvVar{Name: "POD_IP", ValueFrom: field("status.podIP")},
			EnvVar{Name: "APP", ValueFrom: field("metadata.labels['app.kubernetes.io/name']")},
			EnvVar{Name: "CM", ValueFrom: cmKey("cfg", "key.name")},
			EnvVar{Name: "MEM", ValueFrom: &EnvVarSource{ResourceFieldRef: &ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
		), nil},
		{"name required", env(EnvVar{Value: "x"}), []string{"Required spec.containers[0].env[0].name"}},
		{"name starts with a digit", env(EnvVar{Name: "1A"}), []string{"Invalid spec.containers[0].env[0].name"}},
		{"no source", env(EnvVar{Name: "A", ValueFrom: &EnvVarSource{}}), []string{"Invalid spec.containers[0].env[0].valueFrom"}},
		{"value and valueFrom", env(EnvVar{Name: "A", Value: "x", ValueFrom: cmKey("cfg", "k")}), []string{"Invalid spec.containers[0].env[0].valueFrom"}},
		{"two sources", env(EnvVar{Name: "A", ValueFrom: &EnvVarSource{
			FieldRef:        &ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"},
			ConfigMapKeyRef: &ConfigMapKeySelector{LocalObjectReference: LocalObjectReference{Name: "cfg"}, Key: "k"},
		}}), []string{"Invalid spec.containers[0].env[0].valueFrom"}},
		{"unsupported field", env(EnvVar{Name: "A", ValueFrom: field("metadata.labels")}), []string{"NotSupported spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"}},
		{"bad subscript", env(EnvVar{Name: "A", ValueFrom: field("metadata.annotations['-x']")}), []string{"Invalid spec.containers[0].env[0].valueFrom.fieldRef"}},
		{"field api version", env(EnvVar{Name: "A", ValueFrom: &EnvVarSource{FieldRef: &ObjectFieldSelector{APIVersion: "v2", FieldPath: "metadata.name"}}}),
			[]string{"Invalid spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"}},
		{"config map key required", env(EnvVar{Name: "A", ValueFrom: cmKey("cfg", "")}), []string{"Required spec.containers[0].env[0].valueFrom.configMapKeyRef.key"}},
		{"config map key invalid", env(EnvVar{Name: "A", ValueFrom: cmKey("cfg", "a/b")}), []string{"Invalid spec.containers[0].env[0].valueFrom.configMapKeyRef.key"}},
		{"secret name invalid", env(EnvVar{Name: "A", ValueFrom: &EnvVarSource{SecretKeyRef: &SecretKeySelector{LocalObjectReference: LocalObjectReference{Name: "Bad_Name"}, Key: "k"}}}),
			[]string{"Invalid spec.containers[0].env[0].valueFrom.secretKeyRef.name"}},
		{"resource unsupported", env(EnvVar{Name: "A", ValueFrom: &EnvVarSource{ResourceFieldRef: &ResourceFieldSelector{Resource: "limits.gpu"}}}),
			[]string{"NotSupported spec.containers[0].env[0].valueFrom.resourceFieldRef.resource"}},
		{"cpu divisor", env(EnvVar{Name: "A", ValueFrom: &EnvVarSource{ResourceFieldRef: &ResourceFieldSelector{Resource: "requests.cpu", Divisor: resource.MustParse("10m")}}}),
			[]string{"Invalid spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor"}},
		{"envFrom config map", func(p *Pod) {
			container(p).EnvFrom = []EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &ConfigMapEnvSource{LocalObjectReference: LocalObjectReference{Name: "cfg"}}}}
		}, nil},
		{"envFrom without source", func(p *Pod) { container(p).EnvFrom = []EnvFromSource{{Prefix: "X"}} },
			[]string{"Invalid spec.containers[0].envFrom[0]"}},
		{"envFrom with both", func(p *Pod) {
			container(p).EnvFrom = []EnvFromSource{{
				ConfigMapRef: &ConfigMapEnvSource{LocalObjectReference: LocalObjectReference{Name: "cfg"}},
				SecretRef:    &SecretEnvSource{LocalObjectReference: LocalObjectReference{Name: "sec"}},
			}}
		}, []string{"Invalid spec.containers[0].envFrom[0]"}},
		{"envFrom prefix and name", func(p *Pod) {
			container(p).EnvFrom = []EnvFromSource{{Prefix: "9X", SecretRef: &SecretEnvSource{}}}
		}, []string{"Invalid spec.containers[0].envFrom[0].prefix", "Required spec.containers[0].envFrom[0].secretRef.name"}},
	})
}

func TestValidatePodVolumes(t *testing.T) {
	volume := func(s VolumeSource) func(p *Pod) {
		return func(p *Pod) {
			p.Spec.Volumes[0].VolumeSource = s
			defaultVolume(&p.Spec.Volumes[0])
		}
	}
	items := func(kp ...KeyToPath) *ConfigMapVolumeSource {
		return &ConfigMapVolumeSource{LocalObjectReference: LocalObjectReference{Name: "cfg"}, Items: kp}
	}
	runValidationCases(t, []validationCase{
		{"every kind", func(p *Pod) {
			for i, s := range []VolumeSource{
				{HostPath: &HostPathVolumeSource{Path: "/var/log", Type: ptrTo(HostPathDirectory)}},
				{Secret: &SecretVolumeSource{SecretName: "s"}},
				{ConfigMap: items(KeyToPath{Key: "a", Path: "dir/a", Mode: ptrTo[int32](0o400)})},
				{PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{ClaimName: "claim"}},
				{DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{{Path: "labels", FieldRef: &ObjectFieldSelector{FieldPath: "metadata.labels"}}}}},
				{Projected: &ProjectedVolumeSource{Sources: []VolumeProjection{{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token"}}}}},
			} {
				v := Volume{Name: string(rune('a' + i)), VolumeSource: s}
				defaultVolume(&v)
				p.Spec.Volumes = append(p.Spec.Volumes, v)
			}
		}, nil},
		{"name not a label", func(p *Pod) {
			p.Spec.Volumes[0].Name = "Data"
			container(p).VolumeMounts[0].Name = "Data"
		}, []string{"Invalid spec.volumes[0].name"}},
		{"name required", func(p *Pod) { p.Spec.Volumes[0].Name = "" },
			[]string{"Required spec.volumes[0].name", "Invalid spec.containers[0].volumeMounts[0].name"}},
		{"duplicate name", func(p *Pod) { p.Spec.Volumes = append(p.Spec.Volumes, p.Spec.Volumes[0]) }, []string{"Duplicate spec.volumes[1].name"}},
		{"no source", func(p *Pod) { p.Spec.Volumes[0].VolumeSource = VolumeSource{} }, []string{"Required spec.volumes[0]"}},
		{"two sources", func(p *Pod) {
			p.Spec.Volumes[0].HostPath = &HostPathVolumeSource{Path: "/x", Type: ptrTo(HostPathUnset)}
		},
			[]string{"Forbidden spec.volumes[0].hostPath"}},
		{"negative size limit", volume(VolumeSource{EmptyDir: &EmptyDirVolumeSource{SizeLimit: ptrTo(resource.MustParse("-1Mi"))}}),
			[]string{"Forbidden spec.volumes[0].emptyDir.sizeLimit"}},
		{"host path required", volume(VolumeSource{HostPath: &HostPathVolumeSource{}}), []string{"Required spec.volumes[0].hostPath.path"}},
		{"host path backsteps", volume(VolumeSource{HostPath: &HostPathVolumeSource{Path: "/a/../etc"}}), []string{"Invalid spec.volumes[0].hostPath.path"}},
		{"host path type", volume(VolumeSource{HostPath: &HostPathVolumeSource{Path: "/a", Type: ptrTo(HostPathType("Pipe"))}}),
			[]string{"NotSupported spec.volumes[0].hostPath.type"}},
		{"secret name required", volume(VolumeSource{Secret: &SecretVolumeSource{}}), []string{"Required spec.volumes[0].secret.secretName"}},
		{"config map name required", volume(VolumeSource{ConfigMap: &ConfigMapVolumeSource{}}), []string{"Required spec.volumes[0].configMap.name"}},
		{"default mode", volume(VolumeSource{ConfigMap: &ConfigMapVolumeSource{LocalObjectReference: LocalObjectReference{Name: "c"}, DefaultMode: ptrTo[int32](0o1000)}}),
			[]string{"Invalid spec.volumes[0].configMap.defaultMode"}},
		{"item path absolute", volume(VolumeSource{ConfigMap: items(KeyToPath{Key: "a", Path: "/etc/a"})}),
			[]string{"Invalid spec.volumes[0].configMap.items[0].path"}},
		{"item path leaves the volume", volume(VolumeSource{ConfigMap: items(KeyToPath{Key: "a", Path: "../a"})}),
			[]string{"Invalid spec.volumes[0].configMap.items[0].path"}},
		{"item key required", volume(VolumeSource{ConfigMap: items(KeyToPath{Path: "a"})}),
			[]string{"Required spec.volumes[0].configMap.items[0].key"}},
		{"claim name required", volume(VolumeSource{PersistentVolumeClaim: &PersistentVolumeClaimVolumeSource{}}),
			[]string{"Required spec.volumes[0].persistentVolumeClaim.claimName"}},
		{"downward API item without reference", volume(VolumeSource{DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{{Path: "x"}}}}),
			[]string{"Required spec.volumes[0].downwardAPI.items[0]"}},
		{"downward API field not for volumes", volume(VolumeSource{DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{
			{Path: "x", FieldRef: &ObjectFieldSelector{FieldPath: "status.podIP"}}}}}),
			[]string{"NotSupported spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath"}},
		{"downward API resource needs a container", volume(VolumeSource{DownwardAPI: &DownwardAPIVolumeSource{Items: []DownwardAPIVolumeFile{
			{Path: "x", ResourceFieldRef: &ResourceFieldSelector{Resource: "limits.cpu"}}}}}),
			[]string{"Required spec.volumes[0].downwardAPI.items[0].resourceFieldRef.containerName"}},
		{"projected source with two kinds", volume(VolumeSource{Projected: &ProjectedVolumeSource{Sources: []VolumeProjection{{
			Secret:    &SecretProjection{LocalObjectReference: LocalObjectReference{Name: "s"}},
			ConfigMap: &ConfigMapProjection{LocalObjectReference: LocalObjectReference{Name: "c"}},
		}}}}), []string{"Forbidden spec.volumes[0].projected.sources[0]"}},
		{"projected token too short", volume(VolumeSource{Projected: &ProjectedVolumeSource{Sources: []VolumeProjection{{
			ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptrTo[int64](60)},
		}}}}), []string{"Invalid spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds"}},
		{"projected paths collide", volume(VolumeSource{Projected: &ProjectedVolumeSource{Sources: []VolumeProjection{
			{ServiceAccountToken: &ServiceAccountTokenProjection{Path: "token"}},
			{Secret: &SecretProjection{LocalObjectReference: LocalObjectReference{Name: "s"}, Items: []KeyToPath{{Key: "t", Path: "token"}}}},
		}}}), []string{"Invalid spec.volumes[0].projected.sources[1].secret.items[0].path"}},
	})
}

func TestValidatePodVolumeMounts(t *testing.T) {
	mount := func(m VolumeMount) func(p *Pod) {
		return func(p *Pod) { container(p).VolumeMounts = append(container(p).VolumeMounts, m) }
	}
	runValidationCases(t, []validationCase{
		{"second mount of the same volume", mount(VolumeMount{Name: "data", MountPath: "/other", SubPath: "sub/dir", ReadOnly: true}), nil},
		{"unknown volume", mount(VolumeMount{Name: "nope", MountPath: "/x"}), []string{"Invalid spec.containers[0].volumeMounts[1].name"}},
		{"name required", mount(VolumeMount{MountPath: "/x"}), []string{"Required spec.containers[0].volumeMounts[1].name"}},
		{"mount path required", mount(VolumeMount{Name: "data"}), []string{"Required spec.containers[0].volumeMounts[1].mountPath"}},
		{"mount path relative", mount(VolumeMount{Name: "data", MountPath: "data"}), []string{"Invalid spec.containers[0].volumeMounts[1].mountPath"}},
		{"mount path twice", mount(VolumeMount{Name: "data", MountPath: "/data/"}), []string{"Invalid spec.containers[0].volumeMounts[1].mountPath"}},
		{"sub path leaves the volume", mount(VolumeMount{Name: "data", MountPath: "/x", SubPath: "a/../../b"}),
			[]string{"Invalid spec.containers[0].volumeMounts[1].subPath"}},
		{"propagation", mount(VolumeMount{Name: "data", MountPath: "/x", MountPropagation: ptrTo(MountPropagationMode("Shared"))}),
			[]string{"NotSupported spec.containers[0].volumeMounts[1].mountPropagation"}},
		{"bidirectional needs privilege", mount(VolumeMount{Name: "data", MountPath: "/x", MountPropagation: ptrTo(MountPropagationBidirectional)}),
			[]string{"Forbidden spec.containers[0].volumeMounts[1].mountPropagation"}},
		{"bidirectional when privileged", func(p *Pod) {
			mount(VolumeMount{Name: "data", MountPath: "/x", MountPropagation: ptrTo(MountPropagationBidirectional)})(p)
			container(p).SecurityContext = &SecurityContext{Privileged: ptrTo(true)}
		}, nil},
	})
}

func TestValidatePodProbes(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"every handler", func(p *Pod) {
			c := container(p)
			c.LivenessProbe = httpProbe(meta.FromString("http"))
			c.ReadinessProbe = &Probe{ProbeHandler: ProbeHandler{TCPSocket: &TCPSocketAction{Port: meta.FromInt(80)}}, SuccessThreshold: 3}
			c.StartupProbe = &Probe{ProbeHandler: ProbeHandler{GRPC: &GRPCAction{Port: 9090}}, SuccessThreshold: 1}
			c.Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{Exec: &ExecAction{Command: []string{"drain"}}}}
		}, nil},
		{"no handler", func(p *Pod) { container(p).LivenessProbe = &Probe{SuccessThreshold: 1} }, []string{"Required spec.containers[0].livenessProbe"}},
		{"two handlers", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.TCPSocket = &TCPSocketAction{Port: meta.FromInt(80)}
			container(p).ReadinessProbe = pr
		}, []string{"Forbidden spec.containers[0].readinessProbe.tcpSocket"}},
		{"exec without command", func(p *Pod) {
			container(p).ReadinessProbe = &Probe{ProbeHandler: ProbeHandler{Exec: &ExecAction{}}}
		}, []string{"Required spec.containers[0].readinessProbe.exec.command"}},
		{"http port", func(p *Pod) { container(p).LivenessProbe = httpProbe(meta.FromInt(0)) },
			[]string{"Invalid spec.containers[0].livenessProbe.httpGet.port"}},
		{"http port name", func(p *Pod) { container(p).LivenessProbe = httpProbe(meta.FromString("Web_Port")) },
			[]string{"Invalid spec.containers[0].livenessProbe.httpGet.port"}},
		{"http scheme and header", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.HTTPGet.Scheme = "FTP"
			pr.HTTPGet.HTTPHeaders = []HTTPHeader{{Name: "X Bad", Value: "v"}}
			container(p).LivenessProbe = pr
		}, []string{"NotSupported spec.containers[0].livenessProbe.httpGet.scheme", "Invalid spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name"}},
		{"negative period", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.PeriodSeconds = -1
			container(p).ReadinessProbe = pr
		}, []string{"Invalid spec.containers[0].readinessProbe.periodSeconds"}},
		{"liveness success threshold", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.SuccessThreshold = 2
			container(p).LivenessProbe = pr
		}, []string{"Invalid spec.containers[0].livenessProbe.successThreshold"}},
		{"startup success threshold", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.SuccessThreshold = 3
			container(p).StartupProbe = pr
		}, []string{"Invalid spec.containers[0].startupProbe.successThreshold"}},
		{"probe grace period", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.TerminationGracePeriodSeconds = ptrTo[int64](0)
			container(p).LivenessProbe = pr
		}, []string{"Invalid spec.containers[0].livenessProbe.terminationGracePeriodSeconds"}},
		{"readiness grace period", func(p *Pod) {
			pr := httpProbe(meta.FromInt(80))
			pr.TerminationGracePeriodSeconds = ptrTo[int64](5)
			container(p).ReadinessProbe = pr
		}, []string{"Invalid spec.containers[0].readinessProbe.terminationGracePeriodSeconds"}},
		{"lifecycle without handler", func(p *Pod) { container(p).Lifecycle = &Lifecycle{PostStart: &LifecycleHandler{}} },
			[]string{"Required spec.containers[0].lifecycle.postStart"}},
		{"init container probes", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "x:1", ImagePullPolicy: PullIfNotPresent, TerminationMessagePolicy: TerminationMessageReadFile,
				LivenessProbe: httpProbe(meta.FromInt(80)), Lifecycle: &Lifecycle{}}}
		}, []string{"Forbidden spec.initContainers[0].lifecycle", "Forbidden spec.initContainers[0].livenessProbe"}},
	})
}

func TestValidatePodResources(t *testing.T) {
	res := func(limits, requests ResourceList) func(p *Pod) {
		return func(p *Pod) { container(p).Resources = ResourceRequirements{Limits: limits, Requests: requests} }
	}
	q := resource.MustParse
	runValidationCases(t, []validationCase{
		{"requests below limits", res(ResourceList{ResourceCPU: q("1"), ResourceMemory: q("1Gi")}, ResourceList{ResourceCPU: q("500m"), ResourceMemory: q("512Mi")}), nil},
		{"requests only", res(nil, ResourceList{ResourceCPU: q("100m"), ResourceEphemeralStorage: q("1Gi")}), nil},
		{"request above limit", res(ResourceList{ResourceCPU: q("1")}, ResourceList{ResourceCPU: q("2")}),
			[]string{"Invalid spec.containers[0].resources.requests"}},
		{"negative", res(ResourceList{ResourceMemory: q("-1")}, nil), []string{"Invalid spec.containers[0].resources.limits[memory]"}},
		{"unknown name", res(nil, ResourceList{"gpu": q("1")}), []string{"Invalid spec.containers[0].resources.requests[gpu]"}},
		{"bad name", res(ResourceList{"example.com/": q("1")}, nil), []string{"Invalid spec.containers[0].resources.limits[example.com/]"}},
		{"extended resource", res(ResourceList{"example.com/gpu": q("2")}, ResourceList{"example.com/gpu": q("2")}), nil},
		{"huge pages", res(ResourceList{"hugepages-2Mi": q("4Mi")}, ResourceList{"hugepages-2Mi": q("4Mi")}), nil},
		{"extended resource fraction", res(ResourceList{"example.com/gpu": q("500m")}, ResourceList{"example.com/gpu": q("500m")}),
			[]string{"Invalid spec.containers[0].resources.limits[example.com/gpu]", "Invalid spec.containers[0].resources.requests[example.com/gpu]"}},
		{"extended resource overcommitted", res(ResourceList{"example.com/gpu": q("2")}, ResourceList{"example.com/gpu": q("1")}),
			[]string{"Invalid spec.containers[0].resources.requests"}},
		{"extended resource without limit", res(nil, ResourceList{"example.com/gpu": q("1")}),
			[]string{"Required spec.containers[0].resources.limits"}},
		{"overhead", func(p *Pod) { p.Spec.Overhead = ResourceList{ResourceCPU: q("-1m")} }, []string{"Invalid spec.overhead[cpu]"}},
	})
}

func TestValidatePodSpecFields(t *testing.T) {
	runValidationCases(t, []validationCase{
		{"on failure", func(p *Pod) { p.Spec.RestartPolicy = RestartPolicyOnFailure }, nil},
		{"restart policy required", func(p *Pod) { p.Spec.RestartPolicy = "" }, []string{"Required spec.restartPolicy"}},
		{"restart policy", func(p *Pod) { p.Spec.RestartPolicy = "Sometimes" }, []string{"NotSupported spec.restartPolicy"}},
		{"dns policy", func(p *Pod) { p.Spec.DNSPolicy = "Google" }, []string{"NotSupported spec.dnsPolicy"}},
		{"dns none with config", func(p *Pod) {
			p.Spec.DNSPolicy = DNSNone
			p.Spec.DNSConfig = &PodDNSConfig{Nameservers: []string{"1.1.1.1"}, Searches: []string{"example.com."}, Options: []PodDNSConfigOption{{Name: "ndots", Value: ptrTo("2")}}}
		}, nil},
		{"dns none without config", func(p *Pod) { p.Spec.DNSPolicy = DNSNone }, []string{"Required spec.dnsConfig"}},
		{"dns none without nameserver", func(p *Pod) {
			p.Spec.DNSPolicy = DNSNone
			p.Spec.DNSConfig = &PodDNSConfig{Searches: []string{"example.com"}}
		}, []string{"Required spec.dnsConfig.nameservers"}},
		{"dns config", func(p *Pod) {
			p.Spec.DNSConfig = &PodDNSConfig{Nameservers: []string{"dns"}, Searches: []string{"Bad_Domain"}, Options: []PodDNSConfigOption{{}}}
		}, []string{"Invalid spec.dnsConfig.nameservers[0]", "Invalid spec.dnsConfig.searches[0]", "Required spec.dnsConfig.options[0]"}},
		{"grace period zero", func(p *Pod) { p.Spec.TerminationGracePeriodSeconds = ptrTo[int64](0) }, nil},
		{"grace period negative", func(p *Pod) { p.Spec.TerminationGracePeriodSeconds = ptrTo[int64](-1) }, []string{"Invalid spec.terminationGracePeriodSeconds"}},
		{"active deadline", func(p *Pod) { p.Spec.ActiveDeadlineSeconds = ptrTo[int64](0) }, []string{"Invalid spec.activeDeadlineSeconds"}},
		{"node selector", func(p *Pod) { p.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"} }, nil},
		{"node selector key", func(p *Pod) { p.Spec.NodeSelector = map[string]string{"-bad": "x"} }, []string{"Invalid spec.nodeSelector"}},
		{"node selector value", func(p *Pod) { p.Spec.NodeSelector = map[string]string{"disk": "fast ssd"} }, []string{"Invalid spec.nodeSelector[disk]"}},
		{"names", func(p *Pod) {
			p.Spec.NodeName = "Node_1"
			p.Spec.ServiceAccountName = "Robot"
			p.Spec.Hostname = "web.0"
			p.Spec.Subdomain = "-x"
			p.Spec.SchedulerName = "My Scheduler"
			p.Spec.PriorityClassName = "HIGH"
		}, []string{"Invalid spec.serviceAccountName", "Invalid spec.nodeName", "Invalid spec.hostname", "Invalid spec.subdomain",
			"Invalid spec.schedulerName", "Invalid spec.priorityClassName"}},
		{"pod security context", func(p *Pod) {
			p.Spec.SecurityContext = &PodSecurityContext{
				RunAsUser: ptrTo[int64](-1), FSGroup: ptrTo[int64](-2), SupplementalGroups: []int64{5, -3},
				Sysctls: []Sysctl{{Name: "net.core.somaxconn", Value: "1024"}, {Name: "Bad Name"}, {Name: "net.core.somaxconn"}},
			}
		}, []string{"Invalid spec.securityContext.runAsUser", "Invalid spec.securityContext.fsGroup", "Invalid spec.securityContext.supplementalGroups[1]",
			"Invalid spec.securityContext.sysctls[1].name", "Duplicate spec.securityContext.sysctls[2].name"}},
		{"host aliases", func(p *Pod) {
			p.Spec.HostAliases = []HostAlias{{IP: "10.0.0.1", Hostnames: []string{"db.local"}}, {IP: "db", Hostnames: []string{"Bad_Host"}}}
		}, []string{"Invalid spec.hostAliases[1].ip", "Invalid spec.hostAliases[1].hostnames[0]"}},
		{"preemption policy", func(p *Pod) { p.Spec.PreemptionPolicy = ptrTo(PreemptionPolicy("Always")) }, []string{"NotSupported spec.preemptionPolicy"}},
		{"readiness gate", func(p *Pod) {
			p.Spec.ReadinessGates = []PodReadinessGate{{ConditionType: "example.com/ready"}, {ConditionType: "not valid"}}
		}, []string{"Invalid spec.readinessGates[1].conditionType"}},
		{"topology spread", func(p *Pod) {
			p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: DoNotSchedule},
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: ScheduleAnyway},
			}
		}, nil},
		{"topology spread errors", func(p *Pod) {
			p.Spec.TopologySpreadConstraints = []TopologySpreadConstraint{
				{MaxSkew: 0, TopologyKey: "", WhenUnsatisfiable: "Maybe"},
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: DoNotSchedule,
					LabelSelector: &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "app", Operator: "In"}}}},
				{MaxSkew: 2, TopologyKey: "zone", WhenUnsatisfiable: DoNotSchedule},
			}
		}, []string{"Invalid spec.topologySpreadConstraints[0].maxSkew", "Required spec.topologySpreadConstraints[0].topologyKey",
			"NotSupported spec.topologySpreadConstraints[0].whenUnsatisfiable",
			"Required spec.topologySpreadConstraints[1].labelSelector.matchExpressions[0].values",
			"Duplicate spec.topologySpreadConstraints[2].{topologyKey, whenUnsatisfiable}"}},
	})
}

func TestValidatePodTolerations(t *testing.T) {
	tolerate := func(ts ...Toleration) func(p *Pod) { return func(p *Pod) { p.Spec.Tolerations = ts } }
	runValidationCases(t, []validationCase{
		{"valid", tolerate(
			Toleration{Operator: TolerationOpExists},
			Toleration{Key: "dedicated", Value: "web", Effect: TaintEffectNoSchedule},
			Toleration{Key: "node.kubernetes.io/unreachable", Operator: TolerationOpExists, Effect: TaintEffectNoExecute, TolerationSeconds: ptrTo[int64](300)},
		), nil},
		{"exists with value", tolerate(Toleration{Key: "k", Operator: TolerationOpExists, Value: "v"}), []string{"Invalid spec.tolerations[0].operator"}},
		{"empty key with equal", tolerate(Toleration{Operator: TolerationOpEqual}), []string{"Invalid spec.tolerations[0].operator"}},
		{"seconds without NoExecute", tolerate(Toleration{Key: "k", Effect: TaintEffectNoSchedule, TolerationSeconds: ptrTo[int64](1)}),
			[]string{"Invalid spec.tolerations[0].effect"}},
		{"effect", tolerate(Toleration{Key: "k", Effect: "NoRun"}), []string{"NotSupported spec.tolerations[0].effect"}},
		{"operator", tolerate(Toleration{Key: "k", Operator: "Like"}), []string{"NotSupported spec.tolerations[0].operator"}},
		{"key", tolerate(Toleration{Key: "bad key", Operator: TolerationOpExists}), []string{"Invalid spec.tolerations[0].key"}},
		{"value", tolerate(Toleration{Key: "k", Value: "bad value"}), []string{"Invalid spec.tolerations[0].operator"}},
	})
}

func TestValidatePodAffinity(t *testing.T) {
	nodeAffinity := func(na NodeAffinity) func(p *Pod) {
		return func(p *Pod) { p.Spec.Affinity = &Affinity{NodeAffinity: &na} }
	}
	required := func(terms ...NodeSelectorTerm) func(p *Pod) {
		return nodeAffinity(NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &NodeSelector{NodeSelectorTerms: terms}})
	}
	expr := func(key string, op NodeSelectorOperator, values ...string) NodeSelectorTerm {
		return NodeSelectorTerm{MatchExpressions: []NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	const reqPath = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"
	podAffinity := func(pa PodAffinity) func(p *Pod) {
		return func(p *Pod) { p.Spec.Affinity = &Affinity{PodAffinity: &pa} }
	}
	selector := &meta.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
	runValidationCases(t, []validationCase{
		{"every operator", required(
			expr("zone", NodeSelectorOpIn, "a", "b"),
			expr("zone", NodeSelectorOpNotIn, "c"),
			expr("gpu", NodeSelectorOpExists),
			expr("spot", NodeSelectorOpDoesNotExist),
			expr("cores", NodeSelectorOpGt, "4"),
			expr("cores", NodeSelectorOpLt, "64"),
			NodeSelectorTerm{MatchFields: []NodeSelectorRequirement{{Key: "metadata.name", Operator: NodeSelectorOpIn, Values: []string{"n1"}}}},
		), nil},
		{"no terms", required(), []string{"Required " + reqPath}},
		{"in without values", required(expr("zone", NodeSelectorOpIn)), []string{"Required " + reqPath + "[0].matchExpressions[0].values"}},
		{"exists with values", required(expr("gpu", NodeSelectorOpExists, "x")), []string{"Forbidden " + reqPath + "[0].matchExpressions[0].values"}},
		{"gt with two values", required(expr("cores", NodeSelectorOpGt, "1", "2")), []string{"Required " + reqPath + "[0].matchExpressions[0].values"}},
		{"operator", required(expr("zone", "Like", "a")), []string{"Invalid " + reqPath + "[0].matchExpressions[0].operator"}},
		{"key", required(expr("", NodeSelectorOpExists)), []string{"Invalid " + reqPath + "[0].matchExpressions[0].key"}},
		{"match fields key", required(NodeSelectorTerm{MatchFields: []NodeSelectorRequirement{{Key: "metadata.uid", Operator: NodeSelectorOpIn, Values: []string{"x"}}}}),
			[]string{"NotSupported " + reqPath + "[0].matchFields[0].key"}},
		{"match fields values", required(NodeSelectorTerm{MatchFields: []NodeSelectorRequirement{{Key: "metadata.name", Operator: NodeSelectorOpIn, Values: []string{"a", "b"}}}}),
			[]string{"Required " + reqPath + "[0].matchFields[0].values"}},
		{"preferred", nodeAffinity(NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{
			{Weight: 1, Preference: expr("zone", NodeSelectorOpIn, "a")}, {Weight: 100, Preference: expr("ssd", NodeSelectorOpExists)},
		}}), nil},
		{"preferred weight", nodeAffinity(NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []PreferredSchedulingTerm{
			{Weight: 0, Preference: expr("zone", NodeSelectorOpIn)},
		}}), []string{"Invalid spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
			"Required spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].values"}},
		{"pod affinity", podAffinity(PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution:  []PodAffinityTerm{{LabelSelector: selector, Namespaces: []string{"db"}, TopologyKey: "kubernetes.io/hostname"}},
			PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{{Weight: 10, PodAffinityTerm: PodAffinityTerm{LabelSelector: selector, TopologyKey: "zone"}}},
		}), nil},
		{"pod affinity term", podAffinity(PodAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []PodAffinityTerm{{
				LabelSelector: &meta.LabelSelector{MatchExpressions: []meta.LabelSelectorRequirement{{Key: "app", Operator: "Equals", Values: []string{"x"}}}},
				Namespaces:    []string{"Bad_NS"},
			}},
		}), []string{
			"Invalid spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator",
			"Invalid spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaces",
			"Required spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
		}},
		{"anti affinity weight", func(p *Pod) {
			p.Spec.Affinity = &Affinity{PodAntiAffinity: &PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []WeightedPodAffinityTerm{
				{Weight: 101, PodAffinityTerm: PodAffinityTerm{LabelSelector: selector, TopologyKey: "zone"}},
			}}}
		}, []string{"Invalid spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight"}},
	})
}

func TestValidatePodTemplateSpec(t *testing.T) {
	tmpl := &PodTemplateSpec{
		ObjectMeta: meta.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       PodSpec{Containers: []Container{{Name: "web", Image: "nginx:1.25"}}},
	}
	DefaultPodTemplateSpec(tmpl)
	path := validate.NewPath("spec", "template")
	if errs := ValidatePodTemplateSpec(tmpl, path); len(errs) != 0 {
		t.Errorf("valid template got %v, want no errors", errs)
	}
	tmpl.Labels["bad key!"] = "x"
	tmpl.Spec.Containers[0].Image = ""
	want := []string{"Invalid spec.template.metadata.labels", "Required spec.template.spec.containers[0].image"}
	if diff := cmp.Diff(want, summarize(ValidatePodTemplateSpec(tmpl, path))); diff != "" {
		t.Errorf("template errors (-want +got):\n%s", diff)
	}
}

func TestValidatePodMessages(t *testing.T) {
	p := validPod()
	container(p).Resources = ResourceRequirements{
		Limits:   ResourceList{ResourceCPU: resource.MustParse("1")},
		Requests: ResourceList{ResourceCPU: resource.MustParse("2")},
	}
	p.Spec.Containers = append(p.Spec.Containers, Container{Name: "app", Image: "x:1", ImagePullPolicy: PullIfNotPresent, TerminationMessagePolicy: TerminationMessageReadFile})
	var got []string
	for _, e := range ValidatePod(p) {
		got = append(got, e.Error())
	}
	want := []string{
		`spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1`,
		`spec.containers[1].name: Duplicate value: "app"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
