package storage

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testLogger sends etcd's warnings to the test log, so that a failing test
// shows them and a passing one stays quiet.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// startEtcd starts an embedded etcd in a fresh directory and stops it when
// the test ends.
func startEtcd(t testing.TB) *Embedded {
	t.Helper()
	return startEtcdIn(t, t.TempDir())
}

func startEtcdIn(t testing.TB, dir string) *Embedded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := StartEmbedded(ctx, EmbeddedConfig{Dir: dir}, testLogger(t))
	if err != nil {
		t.Fatalf("StartEmbedded(%s): %v", dir, err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func TestEmbeddedSideBySide(t *testing.T) {
	ctx := testContext(t)
	a, b := startEtcd(t), startEtcd(t)
	if a.Endpoint() == b.Endpoint() {
		t.Fatalf("both servers listen on %s", a.Endpoint())
	}
	for _, e := range []*Embedded{a, b} {
		if !strings.HasPrefix(e.Endpoint(), "unix://") {
			t.Errorf("got endpoint %s, want a unix socket", e.Endpoint())
		}
	}
	if _, err := a.Client().Put(ctx, "only-in-a", "1"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	resp, err := b.Client().Get(ctx, "only-in-a")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if len(resp.Kvs) != 0 {
		t.Errorf("got the key written to a in b, want two separate stores")
	}
}

func TestEmbeddedRestartKeepsData(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	e := startEtcdIn(t, dir)
	if _, err := e.Client().Put(ctx, "k", "v"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}

	e = startEtcdIn(t, dir)
	resp, err := e.Client().Get(ctx, "k")
	if err != nil {
		t.Fatalf("Get after restart: %v", err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
		t.Errorf("got %v after restart, want k=v", resp.Kvs)
	}
}

func TestEmbeddedLongDirUsesLoopback(t *testing.T) {
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	e := startEtcdIn(t, dir)
	if !strings.HasPrefix(e.Endpoint(), "http://127.0.0.1:") || strings.HasSuffix(e.Endpoint(), ":0") {
		t.Fatalf("got endpoint %s, want loopback with a picked port", e.Endpoint())
	}
	c, err := Connect(ctx, []string{e.Endpoint()})
	if err != nil {
		t.Fatalf("Connect(%s): %v", e.Endpoint(), err)
	}
	defer c.Close()
	if _, err := c.Put(ctx, "k", "v"); err != nil {
		t.Errorf("Put over loopback: %v", err)
	}
}

func TestStartEmbeddedUndoesOnTimeout(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if e, err := StartEmbedded(ctx, EmbeddedConfig{Dir: dir}, testLogger(t)); err == nil {
		e.Close()
		t.Fatalf("StartEmbedded with a cancelled context: got no error, want one")
	}
	// The failed start released the data directory and the socket.
	e := startEtcdIn(t, dir)
	if _, err := e.Client().Put(testContext(t), "k", "v"); err != nil {
		t.Errorf("Put after a failed start: %v", err)
	}
}

func TestStartEmbeddedRefusesEmptyDir(t *testing.T) {
	if _, err := StartEmbedded(testContext(t), EmbeddedConfig{}, testLogger(t)); err == nil {
		t.Errorf("got no error for an empty Dir, want one")
	}
}

func TestConnect(t *testing.T) {
	e := startEtcd(t)
	t.Run("answers", func(t *testing.T) {
		c, err := Connect(testContext(t), []string{e.Endpoint()})
		if err != nil {
			t.Fatalf("Connect(%s): %v", e.Endpoint(), err)
		}
		defer c.Close()
		if _, err := c.Put(testContext(t), "k", "v"); err != nil {
			t.Errorf("Put: %v", err)
		}
	})
	t.Run("nobody listens", func(t *testing.T) {
		// A port that was free a moment ago, and is closed now.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := "http://" + l.Addr().String()
		l.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := Connect(ctx, []string{addr})
		if err == nil {
			c.Close()
			t.Fatalf("Connect(%s): got no error, want one", addr)
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("got error %q, want it to name %s", err, addr)
		}
	})
	t.Run("no endpoints", func(t *testing.T) {
		if _, err := Connect(testContext(t), nil); err == nil {
			t.Errorf("got no error, want one")
		}
	})
}

// testContext bounds a test's etcd calls, so that a hang fails the test
// instead of the whole run.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
