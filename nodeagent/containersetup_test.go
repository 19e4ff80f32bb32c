package nodeagent

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/events"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/nodeagent/containerenv"
	"github.com/wharf/wharf/nodeagent/volume"
)

// recordingRuntime remembers the ContainerConfigs it was asked to start.
type recordingRuntime struct {
	*Simulated
	mu      sync.Mutex
	started []ContainerConfig
}

func (r *recordingRuntime) StartContainer(ctx context.Context, sandboxID string, cfg ContainerConfig) (string, error) {
	r.mu.Lock()
	r.started = append(r.started, cfg)
	r.mu.Unlock()
	return r.Simulated.StartContainer(ctx, sandboxID, cfg)
}

func (r *recordingRuntime) last() (ContainerConfig, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.started) == 0 {
		return ContainerConfig{}, false
	}
	return r.started[len(r.started)-1], true
}

// TestContainerSetup runs a real node's agent (with environments and
// volumes resolved) over the simulated runtime: a missing ConfigMap holds
// the container in CreateContainerConfigError until it is created; then the
// runtime gets the resolved env and the volume's mount, and the volume is
// removed with the pod.
func TestContainerSetup(t *testing.T) {
	c := startServer(t)
	cfg := testConfig("node-a")
	cfg.RootDir = t.TempDir()
	rt := &recordingRuntime{Simulated: NewSimulated(0, nil)}
	defer rt.Close()
	a, err := New(cfg, c, rt, testLog())
	if err != nil {
		t.Fatal(err)
	}
	a.setup = newContainerSetup(cfg, c)
	a.recorder = events.NewRecorder(c, EventSource, cfg.NodeName, a.log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: got %v, want nil", err)
		}
	}()

	p := testPod("web").onNode("node-a").obj()
	p.Spec.Containers[0].Env = []core.EnvVar{
		{Name: "GREETING", ValueFrom: &core.EnvVarSource{ConfigMapKeyRef: &core.ConfigMapKeySelector{LocalObjectReference: core.LocalObjectReference{Name: "cfg"}, Key: "greeting"}}},
		{Name: "POD_IP", ValueFrom: &core.EnvVarSource{FieldRef: &core.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "BOTH", Value: "$(GREETING)@$(POD_IP)"},
	}
	p.Spec.Containers[0].EnvFrom = []core.EnvFromSource{{ConfigMapRef: &core.ConfigMapEnvSource{LocalObjectReference: core.LocalObjectReference{Name: "cfg"}}}}
	p.Spec.Containers[0].VolumeMounts = []core.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}}
	p.Spec.Volumes = []core.Volume{{Name: "cfg", VolumeSource: core.VolumeSource{
		ConfigMap: &core.ConfigMapVolumeSource{LocalObjectReference: core.LocalObjectReference{Name: "cfg"}},
	}}}
	created := createPod(t, c, p)

	waitPod(t, c, "default", "web", waitLong, "waiting in CreateContainerConfigError", func(p *core.Pod) bool {
		if len(p.Status.ContainerStatuses) != 1 {
			return false
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		return w != nil && w.Reason == containerenv.ReasonCreateContainerConfigError && w.Message == `configmap "cfg" not found`
	})
	if _, ok := rt.last(); ok {
		t.Errorf("runtime: got a container started, want none before the ConfigMap exists")
	}

	if _, err := client.For[core.ConfigMap](c).Create(context.Background(), "default", &core.ConfigMap{
		ObjectMeta: meta.ObjectMeta{Name: "cfg"},
		Data:       map[string]string{"greeting": "hi", "1st": "skipped"},
	}); err != nil {
		t.Fatal(err)
	}
	running := waitPod(t, c, "default", "web", waitLong, "running", isRunningAndReady)
	got, ok := rt.last()
	if !ok {
		t.Fatalf("runtime: got no container started, want one")
	}
	ip := running.Status.PodIP
	if want := []string{"greeting=hi", "GREETING=hi", "POD_IP=" + ip, "BOTH=hi@" + ip}; !cmp.Equal(got.Env, want) {
		t.Errorf("Env: got %q, want %q", got.Env, want)
	}
	waitFor(t, waitLong, "an event about the skipped envFrom key", func() (bool, string) {
		list, err := client.For[core.Event](c).List(context.Background(), "default", client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var reasons []string
		for _, ev := range list.Items {
			if ev.Reason == containerenv.ReasonInvalidEnvironmentVariableNames && strings.Contains(ev.Message, "[1st]") {
				return true, ""
			}
			reasons = append(reasons, ev.Reason)
		}
		return false, "reasons " + strings.Join(reasons, ",")
	})
	volDir := filepath.Join(cfg.RootDir, "pods", created.UID)
	wantMounts := []volume.Mount{{HostPath: filepath.Join(volDir, "volumes", "configmap", "cfg"), ContainerPath: "/etc/cfg", ReadOnly: true}}
	if diff := cmp.Diff(wantMounts, got.Mounts); diff != "" {
		t.Errorf("Mounts (-want +got):\n%s", diff)
	}
	if b, err := os.ReadFile(filepath.Join(wantMounts[0].HostPath, "greeting")); err != nil || string(b) != "hi" {
		t.Errorf("volume file greeting: got %q, %v, want hi", b, err)
	}

	if err := client.For[core.Pod](c).Delete(context.Background(), "default", "web", &meta.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, waitLong, "pod web and its volumes gone", func() (bool, string) {
		_, err := client.For[core.Pod](c).Get(context.Background(), "default", "web")
		_, serr := os.Stat(volDir)
		return errors.Is(err, errdefs.ErrNotFound) && errors.Is(serr, fs.ErrNotExist), "pod: " + errString(err) + ", volumes: " + errString(serr)
	})
}

func errString(err error) string {
	if err == nil {
		return "present"
	}
	return err.Error()
}

// TestSimulatedNodesResolveNothing pins that the simulated path hands the
// runtime no environment and no mounts.
func TestSimulatedNodesResolveNothing(t *testing.T) {
	c := startServer(t)
	rt := &recordingRuntime{Simulated: NewSimulated(0, nil)}
	defer rt.Close()
	startAgent(t, c, testConfig("node-a"), rt)
	p := testPod("web").onNode("node-a").obj()
	p.Spec.Containers[0].Env = []core.EnvVar{{Name: "A", Value: "1"}}
	createPod(t, c, p)
	waitPod(t, c, "default", "web", waitLong, "running", isRunningAndReady)
	got, ok := rt.last()
	if !ok || got.Env != nil || got.Mounts != nil {
		t.Errorf("runtime: got started %v with env %q mounts %v, want one container with nil env and mounts", ok, got.Env, got.Mounts)
	}
}
