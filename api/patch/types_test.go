package patch

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/meta"
)

// The test types mirror the shapes and tags of Kubernetes' pod and
// deployment types; metadata is the real meta.ObjectMeta.

type testPod struct {
	meta.TypeMeta `json:",inline"`
	Metadata      meta.ObjectMeta `json:"metadata,omitempty"`
	Spec          testPodSpec     `json:"spec,omitempty"`
	Status        testPodStatus   `json:"status,omitempty"`
}

type testPodSpec struct {
	Containers   []testContainer   `json:"containers" patchStrategy:"merge" patchMergeKey:"name"`
	Volumes      []testVolume      `json:"volumes,omitempty" patchStrategy:"merge,retainKeys" patchMergeKey:"name"`
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	Tolerations  []testToleration  `json:"tolerations,omitempty"`
	Strategy     *testStrategy     `json:"strategy,omitempty" patchStrategy:"retainKeys"`
	Affinity     *testAffinity     `json:"affinity,omitempty" patchStrategy:"replace"`
}

type testContainer struct {
	Name         string                     `json:"name"`
	Image        string                     `json:"image,omitempty"`
	Args         []string                   `json:"args,omitempty"`
	Env          []testEnvVar               `json:"env,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	Ports        []testPort                 `json:"ports,omitempty" patchStrategy:"merge" patchMergeKey:"containerPort"`
	VolumeMounts []testVolumeMount          `json:"volumeMounts,omitempty" patchStrategy:"merge" patchMergeKey:"mountPath"`
	Resources    map[string]testIntOrString `json:"resources,omitempty"`
}

type testEnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
}

type testPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"`
}

type testVolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
}

type testVolume struct {
	Name             string `json:"name"`
	testVolumeSource `json:",inline"`
}

type testVolumeSource struct {
	EmptyDir *struct{}    `json:"emptyDir,omitempty"`
	HostPath *testHostDir `json:"hostPath,omitempty"`
}

type testHostDir struct {
	Path string `json:"path"`
}

type testToleration struct {
	Key    string `json:"key,omitempty"`
	Effect string `json:"effect,omitempty"`
}

type testStrategy struct {
	Type          string             `json:"type,omitempty"`
	RollingUpdate *testRollingUpdate `json:"rollingUpdate,omitempty"`
}

type testRollingUpdate struct {
	MaxSurge *testIntOrString `json:"maxSurge,omitempty"`
}

type testAffinity struct {
	Zones []string `json:"zones,omitempty"`
	Hard  bool     `json:"hard,omitempty"`
}

type testPodStatus struct {
	Phase string `json:"phase,omitempty"`
	PodIP string `json:"podIP,omitempty"`
}

// testIntOrString decodes itself, so a patch must treat it as one value.
type testIntOrString struct {
	raw json.RawMessage
}

func (v *testIntOrString) UnmarshalJSON(b []byte) error {
	v.raw = append(v.raw[:0], b...)
	return nil
}

var podType = reflect.TypeFor[testPod]()

// mustJSON decodes s as the package does, so that results compare as values.
func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := decode([]byte(s), "test JSON")
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// sameJSON fails the test unless got and want are the same JSON value.
func sameJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	g := mustJSON(t, string(got))
	w := mustJSON(t, want)
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("got %s, want %s (-want +got):\n%s", got, compactString(want), diff)
	}
}

func compactString(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}
