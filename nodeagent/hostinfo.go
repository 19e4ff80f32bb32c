package nodeagent

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wharf/wharf/api/core"
)

// hostInfo is what a real node reports of the machine, as the kubelet
// reads it: machine and boot IDs, kernel and OS. Missing files leave
// fields empty rather than failing the node.
func hostInfo() core.NodeSystemInfo {
	var info core.NodeSystemInfo
	info.MachineID = readTrimmed("/etc/machine-id")
	info.SystemUUID = strings.ToLower(readTrimmed("/sys/class/dmi/id/product_uuid"))
	info.BootID = readTrimmed("/proc/sys/kernel/random/boot_id")
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		info.KernelVersion = unix.ByteSliceToString(u.Release[:])
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		info.OSImage = osPrettyName(b)
	}
	return info
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// osPrettyName is os-release's PRETTY_NAME ("Debian GNU/Linux 12
// (bookworm)").
func osPrettyName(osRelease []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(osRelease))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// runtimeCheckInterval is how often a real node asks its runtime whether
// it answers; runtimeCheckTimeout how long it waits for the answer.
const (
	runtimeCheckInterval = 10 * time.Second
	runtimeCheckTimeout  = 5 * time.Second
)

// watchRuntime keeps the node's Ready condition honest about the runtime:
// while containerd does not answer, the node is not Ready (as the kubelet
// reports "container runtime is down"), so that no pod is placed on it.
func (a *Agent) watchRuntime(ctx context.Context) {
	for a.sleep(ctx, a.runtimeCheck) {
		cctx, cancel := context.WithTimeout(ctx, runtimeCheckTimeout)
		_, err := a.rt.Version(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		msg := ""
		if err != nil {
			msg = "container runtime is down: " + err.Error()
		}
		if msg == a.runtimeProblem() {
			continue
		}
		a.runtimeDown.Store(&msg) // only this loop writes it
		if msg != "" {
			a.log.Warn("the container runtime does not answer; the node is not Ready", "err", err)
		} else {
			a.log.Info("the container runtime answers again; the node is Ready")
		}
		a.nodeChanged()
	}
}

// runtimeProblem is why the runtime is down, or "".
func (a *Agent) runtimeProblem() string {
	if p := a.runtimeDown.Load(); p != nil {
		return *p
	}
	return ""
}
