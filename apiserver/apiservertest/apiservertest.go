// Package apiservertest starts a real Wharf API server, on an embedded etcd
// in a temporary directory, for integration tests of the components that
// are its clients.
package apiservertest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wharf/wharf/api/builtin"
	"github.com/wharf/wharf/api/client"
	"github.com/wharf/wharf/apiserver"
)

// Server is a running API server with an admin client of it.
type Server struct {
	*apiserver.Server
	Client     *client.Client
	Kubeconfig string
}

// Start starts a server and stops it (and waits for it) when the test ends.
// tweak, if given, adjusts the configuration first.
func Start(t testing.TB, tweak ...func(*apiserver.Config)) *Server {
	t.Helper()
	// A short path: the embedded etcd puts a unix socket in it.
	dir, err := os.MkdirTemp("", "wharf-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := apiserver.NewConfig()
	cfg.DataDir, cfg.Port, cfg.CompactionInterval = dir, 0, 0
	for _, f := range tweak {
		f(cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := apiserver.New(cfg, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("API server did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		<-done
		t.Fatal("API server not ready after 60s")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("API server stopped with %v", err)
		}
	})
	ccfg, _, err := client.ConfigFromKubeconfig(srv.KubeconfigPath(), "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(ccfg, builtin.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &Server{Server: srv, Client: c, Kubeconfig: srv.KubeconfigPath()}
}

// Eventually polls check until it returns "" or timeout passes, then fails
// the test with check's last message.
func Eventually(t testing.TB, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, msg)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, with a deadline
	}
}
