//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// wharfBin is the binary under test, built by `make build`.
func wharfBin(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../bin/wharf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing: run `make build` first (make e2e does)", p)
	}
	return p
}

// cluster is a `wharf server` process on a temporary data directory.
type cluster struct {
	t          *testing.T
	bin        string
	dataDir    string
	kubeconfig string
	cmd        *exec.Cmd
	log        *bytes.Buffer
	exited     chan struct{}
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "wharf-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := &cluster{t: t, bin: wharfBin(t), dataDir: dir, kubeconfig: filepath.Join(dir, "admin.kubeconfig")}
	c.start()
	t.Cleanup(c.stop)
	return c
}

// start runs the server and waits until it answers /readyz. Port 0 lets it
// pick a free port, which it writes into the kubeconfig.
func (c *cluster) start() {
	c.t.Helper()
	os.Remove(c.kubeconfig)
	c.log = &bytes.Buffer{}
	c.cmd = exec.Command(c.bin, "server", "--data-dir", c.dataDir, "--port", "0", "--log-level", "warn")
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.exited = make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	if err := poll(30*time.Second, func() string {
		if exitedChan(c.exited) {
			c.t.Fatalf("wharf server exited during start-up:\n%s", c.log)
		}
		if !c.ready() {
			return "wharf server is not ready"
		}
		return ""
	}); err != nil {
		c.t.Fatalf("%v:\n%s", err, c.log)
	}
}

func (c *cluster) ready() bool {
	b, err := os.ReadFile(c.kubeconfig)
	if err != nil {
		return false
	}
	i := bytes.Index(b, []byte("server: "))
	if i < 0 {
		return false
	}
	server := strings.TrimSpace(strings.SplitN(string(b[i+len("server: "):]), "\n", 2)[0])
	cl := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := cl.Get(server + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// stop sends SIGTERM and waits for a clean exit.
func (c *cluster) stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		if code := c.cmd.ProcessState.ExitCode(); code != 0 {
			c.t.Errorf("wharf server exited with %d after SIGTERM:\n%s", code, c.log)
		}
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		c.t.Errorf("wharf server ignored SIGTERM for 30s:\n%s", c.log)
	}
}

// run runs a command with the cluster's kubeconfig and returns its output.
func (c *cluster) run(stdin string, name string, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.kubeconfig, "HOME="+c.dataDir)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// must runs a command that has to succeed.
func (c *cluster) must(stdin string, name string, args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(stdin, name, args...)
	if err != nil {
		c.t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// eventually retries check until it returns "" or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	if err := poll(timeout, check); err != nil {
		t.Fatalf("condition %v", err)
	}
}

// kubectlBin is the machine's kubectl; t is skipped without one.
func kubectlBin(t *testing.T) string {
	t.Helper()
	p, err := lookKubectl()
	if err != nil {
		t.Skip("kubectl is not installed on this machine")
	}
	return p
}

// lookKubectl finds the machine's kubectl, for tests that also run
// without it.
func lookKubectl() (string, error) {
	return exec.LookPath("kubectl")
}

func contains(haystack string, needles ...string) string {
	for _, n := range needles {
		if !strings.Contains(haystack, n) {
			return fmt.Sprintf("output lacks %q:\n%s", n, haystack)
		}
	}
	return ""
}
