package containerenv

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/resource"
)

func testPod(containers ...core.Container) *core.Pod {
	return &core.Pod{
		ObjectMeta: meta.ObjectMeta{
			Namespace: "ns", Name: "web-1", UID: "uid-123",
			Labels:      map[string]string{"app": "web"},
			Annotations: map[string]string{"team": "blue"},
		},
		Spec: core.PodSpec{NodeName: "node-a", ServiceAccountName: "runner", Containers: containers},
		Status: core.PodStatus{
			HostIP: "192.168.1.5", HostIPs: []core.HostIP{{IP: "192.168.1.5"}, {IP: "fd00::5"}},
			PodIP: "10.0.0.7", PodIPs: []core.PodIP{{IP: "10.0.0.7"}, {IP: "fd01::7"}},
		},
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		envFrom []core.EnvFromSource
		env     []core.EnvVar
		want    []string
	}{
		{
			name:    "configMap envFrom skips invalid keys and binaryData, sorted",
			envFrom: []core.EnvFromSource{{ConfigMapRef: cmRef("cfg")}},
			want:    []string{"LEVEL=info", "MODE=prod"},
		},
		{
			name:    "secret envFrom",
			envFrom: []core.EnvFromSource{{SecretRef: secretRef("creds")}},
			want:    []string{"PASS=s3cret", "USER=admin"},
		},
		{
			name:    "prefix applies to every key",
			envFrom: []core.EnvFromSource{{Prefix: "DB_", SecretRef: secretRef("creds")}},
			want:    []string{"DB_PASS=s3cret", "DB_USER=admin"},
		},
		{
			name:    "prefix can make a key valid",
			envFrom: []core.EnvFromSource{{Prefix: "X", ConfigMapRef: &core.ConfigMapEnvSource{LocalObjectReference: core.LocalObjectReference{Name: "cfg"}}}},
			want:    []string{"X1BAD=x", "XLEVEL=info", "XMODE=prod"},
		},
		{
			name: "optional missing envFrom sources are skipped",
			envFrom: []core.EnvFromSource{
				{ConfigMapRef: &core.ConfigMapEnvSource{LocalObjectReference: core.LocalObjectReference{Name: "nope"}, Optional: ptr(true)}},
				{SecretRef: &core.SecretEnvSource{LocalObjectReference: core.LocalObjectReference{Name: "nope"}, Optional: ptr(true)}},
			},
			env:  []core.EnvVar{{Name: "A", Value: "1"}},
			want: []string{"A=1"},
		},
		{
			name:    "later envFrom overrides earlier at the first position",
			envFrom: []core.EnvFromSource{{ConfigMapRef: cmRef("cfg")}, {ConfigMapRef: cmRef("other")}},
			want:    []string{"LEVEL=info", "MODE=dev"},
		},
		{
			name:    "env overrides envFrom, and a later env the earlier",
			envFrom: []core.EnvFromSource{{ConfigMapRef: cmRef("cfg")}},
			env: []core.EnvVar{
				{Name: "A", Value: "1"},
				{Name: "MODE", Value: "test"},
				{Name: "B", Value: "2"},
				{Name: "A", Value: "3"},
			},
			want: []string{"LEVEL=info", "MODE=test", "A=3", "B=2"},
		},
		{
			name: "empty value is defined",
			env:  []core.EnvVar{{Name: "EMPTY"}},
			want: []string{"EMPTY="},
		},
		{
			name: "configMapKeyRef and secretKeyRef",
			env: []core.EnvVar{
				{Name: "M", ValueFrom: cmKey("cfg", "MODE", nil)},
				{Name: "P", ValueFrom: secretKey("creds", "PASS", ptr(false))},
			},
			want: []string{"M=prod", "P=s3cret"},
		},
		{
			name: "key refs read the pod's namespace only",
			env:  []core.EnvVar{{Name: "M", ValueFrom: cmKey("cfg", "MODE", nil)}},
			want: []string{"M=prod"},
		},
		{
			name: "optional key refs to missing objects or keys are skipped",
			env: []core.EnvVar{
				{Name: "A", ValueFrom: cmKey("nope", "MODE", ptr(true))},
				{Name: "B", ValueFrom: cmKey("cfg", "NOPE", ptr(true))},
				{Name: "C", ValueFrom: secretKey("nope", "PASS", ptr(true))},
				{Name: "D", ValueFrom: secretKey("creds", "NOPE", ptr(true))},
			},
			want: []string{},
		},
		{
			name: "a skipped optional ref keeps the earlier value",
			env: []core.EnvVar{
				{Name: "A", Value: "kept"},
				{Name: "A", ValueFrom: cmKey("cfg", "NOPE", ptr(true))},
			},
			want: []string{"A=kept"},
		},
		{
			name:    "value expands earlier variables from envFrom, env and valueFrom",
			envFrom: []core.EnvFromSource{{ConfigMapRef: cmRef("cfg")}},
			env: []core.EnvVar{
				{Name: "POD", ValueFrom: field("metadata.name")},
				{Name: "URL", Value: "http://$(POD):80/$(MODE)"},
				{Name: "LATER_REF", Value: "$(LATE)"},
				{Name: "LATE", Value: "x"},
				{Name: "PATH", Value: "/bin"},
				{Name: "PATH", Value: "$(PATH):/usr/bin"},
			},
			want: []string{"LEVEL=info", "MODE=prod", "POD=web-1", "URL=http://web-1:80/prod", "LATER_REF=$(LATE)", "LATE=x", "PATH=/bin:/usr/bin"},
		},
		{
			name: "escaping and unknown references",
			env: []core.EnvVar{
				{Name: "A", Value: "a"},
				{Name: "ESC", Value: "$$(A)"},
				{Name: "UNKNOWN", Value: "$(NOPE)-$(A)"},
			},
			want: []string{"A=a", "ESC=$(A)", "UNKNOWN=$(NOPE)-a"},
		},
		{
			name: "resourceFieldRef",
			env: []core.EnvVar{
				{Name: "CPU", ValueFrom: &core.EnvVarSource{ResourceFieldRef: &core.ResourceFieldSelector{Resource: "limits.cpu"}}},
				{Name: "MEM", ValueFrom: &core.EnvVarSource{ResourceFieldRef: &core.ResourceFieldSelector{Resource: "requests.memory", Divisor: resource.MustParse("1Mi")}}},
			},
			want: []string{"CPU=1", "MEM=64"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := core.Container{Name: "app", EnvFrom: tt.envFrom, Env: tt.env, Resources: core.ResourceRequirements{
				Limits:   core.ResourceList{core.ResourceCPU: resource.MustParse("500m")},
				Requests: core.ResourceList{core.ResourceMemory: resource.MustParse("64Mi")},
			}}
			pod := testPod(c)
			got, err := Resolve(context.Background(), pod, &pod.Spec.Containers[0], newSource())
			if err != nil {
				t.Fatalf("Resolve: got error %v, want none", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve: got %q, want %q (-want +got):\n%s", got, tt.want, diff)
			}
		})
	}
}

func TestResolveWarnings(t *testing.T) {
	c := core.Container{Name: "app", EnvFrom: []core.EnvFromSource{
		{ConfigMapRef: cmRef("cfg")},
		{SecretRef: secretRef("creds")},
		{ConfigMapRef: cmRef("other")},
	}}
	pod := testPod(c)
	got, err := ResolveWith(context.Background(), pod, &pod.Spec.Containers[0], newSource(), Options{})
	if err != nil {
		t.Fatalf("ResolveWith: got error %v, want none", err)
	}
	want := []string{
		"Keys [1BAD, bad=key] from the EnvFrom configMap ns/cfg were skipped since they are considered invalid environment variable names.",
		"Keys [has space] from the EnvFrom secret ns/creds were skipped since they are considered invalid environment variable names.",
	}
	if diff := cmp.Diff(want, got.Warnings); diff != "" {
		t.Errorf("warnings: got %q, want %q (-want +got):\n%s", got.Warnings, want, diff)
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name     string
		envFrom  []core.EnvFromSource
		env      []core.EnvVar
		srcErr   error
		wantMsg  string
		notFound bool
	}{
		{
			name:     "required envFrom configMap missing",
			envFrom:  []core.EnvFromSource{{ConfigMapRef: cmRef("nope")}},
			wantMsg:  `configmap "nope" not found`,
			notFound: true,
		},
		{
			name:     "explicitly required envFrom secret missing",
			envFrom:  []core.EnvFromSource{{SecretRef: &core.SecretEnvSource{LocalObjectReference: core.LocalObjectReference{Name: "nope"}, Optional: ptr(false)}}},
			wantMsg:  `secret "nope" not found`,
			notFound: true,
		},
		{
			name:     "configMapKeyRef map missing",
			env:      []core.EnvVar{{Name: "A", ValueFrom: cmKey("nope", "MODE", nil)}},
			wantMsg:  `configmap "nope" not found`,
			notFound: true,
		},
		{
			name:    "configMapKeyRef key missing",
			env:     []core.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "NOPE", nil)}},
			wantMsg: "couldn't find key NOPE in ConfigMap ns/cfg",
		},
		{
			name:    "binaryData keys are not env keys",
			env:     []core.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "BLOB", nil)}},
			wantMsg: "couldn't find key BLOB in ConfigMap ns/cfg",
		},
		{
			name:     "secretKeyRef secret missing",
			env:      []core.EnvVar{{Name: "A", ValueFrom: secretKey("nope", "PASS", ptr(false))}},
			wantMsg:  `secret "nope" not found`,
			notFound: true,
		},
		{
			name:    "secretKeyRef key missing",
			env:     []core.EnvVar{{Name: "A", ValueFrom: secretKey("creds", "NOPE", nil)}},
			wantMsg: "couldn't find key NOPE in Secret ns/creds",
		},
		{
			name:    "source failing is an error even when optional",
			env:     []core.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "MODE", ptr(true))}},
			srcErr:  errUnavailable,
			wantMsg: "couldn't get configmap ns/cfg: connection refused",
		},
		{
			name:    "unsupported fieldPath",
			env:     []core.EnvVar{{Name: "A", ValueFrom: field("spec.hostname")}},
			wantMsg: "unsupported fieldPath: spec.hostname",
		},
		{
			name:    "unsupported resource",
			env:     []core.EnvVar{{Name: "A", ValueFrom: &core.EnvVarSource{ResourceFieldRef: &core.ResourceFieldSelector{Resource: "limits.gpu"}}}},
			wantMsg: "unsupported container resource: limits.gpu",
		},
		{
			name:    "resourceFieldRef to an unknown container",
			env:     []core.EnvVar{{Name: "A", ValueFrom: &core.EnvVarSource{ResourceFieldRef: &core.ResourceFieldSelector{ContainerName: "ghost", Resource: "limits.cpu"}}}},
			wantMsg: "container ghost not found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := core.Container{Name: "app", EnvFrom: tt.envFrom, Env: tt.env}
			pod := testPod(c)
			src := newSource()
			src.err = tt.srcErr
			got, err := Resolve(context.Background(), pod, &pod.Spec.Containers[0], src)
			if err == nil {
				t.Fatalf("Resolve: got %q and no error, want error %q", got, tt.wantMsg)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Resolve: got error %T %v, want *ConfigError", err, err)
			}
			if ce.Reason != ReasonCreateContainerConfigError || ce.Message != tt.wantMsg {
				t.Errorf("ConfigError: got {%q, %q}, want {%q, %q}", ce.Reason, ce.Message, ReasonCreateContainerConfigError, tt.wantMsg)
			}
			if got := errors.Is(err, errdefs.ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound): got %v, want %v", got, tt.notFound)
			}
			if tt.srcErr != nil && !errors.Is(err, tt.srcErr) {
				t.Errorf("errors.Is(err, source error): got false, want true")
			}
		})
	}
}

func TestResolveReadsEachObjectOnce(t *testing.T) {
	c := core.Container{Name: "app",
		EnvFrom: []core.EnvFromSource{{ConfigMapRef: cmRef("cfg")}},
		Env: []core.EnvVar{
			{Name: "A", ValueFrom: cmKey("cfg", "MODE", nil)},
			{Name: "B", ValueFrom: cmKey("cfg", "LEVEL", nil)},
			{Name: "C", ValueFrom: secretKey("creds", "USER", nil)},
			{Name: "D", ValueFrom: secretKey("creds", "PASS", nil)},
			{Name: "E", ValueFrom: cmKey("nope", "X", ptr(true))},
			{Name: "F", ValueFrom: cmKey("nope", "Y", ptr(true))},
		}}
	pod := testPod(c)
	src := newSource()
	if _, err := Resolve(context.Background(), pod, &pod.Spec.Containers[0], src); err != nil {
		t.Fatalf("Resolve: got error %v, want none", err)
	}
	if src.reads != 3 {
		t.Errorf("source reads: got %d, want 3", src.reads)
	}
}

func TestResolveNilSource(t *testing.T) {
	c := core.Container{Name: "app", Env: []core.EnvVar{
		{Name: "A", Value: "1"},
		{Name: "B", ValueFrom: cmKey("cfg", "MODE", ptr(true))},
	}}
	pod := testPod(c)
	_, err := Resolve(context.Background(), pod, &pod.Spec.Containers[0], nil)
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Resolve with nil source: got %v, want *ConfigError", err)
	}
}
