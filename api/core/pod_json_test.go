package core

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/codec"
	"github.com/wharf/wharf/api/meta"
)

func TestPodManifestRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/pod-full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pod Pod
	if err := codec.Decode(data, &pod); err != nil {
		t.Fatalf("Decode: %v", err)
	}

	encoded, err := json.Marshal(&pod)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	source, err := codec.ToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(encoded, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(source, &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("re-encoded pod differs from the manifest (-manifest +encoded):\n%s", diff)
	}

	// The fixture is what the server stores: already defaulted, and valid.
	defaulted := meta.DeepCopy(pod)
	DefaultPod(&defaulted)
	if diff := cmp.Diff(pod, defaulted); diff != "" {
		t.Errorf("defaulting the stored pod changed it (-stored +defaulted):\n%s", diff)
	}
	if errs := ValidatePod(&pod); len(errs) != 0 {
		t.Errorf("ValidatePod got %v, want no errors", errs)
	}
}

func TestPodDecodeRejectsUnknownFields(t *testing.T) {
	tests := []struct {
		name, manifest, field string
	}{
		{"container field", `{"spec":{"containers":[{"name":"a","image":"x","imagePullPolicyy":"Always"}]}}`, "spec.containers[0].imagePullPolicyy"},
		{"inline probe handler", `{"spec":{"containers":[{"name":"a","livenessProbe":{"httpGet":{"port":80},"execc":{}}}]}}`, "spec.containers[0].livenessProbe.execc"},
		{"inline volume source", `{"spec":{"volumes":[{"name":"v","nfs":{}}]}}`, "spec.volumes[0].nfs"},
		{"miscased", `{"spec":{"nodename":"n1"}}`, "spec.nodename"},
		{"status", `{"status":{"podIp":"10.0.0.1"}}`, "status.podIp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pod Pod
			err := codec.Decode([]byte(tc.manifest), &pod)
			if err == nil || !strings.Contains(err.Error(), `unknown field "`+tc.field+`"`) {
				t.Errorf("Decode got error %v, want one naming unknown field %q", err, tc.field)
			}
		})
	}
}

func TestPodQuantitiesDecodeFromNumbers(t *testing.T) {
	var pod Pod
	manifest := `{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":0.5,"memory":"1024Mi"}}}]}}`
	if err := codec.Decode([]byte(manifest), &pod); err != nil {
		t.Fatal(err)
	}
	limits := pod.Spec.Containers[0].Resources.Limits
	cpu, mem := limits.CPU(), limits.Memory()
	if got := cpu.String(); got != "500m" {
		t.Errorf("cpu limit got %s, want 500m", got)
	}
	if got := mem.String(); got != "1Gi" {
		t.Errorf("memory limit got %s, want 1Gi", got)
	}
}
