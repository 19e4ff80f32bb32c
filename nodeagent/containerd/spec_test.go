package containerd

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/resource"
)

func TestNormalizeImage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nginx", "docker.io/library/nginx:latest"},
		{"user/app:2", "docker.io/user/app:2"},
		{"wharf.local/wharf-test:1", "wharf.local/wharf-test:1"},
		{"localhost:5000/app", "localhost:5000/app:latest"},
		{"localhost/app", "localhost/app:latest"},
		{"quay.io/a/b@sha256:abc", "quay.io/a/b@sha256:abc"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := normalizeImage(tc.in); got != tc.want {
				t.Errorf("normalizeImage(%q): got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestSpecFromPod checks that the pod spec's env, command and limits reach
// the container's OCI spec and its cgroups.
func TestSpecFromPod(t *testing.T) {
	r := newTestRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sb := runSandbox(t, r, "spec")
	cfg := testContainer("app", "--sleep")
	cfg.Container.Env = []core.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "$(A)-2"}}
	cfg.Container.WorkingDir = "/tmp"
	cfg.Container.Resources.Limits = core.ResourceList{
		core.ResourceMemory: resource.MustParse("64Mi"),
		core.ResourceCPU:    resource.MustParse("250m"),
	}
	id, err := r.StartContainer(ctx, sb.ID, cfg)
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	defer assertRemoved(t, r, id)
	defer func() {
		if err := r.StopContainer(ctx, id, 0); err != nil {
			t.Errorf("StopContainer: %v", err)
		}
	}()
	c, err := r.Client().LoadContainer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := spec.Process
	if got, want := strings.Join(p.Args, " "), "/testimage --sleep"; got != want {
		t.Errorf("args: got %q, want %q", got, want)
	}
	env := strings.Join(p.Env, " ")
	for _, want := range []string{"A=1", "B=1-2", "VERSION=1"} {
		if !strings.Contains(env, want) {
			t.Errorf("env: got %q, want it to hold %s", env, want)
		}
	}
	if p.Cwd != "/tmp" {
		t.Errorf("cwd: got %q, want /tmp", p.Cwd)
	}
	if spec.Hostname != "spec" {
		t.Errorf("hostname: got %q, want spec", spec.Hostname)
	}
	waitLog(t, r, id, "sleeping")
	cgroups := []struct{ file, want string }{
		{filepath.Join("memory", testNamespace, id, "memory.limit_in_bytes"), strconv.Itoa(64 << 20)},
		{filepath.Join("cpu", testNamespace, id, "cpu.cfs_quota_us"), "25000"},
	}
	if swapLimitable() {
		// No swap beyond the limit, so that a container over it is
		// OOM-killed rather than swapped out.
		cgroups = append(cgroups, struct{ file, want string }{filepath.Join("memory", testNamespace, id, "memory.memsw.limit_in_bytes"), strconv.Itoa(64 << 20)})
	}
	for _, cg := range cgroups {
		b, err := os.ReadFile(filepath.Join(cgroupRoot, cg.file))
		if err != nil {
			t.Errorf("cgroup: %v", err)
			continue
		}
		if got := strings.TrimSpace(string(b)); got != cg.want {
			t.Errorf("%s: got %s, want %s", cg.file, got, cg.want)
		}
	}
}

// TestStartContainerRefusesWhatItCannotDo checks that what only the agent
// can resolve (references to the API, volumes) is refused when the agent
// did not resolve it, rather than silently left out.
func TestStartContainerRefusesWhatItCannotDo(t *testing.T) {
	r := newTestRuntime(t)
	ctx := context.Background()
	sb := runSandbox(t, r, "refuse")
	tests := []struct {
		name   string
		change func(*core.Container)
		want   string
	}{
		{"unresolved valueFrom", func(c *core.Container) {
			c.Env = []core.EnvVar{{Name: "X", ValueFrom: &core.EnvVarSource{ConfigMapKeyRef: &core.ConfigMapKeySelector{LocalObjectReference: core.LocalObjectReference{Name: "cm"}, Key: "k"}}}}
		}, "configmap"},
		{"unresolved volumeMounts", func(c *core.Container) { c.VolumeMounts = []core.VolumeMount{{Name: "v", MountPath: "/v"}} }, "host mounts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testContainer("app", "--sleep")
			tc.change(cfg.Container)
			if _, err := r.StartContainer(ctx, sb.ID, cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("StartContainer: got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
