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

// podManifest is a one-container pod "name" of the test image; extra is
// indented YAML added to the container (args, probes, resources).
func podManifest(ns, name, image, extra string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
  labels: {test: %s}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: web
    image: %s
%s`, name, ns, name, image, extra)
}

// restarted says why p's container web has not restarted `count` times
// and is running again, or "".
func restarted(count int32) func(*core.Pod) string {
	return func(p *core.Pod) string {
		cs := containerStatus(p, "web")
		if cs.RestartCount < count {
			return fmt.Sprintf("restartCount %d, want %d", cs.RestartCount, count)
		}
		return running(p)
	}
}

// TestRealKilledContainerRestarts: a container whose process is killed
// behind the agent's back (SIGKILL through containerd) is restarted:
// restartCount 1, a new container, Running and serving again.
func TestRealKilledContainerRestarts(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "kill")
	n.apply(t, podManifest(ns, "victim", testImage1, ""))
	p := n.waitPod(t, ns, "victim", 60*time.Second, running)
	before := containerStatus(p, "web")
	id := runtimeID(t, before.ContainerID)
	if before.RestartCount != 0 {
		t.Fatalf("restartCount before the kill: got %d, want 0", before.RestartCount)
	}

	if out, err := n.ctr("tasks", "kill", "--signal", "SIGKILL", id); err != nil {
		t.Fatalf("ctr tasks kill %s: %v: %s", id, err, out)
	}
	p = n.waitPod(t, ns, "victim", 30*time.Second, restarted(1))
	after := containerStatus(p, "web")
	if after.RestartCount != 1 {
		t.Errorf("restartCount: got %d, want 1", after.RestartCount)
	}
	if after.ContainerID == before.ContainerID {
		t.Errorf("containerID after the restart: got the old %s, want a new one", after.ContainerID)
	}
	if term := after.LastTerminationState.Terminated; term == nil {
		t.Errorf("lastState: got %s, want terminated", stateString(after.LastTerminationState))
	} else if term.ExitCode != 137 || term.Reason != "Error" {
		t.Errorf("lastState.terminated: got exit %d reason %q, want 137 Error", term.ExitCode, term.Reason)
	}
	if info := getInfo(t, p.Status.PodIP); info.Hostname != "victim" {
		t.Errorf("GET / after the restart: hostname %q, want victim", info.Hostname)
	}
}

// TestRealCrashLoopBackOff: a container that keeps exiting is restarted
// with growing delays and shows CrashLoopBackOff while it waits. The
// cluster runs with --restart-backoff-base 1s, so the delays are 0, 1 s,
// 2 s, 4 s ... instead of the kubelet's 0, 10 s, 20 s.
func TestRealCrashLoopBackOff(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "crashloop")
	n.apply(t, podManifest(ns, "crasher", testImage1, `    args: ["--exit-after", "200ms", "--exit-code", "3"]
`))

	// Client-side times at which each restart was first seen: the
	// server's timestamps have a resolution of one second.
	const want = 5
	var seenAt []time.Time
	var last *core.Pod
	ctx := context.Background()
	err := poll(60*time.Second, func() string {
		p, err := n.pods().Get(ctx, ns, "crasher")
		if err != nil {
			return err.Error()
		}
		last = p
		cs := containerStatus(p, "web")
		for int(cs.RestartCount) > len(seenAt) {
			seenAt = append(seenAt, time.Now())
		}
		if len(seenAt) < want {
			return fmt.Sprintf("restartCount %d, want %d", cs.RestartCount, want)
		}
		return ""
	})
	if err != nil {
		t.Fatalf("crash loop: %v\nstatus: %s\nwharf up's log:\n%s", err, statusSummary(last), n.logTail(30))
	}
	var gaps []time.Duration
	for i := 1; i < len(seenAt); i++ {
		gaps = append(gaps, seenAt[i].Sub(seenAt[i-1]))
	}
	t.Logf("restarts seen %v apart", gaps)
	// The delays before restarts 2 to 5 are 1, 2, 4 and 8 s. Each gap adds
	// the container's run time and the time the agent takes to notice and
	// report, which varies by up to a second or two. So: no gap is shorter
	// than the base, each is longer than the one two before it (the delay
	// quadrupled), and the last is longer than the first by well over the
	// noise.
	if gaps[0] < backoffBase {
		t.Errorf("gap between the first and second restart: got %v, want at least the back-off base %v", gaps[0], backoffBase)
	}
	for i := 2; i < len(gaps); i++ {
		if gaps[i] <= gaps[i-2] {
			t.Errorf("gap %d: got %v, not longer than gap %d's %v: want growing delays (gaps %v)", i+1, gaps[i], i-1, gaps[i-2], gaps)
		}
	}
	if last := gaps[len(gaps)-1]; last < gaps[0]+4*backoffBase {
		t.Errorf("last gap %v, first %v: want the delay doubled three times, at least %v longer (gaps %v)", last, gaps[0], 4*backoffBase, gaps)
	}
	if term := containerStatus(last, "web").LastTerminationState.Terminated; term == nil || term.ExitCode != 3 || term.Reason != "Error" {
		t.Errorf("lastState: got %s, want terminated with exit code 3, reason Error", stateString(containerStatus(last, "web").LastTerminationState))
	}
	// The next delay is 16 s: the pod waits in CrashLoopBackOff, which
	// both the status and wharf get show.
	c := n.cli(t)
	if err := poll(20*time.Second, func() string {
		out, _, _ := c.run("", n.bin, "get", "pod", "crasher", "-n", ns)
		if !strings.Contains(out, "CrashLoopBackOff") {
			return "wharf get pod: " + out
		}
		return ""
	}); err != nil {
		t.Errorf("STATUS column: %v", err)
	}
	p := n.waitPod(t, ns, "crasher", 20*time.Second, func(p *core.Pod) string {
		if w := containerStatus(p, "web").State.Waiting; w == nil || w.Reason != "CrashLoopBackOff" {
			return "state: " + stateString(containerStatus(p, "web").State)
		}
		return ""
	})
	if w := containerStatus(p, "web").State.Waiting; !strings.Contains(w.Message, "back-off") {
		t.Errorf("waiting message: got %q, want the kubelet's \"back-off ... restarting failed container\"", w.Message)
	}
}

// TestRealOOMKilled: a container that allocates beyond its memory limit is
// killed by the kernel and reported as OOMKilled, then restarted.
func TestRealOOMKilled(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "oom")
	n.apply(t, podManifest(ns, "hog", testImage1, `    resources:
      limits: {memory: 48Mi}
`))
	p := n.waitPod(t, ns, "hog", 60*time.Second, running)
	podGet(t, p.Status.PodIP, "/healthz") // serving: the next request reaches it
	// The kernel kills the process mid-request: the answer is lost.
	if code, err := podHTTPOnce(p.Status.PodIP, "/alloc?mb=128"); err == nil {
		t.Fatalf("GET /alloc?mb=128 in a container limited to 48Mi: got %d, want the process killed before it answers", code)
	}
	p = n.waitPod(t, ns, "hog", 60*time.Second, func(p *core.Pod) string {
		cs := containerStatus(p, "web")
		if term := cs.LastTerminationState.Terminated; term != nil {
			return ""
		}
		if term := cs.State.Terminated; term != nil {
			return ""
		}
		return "not terminated yet: " + stateString(cs.State)
	})
	cs := containerStatus(p, "web")
	term := cs.LastTerminationState.Terminated
	if term == nil {
		term = cs.State.Terminated
	}
	if term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Errorf("terminated: got reason %q exit %d, want OOMKilled 137", term.Reason, term.ExitCode)
	}
	n.waitPod(t, ns, "hog", 30*time.Second, restarted(1))
}
