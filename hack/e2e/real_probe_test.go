//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
)

// probeManifest is a pod whose container has the probe kind ("liveness"
// or "readiness") on GET /healthz every second, failing after failures
// misses in a row.
func probeManifest(ns, name, kind string, failures int) string {
	return podManifest(ns, name, testImage1, fmt.Sprintf(`    %sProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
      failureThreshold: %d
`, kind, failures))
}

// TestRealLivenessProbeRestarts: once /healthz fails, the liveness probe
// has the container restarted; the new process is healthy again.
func TestRealLivenessProbeRestarts(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "liveness")
	// Two misses, as a probe that comes before a restarted server listens
	// may miss once.
	n.apply(t, probeManifest(ns, "sick", "liveness", 2))
	p := n.waitPod(t, ns, "sick", 60*time.Second, runningAndReady)
	if got := containerStatus(p, "web").RestartCount; got != 0 {
		t.Fatalf("restartCount while healthy: got %d, want 0", got)
	}
	old := containerStatus(p, "web").ContainerID

	podPost(t, p.Status.PodIP, "/healthz/fail")
	p = n.waitPod(t, ns, "sick", 30*time.Second, restarted(1))
	if cs := containerStatus(p, "web"); cs.ContainerID == old {
		t.Errorf("containerID after the liveness restart: got the old %s, want a new one", old)
	}
	// The new process is healthy: one failure, one restart. Three probe
	// periods later it has not been restarted again.
	if err := poll(5*time.Second, func() string {
		if code, body := podHTTP(t, "GET", p.Status.PodIP, "/healthz"); code != 200 {
			return fmt.Sprintf("GET /healthz: %d %q", code, body)
		}
		return ""
	}); err != nil {
		t.Errorf("the restarted container: %v", err)
	}
	if err := consistently(3*time.Second, func() string {
		p, err := n.pods().Get(context.Background(), ns, "sick")
		if err != nil {
			return err.Error()
		}
		if cs := containerStatus(p, "web"); cs.RestartCount != 1 {
			return fmt.Sprintf("restartCount %d (%s)", cs.RestartCount, statusSummary(p))
		}
		return ""
	}); err != nil {
		t.Errorf("after one liveness failure: %v; want exactly one restart", err)
	}
	if err := poll(30*time.Second, func() string {
		out, _, _ := n.cli(t).run("", n.bin, "get", "events", "-n", ns)
		if !strings.Contains(out, "Unhealthy") || !strings.Contains(out, "Killing") {
			return "events lack Unhealthy and Killing, as the kubelet records them:\n" + out
		}
		return ""
	}); err != nil {
		t.Error(err)
	}
}

// TestRealReadinessProbe: a failing readiness probe clears the pod's Ready
// condition without restarting it; a passing one sets it again.
func TestRealReadinessProbe(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "readiness")
	n.apply(t, probeManifest(ns, "shy", "readiness", 1))
	p := n.waitPod(t, ns, "shy", 60*time.Second, runningAndReady)
	ip := p.Status.PodIP

	podPost(t, ip, "/healthz/fail")
	p = n.waitPod(t, ns, "shy", 30*time.Second, func(p *core.Pod) string {
		if ready(p) == "" {
			return "still Ready"
		}
		if containerStatus(p, "web").Ready {
			return "container web still ready"
		}
		return ""
	})
	if c := p.Status.Condition(core.ContainersReady); c == nil || c.Status != core.ConditionFalse {
		t.Errorf("ContainersReady: got %v, want False", c)
	}
	if cs := containerStatus(p, "web"); cs.RestartCount != 0 || cs.State.Running == nil {
		t.Errorf("not ready container: restartCount %d state %s, want 0 and running", cs.RestartCount, stateString(cs.State))
	}

	podPost(t, ip, "/healthz/ok")
	p = n.waitPod(t, ns, "shy", 30*time.Second, runningAndReady)
	if cs := containerStatus(p, "web"); cs.RestartCount != 0 || !cs.Ready {
		t.Errorf("ready again: restartCount %d ready %t, want 0 and true", cs.RestartCount, cs.Ready)
	}
}
