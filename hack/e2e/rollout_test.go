//go:build e2e

package e2e

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startAgent runs `wharf agent --simulate n` against the cluster until the
// test ends.
func (c *cluster) startAgent(t *testing.T, n int) {
	t.Helper()
	var log bytes.Buffer
	cmd := exec.Command(c.bin, "agent", "--kubeconfig", c.kubeconfig, "--simulate", strconv.Itoa(n), "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("wharf agent ignored SIGTERM:\n%s", log.String())
		}
	})
}

const rolloutManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 6
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: wharf-test:1
`

// TestRolloutWithSimulatedNodes is the new user's control-plane tour:
// wharf server plus simulated nodes, a Deployment rolled out, updated,
// rolled back and scaled, with wharf and with kubectl.
func TestRolloutWithSimulatedNodes(t *testing.T) {
	c := startCluster(t)
	c.startAgent(t, 5)
	eventually(t, 30*time.Second, func() string {
		out, _, _ := c.run("", c.bin, "get", "nodes", "--no-headers")
		if n := strings.Count(out, " Ready "); n != 5 {
			return "Ready nodes: " + out
		}
		return ""
	})
	c.must(rolloutManifest, c.bin, "apply", "-f", "-")
	out := c.must("", c.bin, "rollout", "status", "deployment/web", "--timeout", "60s")
	if msg := contains(out, `deployment "web" successfully rolled out`); msg != "" {
		t.Fatal(msg)
	}
	c.must("", c.bin, "set", "image", "deployment/web", "web=wharf-test:2")
	c.must("", c.bin, "rollout", "status", "deploy/web", "--timeout", "60s")
	out = c.must("", c.bin, "get", "pods", "-o", "wide")
	if strings.Count(out, "Running") != 6 {
		t.Errorf("after the update, pods:\n%s", out)
	}
	out = c.must("", c.bin, "rollout", "history", "deployment/web")
	if msg := contains(out, "REVISION", "1", "2"); msg != "" {
		t.Error(msg)
	}
	c.must("", c.bin, "rollout", "undo", "deployment/web")
	c.must("", c.bin, "rollout", "status", "deployment/web", "--timeout", "60s")
	out = c.must("", c.bin, "get", "deployment", "web", "-o", "yaml")
	if msg := contains(out, "image: wharf-test:1"); msg != "" {
		t.Errorf("after undo: %s", msg)
	}

	if kubectl, err := lookKubectl(); err == nil {
		out = c.must("", kubectl, "scale", "deployment/web", "--replicas=9")
		if msg := contains(out, "deployment.apps/web scaled"); msg != "" {
			t.Error(msg)
		}
		out = c.must("", kubectl, "rollout", "status", "deployment/web", "--timeout=60s")
		if msg := contains(out, `deployment "web" successfully rolled out`); msg != "" {
			t.Error(msg)
		}
		out = c.must("", kubectl, "get", "deployment", "web")
		if msg := contains(out, "9/9"); msg != "" {
			t.Error(msg)
		}
	}
	out = c.must("", c.bin, "get", "events")
	if msg := contains(out, "ScalingReplicaSet", "Scheduled"); msg != "" {
		t.Error(msg)
	}
}
