package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// newTestServer pins what the server reads from the host and returns the
// HTTP test server plus the captured log.
func newTestServer(t *testing.T, exitCh chan exitRequest) (*httptest.Server, *strings.Builder) {
	t.Helper()
	var logs strings.Builder
	s := newServer(slog.New(slog.NewTextHandler(&logs, nil)), exitCh)
	s.hostname = func() (string, error) { return "web-0", nil }
	s.addrs = func() ([]net.Addr, error) {
		return []net.Addr{
			&net.IPNet{IP: net.ParseIP("127.0.0.1"), Mask: net.CIDRMask(8, 32)},
			&net.IPNet{IP: net.ParseIP("10.88.0.7"), Mask: net.CIDRMask(16, 32)},
		}, nil
	}
	s.environ = func() []string { return []string{"VERSION=2", "PATH=/bin", "EMPTY=", "EQ=a=b"} }
	ts := httptest.NewServer(s.routes())
	t.Cleanup(ts.Close)
	return ts, &logs
}

func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestInfo(t *testing.T) {
	ts, logs := newTestServer(t, nil)
	status, body := do(t, "GET", ts.URL+"/")
	if status != http.StatusOK {
		t.Fatalf("GET / status: got %d, want 200 (body %q)", status, body)
	}
	var got Info
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET / body %q: %v", body, err)
	}
	want := Info{
		Hostname: "web-0",
		PodIP:    "10.88.0.7",
		Version:  "2",
		Env:      map[string]string{"VERSION": "2", "PATH": "/bin", "EMPTY": "", "EQ": "a=b"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET / (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "uri=/ status=200") {
		t.Errorf("log: got %q, want a request line for / with status 200", logs.String())
	}
}

func TestUnknownPath(t *testing.T) {
	ts, _ := newTestServer(t, nil)
	if status, _ := do(t, "GET", ts.URL+"/nope"); status != http.StatusNotFound {
		t.Errorf("GET /nope status: got %d, want 404", status)
	}
}

func TestPodIP(t *testing.T) {
	ipnet := func(s string) net.Addr { return &net.IPNet{IP: net.ParseIP(s)} }
	tests := []struct {
		name  string
		addrs []net.Addr
		want  string
	}{
		{"none", nil, ""},
		{"only loopback", []net.Addr{ipnet("127.0.0.1"), ipnet("::1")}, ""},
		{"ipv4 after loopback", []net.Addr{ipnet("127.0.0.1"), ipnet("10.0.0.2")}, "10.0.0.2"},
		{"ipv4 preferred over earlier ipv6", []net.Addr{ipnet("fd00::5"), ipnet("10.0.0.3")}, "10.0.0.3"},
		{"link-local skipped", []net.Addr{ipnet("fe80::1"), ipnet("169.254.1.1"), ipnet("fd00::5")}, "fd00::5"},
		{"first of several", []net.Addr{ipnet("10.0.0.4"), ipnet("10.0.0.5")}, "10.0.0.4"},
		{"non-IPNet ignored", []net.Addr{&net.IPAddr{IP: net.ParseIP("10.0.0.9")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podIP(tt.addrs); got != tt.want {
				t.Errorf("podIP: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	ts, _ := newTestServer(t, nil)
	steps := []struct {
		method, path string
		wantStatus   int
	}{
		{"GET", "/healthz", 200},
		{"POST", "/healthz/fail", 200},
		{"GET", "/healthz", 500},
		{"GET", "/healthz", 500},
		{"POST", "/healthz/ok", 200},
		{"GET", "/healthz", 200},
		{"GET", "/healthz/fail", 405},
	}
	for i, st := range steps {
		if status, body := do(t, st.method, ts.URL+st.path); status != st.wantStatus {
			t.Fatalf("step %d %s %s: got %d (%q), want %d", i, st.method, st.path, status, body, st.wantStatus)
		}
	}
}

func TestExitRequests(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       *exitRequest
	}{
		{"exit code", "/exit?code=3", 200, &exitRequest{code: 3}},
		{"exit zero", "/exit?code=0", 200, &exitRequest{code: 0}},
		{"exit missing code", "/exit", 400, nil},
		{"exit code out of range", "/exit?code=256", 400, nil},
		{"crash", "/crash", 200, &exitRequest{crash: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exitCh := make(chan exitRequest, 1)
			ts, _ := newTestServer(t, exitCh)
			if status, body := do(t, "POST", ts.URL+tt.path); status != tt.wantStatus {
				t.Fatalf("POST %s: got %d (%q), want %d", tt.path, status, body, tt.wantStatus)
			}
			var got *exitRequest
			select {
			case r := <-exitCh:
				got = &r
			default:
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(exitRequest{})); diff != "" {
				t.Errorf("exit request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExitOnlyOnce(t *testing.T) {
	exitCh := make(chan exitRequest, 1)
	ts, _ := newTestServer(t, exitCh)
	if status, _ := do(t, "POST", ts.URL+"/exit?code=1"); status != 200 {
		t.Fatalf("first /exit: got %d, want 200", status)
	}
	if status, _ := do(t, "POST", ts.URL+"/crash"); status != http.StatusConflict {
		t.Errorf("second request while exiting: got %d, want 409", status)
	}
}

func TestAlloc(t *testing.T) {
	ts, _ := newTestServer(t, nil)
	tests := []struct {
		query      string
		wantStatus int
		want       AllocResult
	}{
		{"mb=2", 200, AllocResult{AllocatedMiB: 2, TotalMiB: 2}},
		{"mb=1", 200, AllocResult{AllocatedMiB: 1, TotalMiB: 3}},
		{"", 400, AllocResult{}},
		{"mb=0", 400, AllocResult{}},
		{"mb=-4", 400, AllocResult{}},
		{"mb=x", 400, AllocResult{}},
	}
	// Sequential on purpose: the total accumulates across requests.
	for _, tt := range tests {
		status, body := do(t, "GET", ts.URL+"/alloc?"+tt.query)
		if status != tt.wantStatus {
			t.Fatalf("/alloc?%s: got %d (%q), want %d", tt.query, status, body, tt.wantStatus)
		}
		if status != 200 {
			continue
		}
		var got AllocResult
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("/alloc?%s body %q: %v", tt.query, body, err)
		}
		if got != tt.want {
			t.Errorf("/alloc?%s: got %+v, want %+v", tt.query, got, tt.want)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte("value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// configMap volumes expose keys as symlinks into a ..data directory.
	if err := os.Symlink("key", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	ts, _ := newTestServer(t, nil)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"file", filepath.Join(dir, "key"), 200, "value\n"},
		{"empty file", filepath.Join(dir, "other"), 200, ""},
		{"symlink", filepath.Join(dir, "link"), 200, "value\n"},
		{"directory", dir, 200, "key\nlink\nother\n"},
		{"missing", filepath.Join(dir, "missing"), 404, ""},
		{"no path", "", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, "GET", ts.URL+"/files?path="+tt.path)
			if status != tt.wantStatus {
				t.Fatalf("status: got %d (%q), want %d", status, body, tt.wantStatus)
			}
			if status == 200 && body != tt.wantBody {
				t.Errorf("body: got %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	t.Setenv("PORT", "9090")
	tests := []struct {
		name    string
		args    []string
		want    options
		wantErr bool
	}{
		{"defaults from PORT", nil, options{addr: ":9090"}, false},
		{"sleep flag", []string{"--sleep"}, options{addr: ":9090", sleep: true}, false},
		{"sleep subcommand", []string{"sleep", "--exit-after", "2s"}, options{addr: ":9090", sleep: true, exitAfter: 2e9}, false},
		{"exit code", []string{"-exit-after=1ms", "-exit-code=4"}, options{addr: ":9090", exitAfter: 1e6, exitCode: 4}, false},
		{"one-shot modes", []string{"-echo", "hi", "-echo-stderr", "ho", "-print-file", "/etc/hosts", "-print-env", "-cat", "-tty"},
			options{addr: ":9090", echo: "hi", echoStderr: "ho", printFile: "/etc/hosts", printEnv: true, cat: true, tty: true}, false},
		{"alloc", []string{"--sleep", "--alloc-mb", "100"}, options{addr: ":9090", sleep: true, allocMiB: 100}, false},
		{"alloc out of range", []string{"--alloc-mb", "-1"}, options{}, true},
		{"stray argument", []string{"serve"}, options{}, true},
		{"bad duration", []string{"-exit-after", "soon"}, options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error: got %v, want error %t", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(options{})); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
