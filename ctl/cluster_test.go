package ctl

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/apiserver"
	"github.com/wharf/wharf/controller"
	"github.com/wharf/wharf/scheduler"
)

// testCluster is a real API server on an embedded etcd in a temporary
// directory, which tests drive with the wharf command tree in-process.
type testCluster struct {
	kubeconfig string
}

// startCluster starts a server and stops it (waiting for Run to return)
// when the test ends.
func startCluster(t *testing.T) *testCluster {
	t.Helper()
	// A short path: the embedded etcd puts unix sockets in it.
	dir, err := os.MkdirTemp("", "wharf-ctl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := apiserver.NewConfig()
	cfg.DataDir = dir
	cfg.Port = 0
	cfg.CompactionInterval = 0
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := apiserver.New(cfg, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// The whole control plane, as `wharf server` runs it: deleted
	// namespaces are emptied and go away.
	go func() { done <- runControlPlane(ctx, srv, controller.NewManagerConfig(), scheduler.NewConfig(), log) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		<-done
		t.Fatal("server not ready after 60s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	return &testCluster{kubeconfig: srv.KubeconfigPath()}
}

// result is what one wharf command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// wharf runs the command line args against the cluster, with stdin.
func (c *testCluster) wharf(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, append([]string{"--kubeconfig", c.kubeconfig}, args...), streams{in: strings.NewReader(stdin), out: &out, errOut: &errOut})
	return result{out.String(), errOut.String(), code}
}

// mustWharf runs a command that must succeed and returns its stdout.
func (c *testCluster) mustWharf(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := c.wharf(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("wharf %s: exit code %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// client is a direct API client, for changes made by "someone else".
func (c *testCluster) client(t *testing.T) *client.Client {
	t.Helper()
	cfg, _, err := client.ConfigFromKubeconfig(c.kubeconfig, "")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.New(cfg, builtin.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// syncBuffer is a buffer that a command writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		timer := time.NewTimer(20 * time.Millisecond)
		<-timer.C
	}
}
