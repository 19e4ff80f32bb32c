package apiserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf/wharf/api/kubeconfig"
)

// testServer is a real API server on an embedded etcd in a temporary
// directory, with an HTTPS client that trusts it.
type testServer struct {
	t      testing.TB
	srv    *Server
	url    string
	token  string
	client *http.Client
	dir    string
	stop   func()
}

func startServer(t testing.TB) *testServer {
	t.Helper()
	return startServerIn(t, shortTempDir(t), nil)
}

// shortTempDir is a temporary directory with a short path: the embedded
// etcd's unix sockets live in it.
func shortTempDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("", "wharf-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func startServerIn(t testing.TB, dir string, tweak func(*Config)) *testServer {
	t.Helper()
	cfg := NewConfig()
	cfg.DataDir = dir
	cfg.Port = 0
	cfg.CompactionInterval = 0
	if tweak != nil {
		tweak(cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv := New(cfg, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("server not ready after 30s")
	}
	ts := &testServer{t: t, srv: srv, dir: dir}
	stopped := false
	ts.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server Run returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("server did not stop within 30s")
		}
	}
	t.Cleanup(ts.stop)

	kc, err := kubeconfig.Load(filepath.Join(dir, AdminKubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	res, err := kc.Resolve("", dir)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(res.CAPEM)
	ts.url, ts.token = res.Server, res.Token
	ts.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64}}
	t.Cleanup(ts.client.CloseIdleConnections)
	return ts
}

type reply struct {
	code   int
	body   []byte
	header http.Header
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// status decodes an error reply's Status reason.
func (r reply) reason(t testing.TB) string {
	t.Helper()
	var st struct {
		Kind   string `json:"kind"`
		Reason string `json:"reason"`
		Code   int    `json:"code"`
	}
	r.decode(t, &st)
	if st.Kind != "Status" || st.Code != r.code {
		t.Fatalf("error reply is not a Status with code %d: %s", r.code, r.body)
	}
	return st.Reason
}

func (ts *testServer) do(method, path string, body any, headers ...string) reply {
	ts.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			ts.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, ts.url+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ts.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return reply{code: resp.StatusCode, body: b, header: resp.Header}
}

// must fails the test unless the reply has the wanted code.
func (ts *testServer) must(want int, method, path string, body any, headers ...string) reply {
	ts.t.Helper()
	r := ts.do(method, path, body, headers...)
	if r.code != want {
		ts.t.Fatalf("%s %s: got %d %s, want %d", method, path, r.code, r.body, want)
	}
	return r
}

// watchStream opens a watch and returns a function yielding its events.
func (ts *testServer) watchStream(ctx context.Context, path string) (func() (string, map[string]any, bool), func()) {
	ts.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+path, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ts.token)
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("watch %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ts.t.Fatalf("watch %s: %d %s", path, resp.StatusCode, b)
	}
	dec := json.NewDecoder(resp.Body)
	next := func() (string, map[string]any, bool) {
		var ev struct {
			Type   string         `json:"type"`
			Object map[string]any `json:"object"`
		}
		if err := dec.Decode(&ev); err != nil {
			return "", nil, false
		}
		return ev.Type, ev.Object, true
	}
	return next, func() { resp.Body.Close() }
}

func configMap(name string, data map[string]string) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name},
		"data":     data,
	}
}

func metaOf(t testing.TB, r reply) (name, rv string, obj map[string]any) {
	t.Helper()
	r.decode(t, &obj)
	md, _ := obj["metadata"].(map[string]any)
	name, _ = md["name"].(string)
	rv, _ = md["resourceVersion"].(string)
	return name, rv, obj
}
