//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/core"
)

// TestRealGracefulDelete: a deleted pod's process gets SIGTERM (the test
// program logs it and exits at once), so the pod is gone long before its
// 30 s grace period would have ended in a SIGKILL.
func TestRealGracefulDelete(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "graceful")
	const grace = 30 * time.Second
	manifest := strings.Replace(podManifest(ns, "polite", testImage1, ""),
		"terminationGracePeriodSeconds: 10", fmt.Sprintf("terminationGracePeriodSeconds: %d", int(grace.Seconds())), 1)
	n.apply(t, manifest)
	n.waitPod(t, ns, "polite", 60*time.Second, running)
	c := n.cli(t)
	// Follow the log from before the delete: the pod's logs go with it.
	follow := c.spawn(t, n.bin, "logs", "-f", "polite", "-n", ns)
	follow.waitLine(t, "msg=listening", 10*time.Second)

	start := time.Now()
	out := c.must("", n.bin, "delete", "pod", "polite", "-n", ns)
	took := time.Since(start)
	if msg := contains(out, `pod "polite" deleted`); msg != "" {
		t.Error(msg)
	}
	n.waitPodGone(t, ns, "polite", grace)
	if gone := time.Since(start); gone > grace/3 {
		t.Errorf("pod gone %v after the delete (the command took %v): want well within the %v grace period, as the process exits on SIGTERM", gone, took, grace)
	}
	if err := follow.wait(10 * time.Second); err != nil {
		t.Errorf("wharf logs -f after the container stopped: %v", err)
	}
	if !regexp.MustCompile(`msg=terminating signal=terminated`).MatchString(follow.text()) {
		t.Errorf("log of the deleted pod lacks the SIGTERM line \"msg=terminating signal=terminated\":\n%s", follow.text())
	}
}

// podTrace is what a running pod has on the node, found from outside the
// agent: its containers, the network namespace its process is in, the
// host end of its veth, its IP and cgroup directories.
type podTrace struct {
	uid, ip      string
	containerIDs []string
	netnsInode   string // "net:[4026532...]"
	hostVeth     string
}

func (n *realNode) tracePod(t *testing.T, p *core.Pod) podTrace {
	t.Helper()
	tr := podTrace{uid: p.UID, ip: p.Status.PodIP}
	for _, cs := range p.Status.ContainerStatuses {
		tr.containerIDs = append(tr.containerIDs, runtimeID(t, cs.ContainerID))
	}
	out, err := n.ctr("tasks", "ls")
	if err != nil {
		t.Fatalf("ctr tasks ls: %v: %s", err, out)
	}
	var pid string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == tr.containerIDs[0] {
			pid = f[1]
		}
	}
	if pid == "" {
		t.Fatalf("no task of container %s in:\n%s", tr.containerIDs[0], out)
	}
	if tr.netnsInode, err = os.Readlink(filepath.Join("/proc", pid, "ns", "net")); err != nil {
		t.Fatalf("netns of pid %s: %v", pid, err)
	}
	// eth0@ifN in the pod: N is the host end's ifindex.
	b, err := combined("nsenter", "--net=/proc/"+pid+"/ns/net", "ip", "-o", "link", "show", "eth0")
	if err != nil {
		t.Fatalf("nsenter ip link show eth0: %v: %s", err, b)
	}
	m := regexp.MustCompile(`eth0@if(\d+)`).FindStringSubmatch(b)
	if m == nil {
		t.Fatalf("eth0 of pod %s is not a veth: %s", p.Name, b)
	}
	links, _ := filepath.Glob("/sys/class/net/*/ifindex")
	for _, l := range links {
		if idx, _ := os.ReadFile(l); strings.TrimSpace(string(idx)) == m[1] {
			tr.hostVeth = filepath.Base(filepath.Dir(l))
		}
	}
	if tr.hostVeth == "" {
		t.Fatalf("no host interface with ifindex %s (the veth of pod %s)", m[1], p.Name)
	}
	if master, err := os.Readlink(filepath.Join("/sys/class/net", tr.hostVeth, "master")); err != nil || filepath.Base(master) != n.bridge {
		t.Errorf("veth %s of pod %s: master %q, want bridge %s", tr.hostVeth, p.Name, master, n.bridge)
	}
	return tr
}

// leftovers says what of the traced pod is still on the node, or "".
func (n *realNode) leftovers(tr podTrace) string {
	var left []string
	ctrs, _ := n.ctr("containers", "ls", "-q")
	tasks, _ := n.ctr("tasks", "ls", "-q")
	snaps, _ := n.ctr("snapshots", "ls")
	for _, id := range tr.containerIDs {
		if slices.Contains(strings.Fields(ctrs), id) {
			left = append(left, "container "+id)
		}
		if slices.Contains(strings.Fields(tasks), id) {
			left = append(left, "task "+id)
		}
		if strings.Contains(snaps, id) {
			left = append(left, "snapshot "+id)
		}
	}
	for _, m := range mounts() {
		if m.fstype == "nsfs" && m.root == tr.netnsInode {
			left = append(left, "network namespace "+tr.netnsInode+" mounted at "+m.point)
		}
		if strings.Contains(m.point, tr.uid) || slices.ContainsFunc(tr.containerIDs, func(id string) bool { return strings.Contains(m.point, id) }) {
			left = append(left, "mount "+m.point)
		}
	}
	if fileExists(filepath.Join("/sys/class/net", tr.hostVeth)) {
		left = append(left, "veth "+tr.hostVeth)
	}
	// A host-local lease is a file named after the IP; volumes and
	// records are named after the pod's UID or a container's ID.
	for _, dir := range []string{n.stateDir, n.rootDir, filepath.Join("/sys/fs/cgroup/memory", n.namespace), filepath.Join("/sys/fs/cgroup/cpu", n.namespace)} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			base := d.Name()
			if base == tr.ip || strings.Contains(base, tr.uid) || slices.ContainsFunc(tr.containerIDs, func(id string) bool { return strings.Contains(base, id) }) {
				left = append(left, p)
				if d.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
	}
	return strings.Join(left, "; ")
}

// TestRealNothingLeftAfterDelete: once its pods are deleted, nothing of
// them is left on the node: containers, tasks and snapshots in
// containerd, network namespaces, veths, the IP lease, volume
// directories, cgroup directories.
func TestRealNothingLeftAfterDelete(t *testing.T) {
	n := realNodeFor(t)
	t.Parallel()
	ns := n.newNamespace(t, "leftovers")
	manifest := podManifest(ns, "one", testImage1, `    volumeMounts:
    - {name: scratch, mountPath: /scratch}
  volumes:
  - name: scratch
    emptyDir: {}
`) + "---\n" + podManifest(ns, "two", testImage1, "")
	n.apply(t, manifest)
	var traces []podTrace
	for _, name := range []string{"one", "two"} {
		p := n.waitPod(t, ns, name, 60*time.Second, running)
		traces = append(traces, n.tracePod(t, p))
	}
	if traces[0].netnsInode == traces[1].netnsInode {
		t.Errorf("pods one and two share network namespace %s", traces[0].netnsInode)
	}

	n.cli(t).must("", n.bin, "delete", "pods", "--all", "-n", ns)
	for _, name := range []string{"one", "two"} {
		n.waitPodGone(t, ns, name, 30*time.Second)
	}
	for i, tr := range traces {
		var left string
		if err := poll(30*time.Second, func() string { left = n.leftovers(tr); return left }); err != nil {
			t.Errorf("pod %d (uid %s) after its deletion: still there: %s", i+1, tr.uid, left)
		}
	}
	if _, err := n.pods().Get(context.Background(), ns, "one"); !isNotFound(err) {
		t.Errorf("pod one after delete: got %v, want NotFound", err)
	}
}

// combined runs a command and returns its combined output.
func combined(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}
