package streaming

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/remotecommand"
	"github.com/wharf/wharf/nodeagent"
)

const (
	testToken   = "s3cret"
	testTimeout = 20 * time.Second
)

// logCall is what the server asked of the backend's ContainerLogs.
type logCall struct {
	Namespace, Pod, Container string
	Previous                  bool
	Opts                      nodeagent.LogOptions
}

// fakeBackend answers with the functions a test sets, recording calls.
type fakeBackend struct {
	mu       sync.Mutex
	logCalls []logCall
	logs     func(ctx context.Context, w io.Writer) error
	exec     func(ctx context.Context, target string, opts nodeagent.ExecOptions) (int, error)
}

func (b *fakeBackend) ContainerLogs(ctx context.Context, namespace, pod, container string, previous bool, opts nodeagent.LogOptions, w io.Writer) error {
	b.mu.Lock()
	b.logCalls = append(b.logCalls, logCall{namespace, pod, container, previous, opts})
	b.mu.Unlock()
	if b.logs == nil {
		return nil
	}
	return b.logs(ctx, w)
}

func (b *fakeBackend) Exec(ctx context.Context, namespace, pod, container string, opts nodeagent.ExecOptions) (int, error) {
	return b.exec(ctx, namespace+"/"+pod+"/"+container, opts)
}

func (b *fakeBackend) calls() []logCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]logCall(nil), b.logCalls...)
}

// testServer is a running Server on a loopback port and a client that
// trusts its certificate.
type testServer struct {
	srv    *Server
	base   string
	tls    *tls.Config
	client *http.Client
}

func startServer(t *testing.T, b Backend) *testServer {
	t.Helper()
	s, err := New(Config{Address: "127.0.0.1", Token: testToken}, b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: got %v, want nil", err)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(s.cert.Leaf)
	tc := &tls.Config{RootCAs: pool}
	ts := &testServer{
		srv:    s,
		base:   fmt.Sprintf("https://127.0.0.1:%d", s.Port()),
		tls:    tc,
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: tc}},
	}
	t.Cleanup(ts.client.CloseIdleConnections)
	return ts
}

func (ts *testServer) get(t *testing.T, ctx context.Context, path, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readStatus(t *testing.T, resp *http.Response) meta.Status {
	t.Helper()
	defer resp.Body.Close()
	var st meta.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("reading a Status: %v", err)
	}
	return st
}

func TestNewRefusesAnEmptyToken(t *testing.T) {
	if _, err := New(Config{Address: "127.0.0.1"}, &fakeBackend{}, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("got no error, want one for a server that would let anyone in")
	}
}

func TestCertificate(t *testing.T) {
	now := time.Now()
	c, err := selfSignedCert("10.1.2.3", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"10.1.2.3", "127.0.0.1", "localhost"} {
		if err := c.Leaf.VerifyHostname(host); err != nil {
			t.Errorf("got %v, want the certificate valid for %s", err, host)
		}
	}
	if got := c.Leaf.NotAfter.Sub(now).Round(time.Hour); got != certValidity {
		t.Errorf("got a validity of %v, want %v", got, certValidity)
	}
}

func TestAuthentication(t *testing.T) {
	ts := startServer(t, &fakeBackend{})
	tests := []struct {
		name     string
		path     string
		token    string
		wantCode int
	}{
		{"health needs no token", "/healthz", "", http.StatusOK},
		{"logs without a token", "/containerLogs/default/web/app", "", http.StatusUnauthorized},
		{"logs with a wrong token", "/containerLogs/default/web/app", "Bearer nope", http.StatusUnauthorized},
		{"exec with a wrong token", "/exec/default/web/app?command=ls&stdout=true", "Bearer nope", http.StatusUnauthorized},
		{"logs with the token", "/containerLogs/default/web/app", "Bearer " + testToken, http.StatusOK},
		{"the scheme is case-insensitive", "/containerLogs/default/web/app", "bearer " + testToken, http.StatusOK},
		{"an unknown path", "/pods", "Bearer " + testToken, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := ts.get(t, context.Background(), tt.path, tt.token)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("got %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if tt.wantCode >= 400 {
				st := readStatus(t, resp)
				if int(st.Code) != tt.wantCode || st.Status != meta.StatusFailure {
					t.Errorf("got Status %+v, want a Failure with code %d", st, tt.wantCode)
				}
				return
			}
			resp.Body.Close()
		})
	}
}

func TestParseLogQuery(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		query        string
		want         nodeagent.LogOptions
		wantPrevious bool
		wantErr      string
	}{
		{"", nodeagent.LogOptions{TailLines: -1}, false, ""},
		{"follow=true&previous=1&timestamps=true", nodeagent.LogOptions{Follow: true, TailLines: -1, Timestamps: true}, true, ""},
		{"tailLines=0", nodeagent.LogOptions{TailLines: 0}, false, ""},
		{"tailLines=10&limitBytes=500", nodeagent.LogOptions{TailLines: 10, LimitBytes: 500}, false, ""},
		{"sinceSeconds=90", nodeagent.LogOptions{TailLines: -1, Since: now.Add(-90 * time.Second)}, false, ""},
		{"sinceTime=2025-06-01T11:00:00Z", nodeagent.LogOptions{TailLines: -1, Since: now.Add(-time.Hour)}, false, ""},
		{"tailLines=-2", nodeagent.LogOptions{}, false, "tailLines"},
		{"tailLines=ten", nodeagent.LogOptions{}, false, "tailLines"},
		{"limitBytes=0", nodeagent.LogOptions{}, false, "limitBytes"},
		{"sinceSeconds=0", nodeagent.LogOptions{}, false, "sinceSeconds"},
		{"sinceTime=yesterday", nodeagent.LogOptions{}, false, "sinceTime"},
		{"sinceSeconds=5&sinceTime=2025-06-01T11:00:00Z", nodeagent.LogOptions{}, false, "at most one"},
		{"follow=maybe", nodeagent.LogOptions{}, false, "follow"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, previous, err := parseLogQuery(q, now)
			if tt.wantErr != "" {
				if !errors.Is(err, errdefs.ErrBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want a BadRequest naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if previous != tt.wantPrevious {
				t.Errorf("got previous %v, want %v", previous, tt.wantPrevious)
			}
		})
	}
}

func TestLogsReachTheBackend(t *testing.T) {
	b := &fakeBackend{logs: func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "line 1\nline 2\n")
		return err
	}}
	ts := startServer(t, b)
	resp := ts.get(t, context.Background(), "/containerLogs/prod/web-1/app?tailLines=2&previous=true&timestamps=true", "Bearer "+testToken)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "line 1\nline 2\n" {
		t.Fatalf("got %d %q, want 200 with the log", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
		t.Errorf("got Content-Type %q, want text/plain", ct)
	}
	want := []logCall{{"prod", "web-1", "app", true, nodeagent.LogOptions{TailLines: 2, Timestamps: true}}}
	if diff := cmp.Diff(want, b.calls()); diff != "" {
		t.Errorf("backend calls (-want +got):\n%s", diff)
	}
}

func TestLogsFollowFlushesEachWrite(t *testing.T) {
	next := make(chan struct{})
	b := &fakeBackend{logs: func(ctx context.Context, w io.Writer) error {
		for i := 1; i <= 3; i++ {
			if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
				return err
			}
			// The next line only once the client has read this one: a
			// write that sat in a buffer would deadlock the test.
			select {
			case <-next:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}}
	ts := startServer(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	resp := ts.get(t, ctx, "/containerLogs/default/web/app?follow=true", "Bearer "+testToken)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for i := 1; i <= 3; i++ {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading line %d: %v", i, err)
		}
		if want := fmt.Sprintf("line %d\n", i); line != want {
			t.Fatalf("got %q, want %q", line, want)
		}
		next <- struct{}{}
	}
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Errorf("got %q after the last line, want the end", rest)
	}
}

func TestLogsErrors(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		logs     func(ctx context.Context, w io.Writer) error
		wantCode int
		wantBody string
	}{
		{"a missing container", "", func(context.Context, io.Writer) error {
			return errdefs.NotFound(errdefs.Resource{Resource: "pods"}, "web")
		}, http.StatusNotFound, `pods \"web\" not found`},
		{"a bad parameter", "?tailLines=x", nil, http.StatusBadRequest, "tailLines"},
		{"a failure half-way keeps what was sent", "", func(_ context.Context, w io.Writer) error {
			io.WriteString(w, "partial\n")
			return errors.New("log file vanished")
		}, http.StatusOK, "partial\n"},
		{"an empty log", "", nil, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &fakeBackend{logs: tt.logs})
			resp := ts.get(t, context.Background(), "/containerLogs/default/web/app"+tt.query, "Bearer "+testToken)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantCode || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

func (ts *testServer) executor(path string, q url.Values) *remotecommand.Executor {
	return &remotecommand.Executor{
		URL:       ts.base + path + "?" + q.Encode(),
		Header:    http.Header{"Authorization": {"Bearer " + testToken}},
		TLSConfig: ts.tls,
	}
}

func TestExecRoundTrip(t *testing.T) {
	type seen struct {
		target string
		opts   nodeagent.ExecOptions
	}
	got := make(chan seen, 1)
	b := &fakeBackend{exec: func(ctx context.Context, target string, opts nodeagent.ExecOptions) (int, error) {
		got <- seen{target, opts}
		in, err := io.ReadAll(opts.Stdin)
		if err != nil {
			return 0, err
		}
		fmt.Fprint(opts.Stdout, strings.ToUpper(string(in)))
		fmt.Fprint(opts.Stderr, "done")
		return 4, nil
	}}
	ts := startServer(t, b)
	q := url.Values{"command": {"tr", "a-z", "A-Z"}}
	remotecommand.Options{Stdin: true, Stdout: true, Stderr: true}.AddTo(q)
	var out, errOut strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := ts.executor("/exec/prod/web-1/app", q).Stream(ctx, remotecommand.StreamOptions{
		Stdin: strings.NewReader("hello"), Stdout: &out, Stderr: &errOut,
	})
	var ee remotecommand.ExitError
	if !errors.As(err, &ee) || ee.Code != 4 {
		t.Fatalf("got error %v, want exit code 4", err)
	}
	if out.String() != "HELLO" || errOut.String() != "done" {
		t.Errorf("got stdout %q, stderr %q, want %q and %q", out.String(), errOut.String(), "HELLO", "done")
	}
	s := <-got
	if s.target != "prod/web-1/app" {
		t.Errorf("got container %q, want prod/web-1/app", s.target)
	}
	if diff := cmp.Diff([]string{"tr", "a-z", "A-Z"}, s.opts.Cmd); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if s.opts.TTY || s.opts.Resize != nil {
		t.Errorf("got TTY %v and a resize channel %v, want neither", s.opts.TTY, s.opts.Resize != nil)
	}
}

func TestExecWithTerminal(t *testing.T) {
	type seen struct {
		tty, stderr bool
		size        nodeagent.TerminalSize
	}
	got := make(chan seen, 1)
	b := &fakeBackend{exec: func(ctx context.Context, _ string, opts nodeagent.ExecOptions) (int, error) {
		s := seen{tty: opts.TTY, stderr: opts.Stderr != nil}
		select {
		case s.size = <-opts.Resize:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		got <- s
		return 0, nil
	}}
	ts := startServer(t, b)
	q := url.Values{"command": {"sh"}}
	remotecommand.Options{Stdin: true, Stdout: true, Stderr: true, TTY: true}.AddTo(q)
	resize := make(chan remotecommand.TerminalSize, 1)
	resize <- remotecommand.TerminalSize{Width: 132, Height: 43}
	stdin, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := ts.executor("/exec/default/web/app", q).Stream(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: io.Discard, Resize: resize})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	want := seen{tty: true, stderr: false, size: nodeagent.TerminalSize{Width: 132, Height: 43}}
	if s := <-got; s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
}

func TestExecRefusals(t *testing.T) {
	b := &fakeBackend{exec: func(ctx context.Context, _ string, opts nodeagent.ExecOptions) (int, error) {
		return 0, errdefs.NotFound(errdefs.Resource{Resource: "pods"}, "web")
	}}
	ts := startServer(t, b)
	tests := []struct {
		name   string
		query  url.Values
		wantIs error
		wantIn string
	}{
		{"no command", url.Values{"stdout": {"true"}}, errdefs.ErrBadRequest, "at least one command"},
		{"no stream", url.Values{"command": {"ls"}}, errdefs.ErrBadRequest, "at least 1 of stdin"},
		{"the backend's error", url.Values{"command": {"ls"}, "stdout": {"true"}}, errdefs.ErrNotFound, `pods "web" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			err := ts.executor("/exec/default/web/app", tt.query).Stream(ctx, remotecommand.StreamOptions{Stdout: io.Discard})
			if !errors.Is(err, tt.wantIs) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("got error %v, want %v containing %q", err, tt.wantIs, tt.wantIn)
			}
		})
	}
}

func TestServeWaitsForExecSessions(t *testing.T) {
	started := make(chan struct{})
	b := &fakeBackend{exec: func(ctx context.Context, _ string, opts nodeagent.ExecOptions) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, errdefs.ServiceUnavailable("the node agent is shutting down")
	}}
	s, err := New(Config{Address: "127.0.0.1", Token: testToken}, b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()

	pool := x509.NewCertPool()
	pool.AddCert(s.cert.Leaf)
	q := url.Values{"command": {"sleep"}, "stdout": {"true"}}
	e := &remotecommand.Executor{
		URL:       fmt.Sprintf("https://127.0.0.1:%d/exec/default/web/app?%s", s.Port(), q.Encode()),
		Header:    http.Header{"Authorization": {"Bearer " + testToken}},
		TLSConfig: &tls.Config{RootCAs: pool},
	}
	streamed := make(chan error, 1)
	go func() { streamed <- e.Stream(context.Background(), remotecommand.StreamOptions{Stdout: io.Discard}) }()
	select {
	case <-started:
	case <-time.After(testTimeout):
		t.Fatal("the exec session never started")
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: got %v, want nil", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("Serve did not return after its context ended")
	}
	// Serve returned only after the session ended, and the client was told why.
	select {
	case err := <-streamed:
		if !errors.Is(err, errdefs.ErrServiceUnavailable) {
			t.Errorf("got error %v, want ServiceUnavailable", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("the client never heard the session end")
	}
}
