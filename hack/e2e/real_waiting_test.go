//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
)

// waiting says why p's container web is not waiting with one of reasons,
// or "".
func waiting(reasons ...string) func(*core.Pod) string {
	return func(p *core.Pod) string {
		w := containerStatus(p, "web").State.Waiting
		if w == nil {
			return fmt.Sprintf("container web is not waiting; want %v", reasons)
		}
		for _, r := range reasons {
			if w.Reason == r {
				return ""
			}
		}
		return fmt.Sprintf("waiting with %q (%s), want one of %v", w.Reason, w.Message, reasons)
	}
}

// TestRealImageNotThere: an image the registry does not have gives
// ErrImagePull, then ImagePullBackOff, and a Failed event; policy Never
// with an image the node lacks gives ErrImageNeverPull. Neither pod runs.
func TestRealImageNotThere(t *testing.T) {
	n := realNodeFor(t)
	if n.registry == "" {
		t.Skip("no local registry: needs hack/registry.sh and docker-registry (make test installs it)")
	}
	t.Parallel()
	ns := n.newNamespace(t, "nopull")
	missing := n.registry + "/wharf-test:does-not-exist"
	n.apply(t, podManifest(ns, "missing", missing, "    imagePullPolicy: IfNotPresent\n"))
	p := n.waitPod(t, ns, "missing", 60*time.Second, waiting("ImagePullBackOff"))
	if p.Status.Phase != core.PodPending {
		t.Errorf("phase: got %s, want Pending", p.Status.Phase)
	}
	if err := poll(30*time.Second, func() string {
		out, _, _ := n.cli(t).run("", n.bin, "get", "events", "-n", ns)
		if !strings.Contains(out, "Failed to pull image") || !strings.Contains(out, "Pulling") {
			return "events lack Pulling and Failed:\n" + out
		}
		return ""
	}); err != nil {
		t.Error(err)
	}

	n.apply(t, podManifest(ns, "never", "wharf.local/not-on-this-node:1", "    imagePullPolicy: Never\n"))
	n.waitPod(t, ns, "never", 30*time.Second, waiting("ErrImageNeverPull"))
}

// TestRealCreateContainerConfigError: a pod whose env names a ConfigMap
// that does not exist waits with CreateContainerConfigError, and runs once
// the ConfigMap is created.
func TestRealCreateContainerConfigError(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "cfgerr")
	n.apply(t, podManifest(ns, "needs", testImage1, `    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: later, key: color}}
`))
	p := n.waitPod(t, ns, "needs", 30*time.Second, waiting("CreateContainerConfigError"))
	if msg := containerStatus(p, "web").State.Waiting.Message; !strings.Contains(msg, "later") {
		t.Errorf("waiting message: got %q, want it to name configmap later", msg)
	}
	n.apply(t, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later, namespace: %s}\ndata: {color: teal}\n", ns))
	p = n.waitPod(t, ns, "needs", 60*time.Second, running)
	if info := getInfo(t, p.Status.PodIP); info.Env["COLOR"] != "teal" {
		t.Errorf("env COLOR after the ConfigMap was created: got %q, want teal", info.Env["COLOR"])
	}
}

// TestRealInitContainers: init containers run to completion, in order,
// before the app container starts.
func TestRealInitContainers(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "init")
	n.apply(t, fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: staged, namespace: %s}
spec:
  initContainers:
  - {name: first, image: %[2]s, args: ["-echo", "first done"]}
  - {name: second, image: %[2]s, args: ["-echo", "second done"]}
  containers:
  - {name: web, image: %[2]s}
`, ns, testImage1))
	p := n.waitPod(t, ns, "staged", 60*time.Second, runningAndReady)
	if c := p.Status.Condition(core.PodInitialized); c == nil || c.Status != core.ConditionTrue {
		t.Errorf("Initialized condition: got %+v, want True", c)
	}
	if len(p.Status.InitContainerStatuses) != 2 {
		t.Fatalf("init container statuses: got %d, want 2", len(p.Status.InitContainerStatuses))
	}
	first, second := p.Status.InitContainerStatuses[0].State.Terminated, p.Status.InitContainerStatuses[1].State.Terminated
	if first == nil || second == nil || first.ExitCode != 0 || second.ExitCode != 0 || first.Reason != "Completed" || second.Reason != "Completed" {
		t.Fatalf("init containers: got %s, want both terminated with Completed", statusSummary(p))
	}
	app := containerStatus(p, "web").State.Running
	// Times have a resolution of a second: order, not strict inequality.
	if second.StartedAt.Time.Before(first.FinishedAt.Time) || app.StartedAt.Time.Before(second.FinishedAt.Time) {
		t.Errorf("order: first %v–%v, second %v–%v, app started %v; want each to start after the one before finished",
			first.StartedAt, first.FinishedAt, second.StartedAt, second.FinishedAt, app.StartedAt)
	}
	out, _, _ := n.cli(t).run("", n.bin, "logs", "-n", ns, "staged", "-c", "second")
	if !strings.Contains(out, "second done") {
		t.Errorf("logs of init container second: got %q, want \"second done\"", out)
	}
}
