//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	apiclient "github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
)

// teardown stops the real node and returns what it found left behind:
// first, with the node still up, anything of the test pods once every test
// namespace is gone (no pod may leave a container, netns or veth); then,
// after SIGTERM and `wharf cleanup`, anything of the node at all. Whatever
// it finds it still removes, so that a failed run does not leave the
// machine dirty for the next one.
func (n *realNode) teardown() []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if n.nodeReady {
		n.deleteTestNamespaces(add)
	}
	if n.client != nil {
		n.client.Close()
	}
	if n.up != nil {
		n.stopUp(add)
		n.runCleanup(add)
		if n.nodeReady {
			n.checkCleaned(add)
		}
	}
	n.scrub()
	if n.registryUp {
		script := filepath.Join(n.repo, "hack", "registry.sh")
		if out, err := exec.Command(script, "stop", filepath.Join(n.dir, "registry")).CombinedOutput(); err != nil {
			add("hack/registry.sh stop: %v: %s", err, out)
		}
	}
	n.stopContainerd(add)
	if mounts := mountsUnder(n.dir); len(mounts) > 0 {
		add("mounts left under %s after containerd stopped: %v", n.dir, mounts)
		for _, m := range slices.Backward(mounts) {
			_ = syscall.Unmount(m, syscall.MNT_DETACH)
		}
	}
	if keep := os.Getenv("WHARF_E2E_LOG_DIR"); keep != "" {
		// For debugging: the logs outlive the temporary directory.
		for _, f := range []string{n.upLog, filepath.Join(n.dir, "containerd.log")} {
			if b, err := os.ReadFile(f); err == nil {
				_ = os.WriteFile(filepath.Join(keep, filepath.Base(f)), b, 0o644)
			}
		}
	}
	if err := os.RemoveAll(n.dir); err != nil {
		add("removing the temporary directory: %v", err)
	}
	return problems
}

// deleteTestNamespaces deletes what the tests left and waits until no
// pod of theirs has anything on the node: no container in containerd, no
// veth on the bridge, no network namespace.
func (n *realNode) deleteTestNamespaces(add func(string, ...any)) {
	ctx := context.Background()
	nss := apiclient.For[core.Namespace](n.client)
	list, err := nss.List(ctx, "", apiclient.ListOptions{})
	if err != nil {
		add("listing namespaces: %v", err)
		return
	}
	for _, ns := range list.Items {
		if strings.HasPrefix(ns.Name, nsPrefix) && ns.DeletionTimestamp == nil {
			if err := nss.Delete(ctx, "", ns.Name, nil); err != nil && !isNotFound(err) {
				add("deleting namespace %s: %v", ns.Name, err)
			}
		}
	}
	var left string
	err = poll(2*time.Minute, func() string {
		left = n.podLeftovers(ctx, nss)
		return left
	})
	if err != nil {
		add("after every test namespace was deleted, still there: %s", left)
	}
}

// podLeftovers says what of the test pods is still on the node, or "".
func (n *realNode) podLeftovers(ctx context.Context, nss *apiclient.Resource[core.Namespace, *core.Namespace]) string {
	var left []string
	if list, err := nss.List(ctx, "", apiclient.ListOptions{}); err != nil {
		left = append(left, "namespaces unknown: "+err.Error())
	} else {
		for _, ns := range list.Items {
			if strings.HasPrefix(ns.Name, nsPrefix) {
				left = append(left, "namespace "+ns.Name)
			}
		}
	}
	if out, err := n.ctr("containers", "ls", "-q"); err != nil {
		left = append(left, "containers unknown: "+err.Error())
	} else if ids := strings.Fields(out); len(ids) > 0 {
		left = append(left, fmt.Sprintf("containers %v", ids))
	}
	if veths, _ := dirNames(filepath.Join("/sys/class/net", n.bridge, "brif")); len(veths) > 0 {
		left = append(left, fmt.Sprintf("veths on %s: %v", n.bridge, veths))
	}
	if ns := netnsMountsUnder(n.dir); len(ns) > 0 {
		left = append(left, fmt.Sprintf("network namespaces %v", ns))
	}
	return strings.Join(left, "; ")
}

// stopUp sends SIGTERM to wharf up and waits for a clean exit.
func (n *realNode) stopUp(add func(string, ...any)) {
	select {
	case <-n.upExited:
		add("wharf up exited before the end of the run:\n%s", n.logTail(30))
		return
	default:
	}
	_ = n.up.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.upExited:
		if code := n.up.ProcessState.ExitCode(); code != 0 {
			add("wharf up exited with %d after SIGTERM:\n%s", code, n.logTail(30))
		}
	case <-time.After(60 * time.Second):
		_ = n.up.Process.Kill()
		<-n.upExited
		add("wharf up ignored SIGTERM for 60s:\n%s", n.logTail(30))
	}
}

// runCleanup runs `wharf cleanup` with the flags wharf up had.
func (n *realNode) runCleanup(add func(string, ...any)) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, n.bin, append([]string{"cleanup"}, n.runtimeFlags()...)...).CombinedOutput()
	if err != nil {
		add("wharf cleanup: %v\n%s", err, out)
	}
}

// checkCleaned looks for anything of the node after `wharf cleanup`, with
// containerd still running.
func (n *realNode) checkCleaned(add func(string, ...any)) {
	if out, err := n.ctr("-n", "default", "namespaces", "ls", "-q"); err != nil {
		add("ctr namespaces ls: %v: %s", err, out)
	} else if slices.Contains(strings.Fields(out), n.namespace) {
		left, _ := n.ctr("containers", "ls", "-q")
		imgs, _ := n.ctr("images", "ls", "-q")
		add("containerd namespace %s after wharf cleanup: present (containers %q, images %q), want gone", n.namespace, strings.Fields(left), strings.Fields(imgs))
	}
	if pids := n.shims(); len(pids) > 0 {
		add("containerd shims after wharf cleanup: pids %v", pids)
	}
	if fileExists(filepath.Join("/sys/class/net", n.bridge)) {
		add("bridge %s after wharf cleanup: present, want gone", n.bridge)
	}
	for _, d := range []string{n.stateDir, n.rootDir} {
		if fileExists(d) {
			add("%s after wharf cleanup: present, want removed", d)
		}
	}
	if ns := netnsMountsUnder(n.dir); len(ns) > 0 {
		add("network namespaces after wharf cleanup: %v", ns)
	}
	if mounts := mountsUnder(n.stateDir); len(mounts) > 0 {
		add("mounts under the state dir after wharf cleanup: %v", mounts)
	}
	if dirs := n.cgroupDirs(); len(dirs) > 0 {
		add("cgroup directories after wharf cleanup: %v", dirs)
	}
	after, _ := dirNames("/run/netns")
	for _, name := range after {
		if !slices.Contains(n.netnsBefore, name) {
			add("/run/netns/%s appeared during the run", name)
		}
	}
}

// cgroupDirs are the cgroup directories of the node's containerd
// namespace (and of the benchmark's ctr runs beside it).
func (n *realNode) cgroupDirs() []string {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", n.namespace))
	more, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", n.namespace+"-*"))
	return append(dirs, more...)
}

// shims are the pids of containerd shims serving the private daemon.
func (n *realNode) shims() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 0 && strings.Contains(filepath.Base(args[0]), "containerd-shim") && slices.Contains(args, n.address) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// scrub removes, best effort, whatever the node left: containers and
// their shims, mounts, the bridge and its veths, cgroup directories. After
// a clean `wharf cleanup` it finds nothing to do.
func (n *realNode) scrub() {
	if n.containerd != nil && !exitedChan(n.cdExited) {
		for _, ns := range []string{n.namespace, n.namespace + "-ctr"} {
			out, _ := n.ctr("-n", ns, "containers", "ls", "-q")
			for _, id := range strings.Fields(out) {
				_, _ = n.ctr("-n", ns, "tasks", "kill", "-s", "KILL", id)
				_ = poll(5*time.Second, func() string {
					if _, err := n.ctr("-n", ns, "tasks", "delete", "-f", id); err != nil {
						return err.Error()
					}
					return ""
				})
				_, _ = n.ctr("-n", ns, "containers", "delete", id)
			}
		}
	}
	for _, pid := range n.shims() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, m := range slices.Backward(mountsUnder(n.stateDir)) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	for _, m := range slices.Backward(mountsUnder(n.rootDir)) {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if veths, _ := dirNames(filepath.Join("/sys/class/net", n.bridge, "brif")); len(veths) > 0 {
		for _, v := range veths {
			_ = exec.Command("ip", "link", "delete", v).Run()
		}
	}
	if fileExists(filepath.Join("/sys/class/net", n.bridge)) {
		_ = exec.Command("ip", "link", "delete", n.bridge).Run()
	}
	for _, d := range n.cgroupDirs() {
		removeCgroupTree(d)
	}
}

// removeCgroupTree removes an empty cgroup directory and its children;
// cgroupfs directories go with rmdir, deepest first.
func removeCgroupTree(dir string) {
	var dirs []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	for _, d := range slices.Backward(dirs) {
		_ = syscall.Rmdir(d)
	}
}

func (n *realNode) stopContainerd(add func(string, ...any)) {
	if n.containerd == nil || exitedChan(n.cdExited) {
		return
	}
	_ = n.containerd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.cdExited:
	case <-time.After(15 * time.Second):
		_ = n.containerd.Process.Kill()
		<-n.cdExited
		add("the private containerd ignored SIGTERM for 15s")
	}
}

func exitedChan(c chan struct{}) bool {
	if c == nil {
		return true
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// mountInfo is one line of /proc/self/mountinfo: where, and what.
type mountInfo struct {
	root, point, fstype string
}

func mounts() []mountInfo {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var ms []mountInfo
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		sep := slices.Index(f, "-")
		if len(f) < 5 || sep < 0 || sep+1 >= len(f) {
			continue
		}
		ms = append(ms, mountInfo{root: unescapeMount(f[3]), point: unescapeMount(f[4]), fstype: f[sep+1]})
	}
	return ms
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder lists the mount points at or below dir, in mount order.
func mountsUnder(dir string) []string {
	var out []string
	for _, m := range mounts() {
		if m.point == dir || strings.HasPrefix(m.point, dir+"/") {
			out = append(out, m.point)
		}
	}
	return out
}

// netnsMountsUnder lists the network namespaces bind-mounted at or below
// dir (a pod's netns is kept alive so).
func netnsMountsUnder(dir string) []string {
	var out []string
	for _, m := range mounts() {
		if m.fstype == "nsfs" && (m.point == dir || strings.HasPrefix(m.point, dir+"/")) {
			out = append(out, m.point)
		}
	}
	return out
}
