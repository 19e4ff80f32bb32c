package containerd

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/nodeagent"
	"github.com/wharf/wharf/nodeagent/podnet"
	"github.com/wharf/wharf/nodeagent/volume"
)

func TestCleanupRefusesToRemoveTooMuch(t *testing.T) {
	tests := []struct {
		name string
		edit func(*nodeagent.Config)
		want string
	}{
		{"root dir /", func(c *nodeagent.Config) { c.RootDir = "/" }, "--root-dir"},
		{"state dir /run", func(c *nodeagent.Config) { c.StateDir = "/run/" }, "--state-dir"},
		{"relative root dir", func(c *nodeagent.Config) { c.RootDir = "var/lib/wharf" }, "--root-dir"},
		{"foreign namespace", func(c *nodeagent.Config) { c.ContainerdNamespace = "k8s.io" }, "k8s.io"},
		{"no namespace", func(c *nodeagent.Config) { c.ContainerdNamespace = "" }, "--containerd-namespace"},
		{"no bridge", func(c *nodeagent.Config) { c.CNIBridge = "" }, "--cni-bridge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := nodeagent.NewConfig()
			tt.edit(&cfg)
			err := Cleanup(context.Background(), cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

// TestCleanupWithoutContainerd: with no daemon, Cleanup warns and still
// removes the node's directories, twice over without error.
func TestCleanupWithoutContainerd(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	cfg := cleanupTestConfig(t, filepath.Join(t.TempDir(), "none.sock"))
	if err := os.MkdirAll(filepath.Join(cfg.StateDir, "runtime", "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		var logs bytes.Buffer
		if err := Cleanup(context.Background(), cfg, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
			t.Fatalf("Cleanup #%d: got %v, want nil", i+1, err)
		}
		if !strings.Contains(logs.String(), "containerd does not answer") {
			t.Errorf("Cleanup #%d log: got %q, want a warning that containerd does not answer", i+1, logs.String())
		}
	}
	assertNoPath(t, cfg.StateDir)
}

// TestCleanupRemovesEverything runs a pod the way a node does (its own
// containerd namespace, pod network, tmpfs emptyDir), adds a bind mount
// beneath RootDir, runs Cleanup and checks that nothing of the node is
// left, that the bind mount's source survived, and that a second Cleanup
// finds nothing to do.
func TestCleanupRemovesEverything(t *testing.T) {
	if env == nil {
		t.Skip("no containerd")
	}
	ns := "wharf-cleanup-" + randomHex(3)
	cfg := cleanupTestConfig(t, env.address)
	cfg.ContainerdNamespace = ns
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Pods get addresses from a range other than the one Cleanup is given
	// (none: the default), as after a restart with another --pod-cidr.
	n, err := podnet.New(podnet.Config{
		BridgeName: cfg.CNIBridge,
		PodCIDR:    fmt.Sprintf("10.252.%d.0/24", randomByte()),
		StateDir:   filepath.Join(cfg.StateDir, "network"),
	})
	if err != nil {
		t.Fatalf("podnet.New: %v", err)
	}
	r, err := New(ctx, Config{Address: env.address, Namespace: ns, StateDir: filepath.Join(cfg.StateDir, "runtime"), Network: n})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer r.Close()
	f, err := os.Open(filepath.Join(env.dir, "img", "wharf-test-1.tar"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Client().Import(ctx, f)
	f.Close()
	if err != nil {
		t.Fatalf("import test image: %v", err)
	}

	pod := testPod("cleanup")
	pod.Spec.Volumes = []core.Volume{{Name: "scratch", VolumeSource: core.VolumeSource{EmptyDir: &core.EmptyDirVolumeSource{Medium: core.StorageMediumMemory}}}}
	vols := &volume.Manager{Root: filepath.Join(cfg.RootDir, "pods")}
	paths, err := vols.Setup(ctx, pod, nil)
	if err != nil {
		t.Fatalf("volume Setup: %v", err)
	}
	if err := os.WriteFile(filepath.Join(paths["scratch"], "data"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A bind mount beneath RootDir: removing through it would delete its
	// source's files.
	src := t.TempDir()
	sentinel := filepath.Join(src, "keep")
	if err := os.WriteFile(sentinel, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	bind := filepath.Join(cfg.RootDir, "pods", pod.UID, "bind")
	if err := os.MkdirAll(bind, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(src, bind, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind mount: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(bind, unix.MNT_DETACH) })

	sb, err := r.RunPodSandbox(ctx, pod, 0)
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	id, err := r.StartContainer(ctx, sb.ID, testContainer("web"))
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	waitLog(t, r, id, "listening")
	ctr, err := r.Client().LoadContainer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	task, err := ctr.Task(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid := int(task.Pid())

	var logs bytes.Buffer
	if err := Cleanup(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("Cleanup: %v\nlog:\n%s", err, logs.String())
	}
	t.Logf("Cleanup log:\n%s", logs.String())
	for _, want := range []string{"kind=task", "kind=container", "kind=image", "kind=containerd-namespace", "kind=netns", "kind=bridge", "kind=pod-volumes", "kind=directory"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("Cleanup log: want a line with %s, got:\n%s", want, logs.String())
		}
	}

	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("container process %d: alive after Cleanup, want gone", pid)
	}
	namespaces, err := r.Client().NamespaceService().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(namespaces, ns) {
		t.Errorf("containerd namespaces: got %v, want no %s", namespaces, ns)
	}
	if _, err := net.InterfaceByName(cfg.CNIBridge); err == nil {
		t.Errorf("bridge %s: present after Cleanup, want gone", cfg.CNIBridge)
	}
	if isNetNSMounted(t, cfg.StateDir) {
		t.Errorf("mounts under %s after Cleanup: some, want none", cfg.StateDir)
	}
	assertNoPath(t, cfg.StateDir)
	assertNoPath(t, cfg.RootDir)
	if b, err := os.ReadFile(sentinel); err != nil || string(b) != "keep" {
		t.Errorf("bind mount source file: got %q, %v; want it untouched", b, err)
	}
	if dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", ns)); len(dirs) > 0 {
		t.Errorf("cgroup directories after Cleanup: got %v, want none", dirs)
	}

	logs.Reset()
	if err := Cleanup(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("second Cleanup: got %v, want nil", err)
	}
	if !strings.Contains(logs.String(), "nothing to remove") {
		t.Errorf("second Cleanup log: got %q, want it to say there was nothing to remove", logs.String())
	}
}

// cleanupTestConfig is a real node's configuration with directories and a
// bridge of the test's own.
func cleanupTestConfig(t *testing.T, address string) nodeagent.Config {
	t.Helper()
	dir := t.TempDir()
	cfg := nodeagent.NewConfig()
	cfg.ContainerdAddress = address
	cfg.ContainerdNamespace = "wharf-cleanup-" + randomHex(3)
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.RootDir = filepath.Join(dir, "root")
	cfg.CNIBridge = "wc" + randomHex(4)
	t.Cleanup(func() {
		if _, err := net.InterfaceByName(cfg.CNIBridge); err == nil {
			_ = exec.Command("ip", "link", "del", cfg.CNIBridge).Run()
		}
	})
	return cfg
}

func assertNoPath(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		t.Errorf("%s: present after Cleanup, want removed", p)
	}
}

func isNetNSMounted(t *testing.T, dir string) bool {
	t.Helper()
	points, err := volume.MountPointsUnder(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(points) > 0
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func randomByte() byte {
	var b [1]byte
	_, _ = rand.Read(b[:])
	return b[0]
}
