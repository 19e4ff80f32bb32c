package ctl

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	cclient "github.com/containerd/containerd/v2/client"
	"github.com/spf13/cobra"

	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/kubeconfig"
	"github.com/wharf/wharf/api/meta"
)

// upRoot is a root command holding `up` and `cleanup`, so that a test can
// run them under a context it cancels.
func upRoot(args ...string) *cobra.Command {
	root := &cobra.Command{Use: "wharf", SilenceErrors: true, SilenceUsage: true}
	(&globalOptions{}).addFlags(root.PersistentFlags())
	root.AddCommand(newUpCommand(), newCleanupCommand())
	root.SetArgs(args)
	return root
}

func TestUpRefusesSimulationFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--simulate", "2"},
		{"--node-name-prefix", "x-"},
		{"--run-duration", "1s"},
	} {
		t.Run(args[0], func(t *testing.T) {
			err := upRoot(append([]string{"up"}, args...)...).ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), args[0]) {
				t.Errorf("got %v, want an error naming %s", err, args[0])
			}
		})
	}
	up := newUpCommand()
	for _, name := range simulationFlags {
		if f := up.Flags().Lookup(name); f == nil || !f.Hidden {
			t.Errorf("flag --%s: got %v, want registered and hidden", name, f)
		}
	}
	for _, name := range []string{"data-dir", "port", "controller-workers", "scheduler-name", "containerd-address", "node-ip", "agent-port", "log-level"} {
		if up.Flags().Lookup(name) == nil {
			t.Errorf("flag --%s: got none, want wharf up to have it", name)
		}
	}
	if got := up.Flags().Lookup("node-ip").DefValue; got != "127.0.0.1" {
		t.Errorf("--node-ip default: got %q, want 127.0.0.1", got)
	}
}

// TestUpNeedsContainerdSocket: with no containerd socket at all, `wharf
// up` fails at once, before starting the control plane.
func TestUpNeedsContainerdSocket(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "none.sock")
	err := upRoot("up", "--data-dir", filepath.Join(dir, "data"), "--port", "0", "--containerd-address", sock,
		"--state-dir", filepath.Join(dir, "state"), "--root-dir", filepath.Join(dir, "root")).ExecuteContext(context.Background())
	for _, want := range []string{sock, "systemctl start containerd"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error mentioning %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
		t.Errorf("data dir: created, want the control plane not started")
	}
}

// TestUpFailsWithTheAgentsError: when containerd does not answer at its
// socket, `wharf up` stops the control plane it started and returns the
// agent's error, which names the socket and how to start containerd.
func TestUpFailsWithTheAgentsError(t *testing.T) {
	dir, err := os.MkdirTemp("", "wharf-up-") // short: etcd puts sockets in it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// A file where the socket should be, which nothing answers on.
	sock := filepath.Join(dir, "dead.sock")
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = upRoot("up", "--data-dir", filepath.Join(dir, "data"), "--port", "0", "--agent-port", "0",
		"--containerd-address", sock, "--state-dir", filepath.Join(dir, "state"), "--root-dir", filepath.Join(dir, "root"),
		"--log-level", "error").ExecuteContext(ctx)
	for _, want := range []string{"node agent", sock, "systemctl start containerd"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error mentioning %q", err, want)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("wharf up returned only at its deadline: %v", ctx.Err())
	}
	// The API server it started is gone.
	kc, err := kubeconfig.Load(filepath.Join(dir, "data", "admin.kubeconfig"))
	if err != nil {
		t.Fatalf("admin kubeconfig: %v", err)
	}
	host := serverHost(t, kc)
	if conn, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		conn.Close()
		t.Errorf("API server %s: still accepting after wharf up returned, want stopped", host)
	}
}

func serverHost(t *testing.T, kc *kubeconfig.Config) string {
	t.Helper()
	for _, c := range kc.Clusters {
		u, err := url.Parse(c.Cluster.Server)
		if err != nil {
			t.Fatal(err)
		}
		return u.Host
	}
	t.Fatal("admin kubeconfig names no cluster")
	return ""
}

// TestUpRunsThisMachineAsANode runs `wharf up` on a private containerd:
// the node becomes Ready at 127.0.0.1, a pod of the test image answers HTTP
// at its IP, its container outlives `wharf up`, and `wharf cleanup` then
// removes the container, the namespace, the bridge and the directories.
func TestUpRunsThisMachineAsANode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs containerd, the control plane and a real container")
	}
	if _, err := exec.LookPath("containerd"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and containerd")
	}
	dir, err := os.MkdirTemp("", "wharf-up-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	address := startTestContainerd(t, dir)
	var b [3]byte
	_, _ = rand.Read(b[:])
	ns := fmt.Sprintf("wharf-up-%x", b)
	importTestImage(t, dir, address, ns)

	state, root := filepath.Join(dir, "state"), filepath.Join(dir, "root")
	bridge := fmt.Sprintf("wu%x", b)
	node := []string{"--containerd-address", address, "--containerd-namespace", ns,
		"--state-dir", state, "--root-dir", root, "--cni-bridge", bridge}
	t.Cleanup(func() {
		if _, err := net.InterfaceByName(bridge); err == nil {
			_ = exec.Command("ip", "link", "del", bridge).Run()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	upCtx, stopUp := context.WithCancel(ctx)
	defer stopUp()
	done := make(chan error, 1)
	data := filepath.Join(dir, "data")
	go func() {
		args := append([]string{"up", "--data-dir", data, "--port", "0", "--agent-port", "0", "--node-name", "up-test",
			"--pod-cidr", fmt.Sprintf("10.253.%d.0/24", b[0]), "--log-level", "error"}, node...)
		done <- upRoot(args...).ExecuteContext(upCtx)
	}()
	waitFor(t, "the admin kubeconfig", func() bool {
		_, err := os.Stat(filepath.Join(data, "admin.kubeconfig"))
		return err == nil
	})
	cl := (&testCluster{kubeconfig: filepath.Join(data, "admin.kubeconfig")}).client(t)
	nodes := client.For[core.Node](cl)
	waitFor(t, "node up-test Ready", func() bool {
		n, err := nodes.Get(ctx, "", "up-test")
		return err == nil && n.Ready()
	})
	n, err := nodes.Get(ctx, "", "up-test")
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Address(core.NodeInternalIP); got != "127.0.0.1" {
		t.Errorf("node InternalIP: got %q, want 127.0.0.1", got)
	}

	pods := client.For[core.Pod](cl)
	if _, err := pods.Create(ctx, "default", &core.Pod{
		ObjectMeta: meta.ObjectMeta{Name: "web"},
		Spec:       core.PodSpec{Containers: []core.Container{{Name: "web", Image: "wharf.local/wharf-test:1"}}},
	}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	var ip string
	waitFor(t, "pod web Running with an IP", func() bool {
		p, err := pods.Get(ctx, "default", "web")
		if err != nil || p.Status.Phase != core.PodRunning || p.Status.PodIP == "" {
			return false
		}
		ip = p.Status.PodIP
		return true
	})
	var body string
	waitFor(t, "the pod to answer HTTP", func() bool {
		resp, err := (&http.Client{Timeout: time.Second}).Get("http://" + net.JoinHostPort(ip, "8080") + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		bb, _ := io.ReadAll(resp.Body)
		body = string(bb)
		return resp.StatusCode == http.StatusOK
	})
	if !strings.Contains(body, "web") {
		t.Errorf("GET pod: got %q, want the pod's hostname web in it", body)
	}

	stopUp()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wharf up: got %v after its context ended, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("wharf up did not stop within 30s of its context ending")
	}
	c, err := cclient.New(address, cclient.WithDefaultNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if cs, err := c.Containers(ctx); err != nil || len(cs) != 1 {
		t.Errorf("containers after wharf up stopped: got %d (%v), want the pod's 1 still there", len(cs), err)
	}

	if err := upRoot(append([]string{"cleanup", "--log-level", "error"}, node...)...).ExecuteContext(ctx); err != nil {
		t.Fatalf("wharf cleanup: %v", err)
	}
	if all, err := c.NamespaceService().List(ctx); err != nil || slices.Contains(all, ns) {
		t.Errorf("containerd namespaces after cleanup: got %v (%v), want no %s", all, err, ns)
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		t.Errorf("bridge %s after cleanup: present, want gone", bridge)
	}
	for _, d := range []string{state, root} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s after cleanup: present, want removed", d)
		}
	}
}

// startTestContainerd runs a containerd of the test's own on a socket in
// dir and stops it when the test ends.
func startTestContainerd(t *testing.T, dir string) string {
	t.Helper()
	address := filepath.Join(dir, "c.sock")
	conf := filepath.Join(dir, "containerd.toml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, `version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
`, filepath.Join(dir, "croot"), filepath.Join(dir, "cstate"), address), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "containerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("containerd", "--config", conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
	})
	waitFor(t, "containerd's socket", func() bool {
		_, err := os.Stat(address)
		return err == nil
	})
	return address
}

// importTestImage builds the test image and imports it into namespace ns.
func importTestImage(t *testing.T, dir, address, ns string) {
	t.Helper()
	out := filepath.Join(dir, "img")
	cmd := exec.Command("../hack/build-test-image.sh", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build test image: %v\n%s", err, b)
	}
	c, err := cclient.New(address, cclient.WithDefaultNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, err := os.Open(filepath.Join(out, "wharf-test-1.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Import(ctx, f); err != nil {
		t.Fatalf("import test image: %v", err)
	}
}
