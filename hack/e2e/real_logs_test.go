//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// lines splits command output into its non-empty lines.
func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

// TestRealLogs: `wharf logs` and `kubectl logs` read a container's stdout:
// whole, --tail, --timestamps, -f while lines arrive, and --previous after
// a restart.
func TestRealLogs(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "logs")
	c := n.cli(t)
	n.apply(t, podManifest(ns, "talker", testImage1, ""))
	p := n.waitPod(t, ns, "talker", 60*time.Second, running)
	ip := p.Status.PodIP
	podGet(t, ip, "/?first=marker-one")
	podGet(t, ip, "/?second=marker-two")

	logs := func(args ...string) string {
		t.Helper()
		return c.must("", n.bin, append([]string{"logs", "talker", "-n", ns}, args...)...)
	}
	var all string
	if err := poll(10*time.Second, func() string {
		all = logs()
		return contains(all, "msg=listening", "marker-one", "marker-two")
	}); err != nil {
		t.Fatalf("wharf logs: %v", err)
	}
	if got := logs("-c", "web"); !strings.Contains(got, "marker-two") {
		t.Errorf("wharf logs -c web: got %q, want the same log", got)
	}
	whole := lines(all)
	if got := lines(logs("--tail", "1")); len(got) != 1 || got[0] != whole[len(whole)-1] {
		t.Errorf("wharf logs --tail 1: got %q, want [%q]", got, whole[len(whole)-1])
	}
	for _, l := range lines(logs("--timestamps")) {
		ts, rest, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.Contains(all, rest) {
			t.Errorf("wharf logs --timestamps line %q: want an RFC 3339 time, then a line of the log (%v)", l, err)
		}
	}

	follow := c.spawn(t, n.bin, "logs", "-f", "talker", "-n", ns)
	follow.waitLine(t, "marker-two", 10*time.Second)
	podGet(t, ip, "/?third=marker-three")
	follow.waitLine(t, "marker-three", 10*time.Second)
	follow.stop()

	if kubectl, err := lookKubectl(); err == nil {
		if got := lines(c.must("", kubectl, "logs", "talker", "-n", ns, "--tail=2")); len(got) != 2 || !strings.Contains(got[1], "marker-three") {
			t.Errorf("kubectl logs --tail=2: got %q, want 2 lines ending with marker-three", got)
		}
		out := c.must("", kubectl, "logs", "talker", "-n", ns, "-c", "web", "--timestamps")
		if msg := contains(out, "marker-one", "msg=listening"); msg != "" {
			t.Errorf("kubectl logs --timestamps: %s", msg)
		}
	}

	// --previous: the log of the container before its restart.
	podPost(t, ip, "/exit?code=3")
	n.waitPod(t, ns, "talker", 30*time.Second, restarted(1))
	prev := logs("--previous")
	if msg := contains(prev, "marker-one", "msg=exiting reason=requested code=3"); msg != "" {
		t.Errorf("wharf logs --previous: %s", msg)
	}
	if cur := logs(); strings.Contains(cur, "marker-one") || !strings.Contains(cur, "msg=listening") {
		t.Errorf("wharf logs after the restart: got %q, want the new container's log only", cur)
	}
	if kubectl, err := lookKubectl(); err == nil {
		out := c.must("", kubectl, "logs", "-p", "talker", "-n", ns)
		if msg := contains(out, "code=3"); msg != "" {
			t.Errorf("kubectl logs -p: %s", msg)
		}
	}
	// A pod that does not exist is a NotFound error.
	if _, errOut, err := c.run("", n.bin, "logs", "nobody", "-n", ns); err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("wharf logs of a missing pod: err %v, stderr %q; want NotFound", err, errOut)
	}
}
