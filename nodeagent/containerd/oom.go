package containerd

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/containerd/containerd/v2/client"
)

// labelOOMKilled marks a container the kernel's OOM killer hit, as
// containerd's /tasks/oom event said: the event is gone once read, the
// label stays with the container.
const labelOOMKilled = "io.wharf.container.oom-killed"

// reasonOOMKilled is the exit reason of such a container, as Kubernetes
// reports it whatever the exit code (a killed child counts too).
const reasonOOMKilled = "OOMKilled"

// cgroupRoot is where the cgroup file systems are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// markOOMKilled records an OOM kill on the container.
func markOOMKilled(ctx context.Context, c client.Container) error {
	_, err := c.SetLabels(ctx, map[string]string{labelOOMKilled: "true"})
	return err
}

// oomKilled says whether the kernel OOM-killed a process of the container:
// its label says so, or its memory cgroup counts a kill. The cgroup is
// read because the exit event may reach the agent before the OOM event is
// handled, and because no event is seen while no agent listens. The
// cgroup goes with the task, so this is asked before reap deletes it.
func (r *Runtime) oomKilled(id string, labels map[string]string) bool {
	if labels[labelOOMKilled] == "true" {
		return true
	}
	// cgroup v1 keeps the count in memory.oom_control, v2 in
	// memory.events; containerd's cgroup path is /<namespace>/<id>.
	for _, f := range []string{
		filepath.Join(cgroupRoot, "memory", r.cfg.Namespace, id, "memory.oom_control"),
		filepath.Join(cgroupRoot, r.cfg.Namespace, id, "memory.events"),
	} {
		if n, ok := readCounter(f, "oom_kill"); ok {
			return n > 0
		}
	}
	return false
}

// readCounter reads the value of key in a cgroup file of "key value"
// lines.
func readCounter(path, key string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// swapLimitable says whether runc can limit a container's swap: on cgroup
// v1 only when the kernel accounts swap (memory.memsw.*); on v2 runc
// ignores a swap limit of 0 it cannot set.
func swapLimitable() bool {
	if _, err := os.Stat(filepath.Join(cgroupRoot, "memory")); err != nil {
		return true
	}
	_, err := os.Stat(filepath.Join(cgroupRoot, "memory", "memory.memsw.limit_in_bytes"))
	return err == nil
}
