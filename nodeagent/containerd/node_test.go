package containerd

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/apiserver/apiservertest"
	"github.com/wharf/wharf/nodeagent"
)

// TestRealNode runs one node agent on the private containerd with a real
// pod network against a real API server: a pod of the test image becomes
// Running, answers HTTP at its IP with its env from a ConfigMap key and a
// configMap volume, and leaves nothing behind once deleted.
func TestRealNode(t *testing.T) {
	if env == nil {
		t.Skip("no containerd")
	}
	if testing.Short() {
		t.Skip("starts an API server and real containers")
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	bridge := fmt.Sprintf("wn%x", b[:])
	cfg := nodeagent.NewConfig()
	cfg.NodeName = "real-node"
	cfg.NodeIP = "127.0.0.1"
	cfg.PodCIDR = fmt.Sprintf("10.251.%d.0/24", b[1])
	cfg.SyncFrequency = time.Second
	cfg.AgentVersion = "v0.0.0-test"
	cfg.ContainerdAddress = env.address
	cfg.ContainerdNamespace = testNamespace
	cfg.StateDir = t.TempDir()
	cfg.RootDir = t.TempDir()
	cfg.CNIBridge = bridge

	c := apiservertest.Start(t).Client
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rt, err := New(ctx, ConfigFor(cfg))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	agentCtx, stopAgent := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- nodeagent.RunNode(agentCtx, c, cfg, rt, nil) }()
	t.Cleanup(func() {
		stopAgent()
		if err := <-done; err != nil {
			t.Errorf("RunNode: got %v, want nil", err)
		}
		if n := rt.Network(); n == nil {
			t.Errorf("Network after the agent ran: got nil, want the pod network")
		} else if err := n.Close(); err != nil {
			t.Errorf("network Close: %v", err)
		}
		if _, err := net.InterfaceByName(bridge); err == nil {
			t.Errorf("bridge %s after Close: present, want gone", bridge)
		}
		_ = rt.Close()
	})

	cms := apiclient.For[core.ConfigMap](c)
	if _, err := cms.Create(ctx, "default", &core.ConfigMap{
		ObjectMeta: meta.ObjectMeta{Name: "cfg"},
		Data:       map[string]string{"greeting": "hello-from-configmap"},
	}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}
	grace := int64(5)
	pods := apiclient.For[core.Pod](c)
	pod, err := pods.Create(ctx, "default", &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: "web"},
		Spec: core.PodSpec{
			NodeName:                      cfg.NodeName,
			TerminationGracePeriodSeconds: &grace,
			Containers: []core.Container{{
				Name:  "web",
				Image: env.image,
				Env: []core.EnvVar{{Name: "GREETING", ValueFrom: &core.EnvVarSource{
					ConfigMapKeyRef: &core.ConfigMapKeySelector{LocalObjectReference: core.LocalObjectReference{Name: "cfg"}, Key: "greeting"},
				}}},
				VolumeMounts: []core.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}},
			}},
			Volumes: []core.Volume{{Name: "cfg", VolumeSource: core.VolumeSource{
				ConfigMap: &core.ConfigMapVolumeSource{LocalObjectReference: core.LocalObjectReference{Name: "cfg"}},
			}}},
		},
	})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}

	running := waitPod(t, pods, "web", func(p *core.Pod) bool { return p.Status.Phase == core.PodRunning && p.Status.PodIP != "" })
	ip := running.Status.PodIP
	if !strings.HasPrefix(ip, fmt.Sprintf("10.251.%d.", b[1])) {
		t.Errorf("podIP: got %s, want one in %s", ip, cfg.PodCIDR)
	}
	var info struct{ Env map[string]string }
	if err := json.Unmarshal([]byte(httpGet(t, ip, "/")), &info); err != nil {
		t.Fatalf("GET /: %v", err)
	}
	if got := info.Env["GREETING"]; got != "hello-from-configmap" {
		t.Errorf("GET /: env GREETING got %q, want hello-from-configmap", got)
	}
	if got := httpGet(t, ip, "/files?path="+url.QueryEscape("/etc/cfg/greeting")); !strings.Contains(got, "hello-from-configmap") {
		t.Errorf("GET /files /etc/cfg/greeting: got %q, want the configmap value", got)
	}

	sbs, err := rt.ListSandboxes(ctx, pod.UID)
	if err != nil || len(sbs) != 1 {
		t.Fatalf("ListSandboxes: got %d, %v, want 1", len(sbs), err)
	}
	cs, err := rt.ListContainers(ctx, sbs[0].ID)
	if err != nil || len(cs) != 1 {
		t.Fatalf("ListContainers: got %d, %v, want 1", len(cs), err)
	}

	if err := pods.Delete(ctx, "default", "web", nil); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	waitFor(t, "pod web gone from the API", func() bool {
		_, err := pods.Get(ctx, "default", "web")
		return errors.Is(err, errdefs.ErrNotFound)
	})
	waitFor(t, "runtime, network and volumes of pod web removed", func() bool {
		left, _ := rt.ListSandboxes(ctx, pod.UID)
		uids, _ := rt.Network().List()
		_, err := os.Stat(filepath.Join(cfg.RootDir, "pods", pod.UID))
		return len(left) == 0 && len(uids) == 0 && errors.Is(err, os.ErrNotExist)
	})
	assertGone(t, rt, cs[0].ID)
	if veths, _ := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif")); len(veths) != 0 {
		t.Errorf("veths on bridge %s after delete: got %d, want none", bridge, len(veths))
	}
}

func waitPod(t *testing.T, pods *apiclient.Resource[core.Pod, *core.Pod], name string, ok func(*core.Pod) bool) *core.Pod {
	t.Helper()
	var last *core.Pod
	waitFor(t, "pod "+name+" Running with an IP", func() bool {
		p, err := pods.Get(context.Background(), "default", name)
		if err != nil {
			return false
		}
		last = p
		return ok(p)
	})
	return last
}

// waitFor polls cond (state in other processes and the API) for 60s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !poll(60*time.Second, cond) {
		t.Fatalf("waiting for %s: not within 60s", what)
	}
}

func httpGet(t *testing.T, ip, path string) string {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second}
	var lastErr error
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := hc.Get("http://" + net.JoinHostPort(ip, "8080") + path)
		if err != nil {
			lastErr = err
			time.Sleep(50 * time.Millisecond) // the server may still be starting
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s%s: got %d %q, want 200", ip, path, resp.StatusCode, body)
		}
		return string(body)
	}
	t.Fatalf("GET %s%s: %v", ip, path, lastErr)
	return ""
}
