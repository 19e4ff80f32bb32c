package containerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/containerd/v2/client"

	"github.com/wharf/wharf/nodeagent/containerlog"
)

const testNamespace = "wharf-test"

// testEnv is the private containerd daemon the package's tests share.
type testEnv struct {
	dir     string
	address string
	image   string
}

// env is set by TestMain before any test runs and never changed after.
var env *testEnv

func TestMain(m *testing.M) {
	// The test binary is the containers' logger too (testLogger), as the
	// wharf binary is in production.
	if len(os.Args) > 1 && os.Args[1] == "container-logger" {
		os.Exit(containerlog.Main(os.Args[2:]))
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if _, err := exec.LookPath("containerd"); err != nil || os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "skipping: the containerd runtime tests need root and containerd")
		return 0
	}
	dir, err := os.MkdirTemp("", "wcd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	e, stop, err := startContainerd(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	env = e
	return m.Run()
}

// startContainerd runs a daemon of our own on a socket in dir, builds the
// test image and imports it; stop removes what the tests left and kills
// the daemon.
func startContainerd(dir string) (*testEnv, func(), error) {
	e := &testEnv{dir: dir, address: filepath.Join(dir, "c.sock"), image: "wharf.local/wharf-test:1"}
	conf := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, `version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), e.address), 0o644); err != nil {
		return nil, nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command("containerd", "--config", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, nil, err
	}
	stop := func() {
		cleanupNamespace(e.address)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		// runc leaves the namespace's cgroup directories behind.
		_ = removeCgroupDirs(testNamespace, discardReport())
	}
	if err := waitSocket(e.address, 10*time.Second); err != nil {
		stop()
		return nil, nil, err
	}
	if err := importTestImage(e, dir); err != nil {
		stop()
		return nil, nil, err
	}
	return e, stop, nil
}

func waitSocket(path string, timeout time.Duration) error {
	if !poll(timeout, func() bool { _, err := os.Stat(path); return err == nil }) {
		return fmt.Errorf("containerd socket %s did not appear within %s", path, timeout)
	}
	return nil
}

// poll asks cond every 20ms until it holds or timeout has passed, and says
// whether it held: for state kept by other processes, files and the API.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond) // polling, not synchronising goroutines
	}
	return true
}

func importTestImage(e *testEnv, dir string) error {
	root, err := filepath.Abs("../..")
	if err != nil {
		return err
	}
	out := filepath.Join(dir, "img")
	cmd := exec.Command(filepath.Join(root, "hack", "build-test-image.sh"), out)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build test image: %w\n%s", err, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.New(e.address, client.WithDefaultNamespace(testNamespace))
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := os.Open(filepath.Join(out, "wharf-test-1.tar"))
	if err != nil {
		return err
	}
	defer f.Close()
	imgs, err := c.Import(ctx, f)
	if err != nil {
		return fmt.Errorf("import test image: %w", err)
	}
	for _, i := range imgs {
		if i.Name == e.image {
			return client.NewImage(c, i).Unpack(ctx, snapshotter)
		}
	}
	return fmt.Errorf("import test image: %s not among %v", e.image, imgs)
}

// cleanupNamespace kills and deletes whatever containers a failed test
// left, so that no shim outlives the daemon and no overlay stays mounted.
func cleanupNamespace(address string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.New(address, client.WithDefaultNamespace(testNamespace))
	if err != nil {
		return
	}
	defer c.Close()
	_ = removeContainers(ctx, c, discardReport())
}

// discardReport is a cleanupReport that logs nowhere.
func discardReport() *cleanupReport {
	return &cleanupReport{log: slog.New(slog.DiscardHandler)}
}

// newTestRuntime returns a Runtime on the private daemon with a state
// directory of the test's own.
func newTestRuntime(t *testing.T) *Runtime {
	t.Helper()
	if env == nil {
		t.Skip("no containerd")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := New(ctx, Config{Address: env.address, Namespace: testNamespace, StateDir: t.TempDir(), Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// testLogger has the shim run this test binary as the containers' logger
// (see TestMain).
func testLogger(t *testing.T) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{exe, "container-logger"}
}
