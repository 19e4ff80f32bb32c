package probe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/meta"
)

// httpProbe is a fixture: an httpGet probe of path on port.
func httpProbe(path string, port meta.IntOrString) *core.Probe {
	return &core.Probe{
		ProbeHandler:   core.ProbeHandler{HTTPGet: &core.HTTPGetAction{Path: path, Port: port}},
		TimeoutSeconds: 1,
	}
}

func serverPort(t *testing.T, s *httptest.Server) int32 {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return int32(p)
}

func TestRunHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("/to-ok", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/to-broken", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/broken", http.StatusFound) })
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://other.invalid/broken", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Check") != "yes" || r.Header.Get("User-Agent") != UserAgent ||
			r.Header.Get("Accept") != "*/*" || r.Host != "app.example" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/own-agent", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "mine" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("deep") != "1" {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tlsSrv := httptest.NewTLSServer(mux)
	t.Cleanup(tlsSrv.Close)

	port := meta.FromInt(serverPort(t, srv))
	target := Target{PodIP: "127.0.0.1", Ports: map[string]int32{"http": serverPort(t, srv)}}

	withHeaders := httpProbe("/headers", port)
	withHeaders.HTTPGet.HTTPHeaders = []core.HTTPHeader{{Name: "X-Check", Value: "yes"}, {Name: "Host", Value: "app.example"}}
	ownAgent := httpProbe("/own-agent", port)
	ownAgent.HTTPGet.HTTPHeaders = []core.HTTPHeader{{Name: "User-Agent", Value: "mine"}}
	https := httpProbe("/ok", meta.FromInt(serverPort(t, tlsSrv)))
	https.HTTPGet.Scheme = core.URISchemeHTTPS
	explicitHost := httpProbe("/ok", port)
	explicitHost.HTTPGet.Host = "127.0.0.1"

	tests := []struct {
		name    string
		probe   *core.Probe
		target  Target
		want    Result
		wantMsg string // a substring of the message
	}{
		{name: "200", probe: httpProbe("/ok", port), target: target, want: Success},
		{name: "404", probe: httpProbe("/missing", port), target: target, want: Failure, wantMsg: "HTTP probe failed with statuscode: 404"},
		{name: "500", probe: httpProbe("/broken", port), target: target, want: Failure, wantMsg: "HTTP probe failed with statuscode: 500"},
		{name: "302 to same host followed to 200", probe: httpProbe("/to-ok", port), target: target, want: Success},
		{name: "302 to same host followed to 500", probe: httpProbe("/to-broken", port), target: target, want: Failure, wantMsg: "statuscode: 500"},
		{name: "302 to other host not followed, success", probe: httpProbe("/elsewhere", port), target: target, want: Success, wantMsg: "probe terminated redirects"},
		{name: "redirect loop", probe: httpProbe("/loop", port), target: target, want: Failure, wantMsg: "stopped after 10 redirects"},
		{name: "headers, user agent, accept and host sent", probe: withHeaders, target: target, want: Success},
		{name: "probe's user agent wins", probe: ownAgent, target: target, want: Success},
		{name: "path with query", probe: httpProbe("/query?deep=1", port), target: target, want: Success},
		{name: "large body read up to the limit", probe: httpProbe("/big", port), target: target, want: Success},
		{name: "named port", probe: httpProbe("/ok", meta.FromString("http")), target: target, want: Success},
		{name: "numeric string port", probe: httpProbe("/ok", meta.FromString(port.String())), target: target, want: Success},
		{name: "unknown named port", probe: httpProbe("/ok", meta.FromString("admin")), target: target, want: Unknown, wantMsg: `port "admin" not found`},
		{name: "explicit host", probe: explicitHost, target: Target{PodIP: "192.0.2.1"}, want: Success},
		{name: "https without verification", probe: https, target: target, want: Success},
		{name: "timeout", probe: httpProbe("/hang", port), target: target, want: Failure, wantMsg: "timed out after 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, msg := Run(context.Background(), tt.probe, tt.target, nil)
			if got != tt.want {
				t.Errorf("got %v (%q), want %v", got, msg, tt.want)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestRunTCP(t *testing.T) {
	open, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { open.Close() })
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	tcp := func(port meta.IntOrString) *core.Probe {
		return &core.Probe{ProbeHandler: core.ProbeHandler{TCPSocket: &core.TCPSocketAction{Port: port}}, TimeoutSeconds: 1}
	}
	openPort := int32(open.Addr().(*net.TCPAddr).Port)
	target := Target{PodIP: "127.0.0.1", Ports: map[string]int32{"db": openPort}}
	tests := []struct {
		name    string
		probe   *core.Probe
		want    Result
		wantMsg string
	}{
		{name: "listening", probe: tcp(meta.FromInt(openPort)), want: Success},
		{name: "named port", probe: tcp(meta.FromString("db")), want: Success},
		{name: "closed port", probe: tcp(meta.FromInt(int32(closedPort))), want: Failure, wantMsg: "connection refused"},
		{name: "port out of range", probe: tcp(meta.FromInt(70000)), want: Unknown, wantMsg: "invalid port number 70000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := Run(context.Background(), tt.probe, target, nil)
			if got != tt.want {
				t.Errorf("got %v (%q), want %v", got, msg, tt.want)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

// fakeExecer answers exec probes with a fixed outcome and records the calls.
type fakeExecer struct {
	code   int
	output string
	err    error
	hang   bool // block until ctx ends
	calls  []execCall
}

type execCall struct {
	ContainerID string
	Cmd         []string
}

func (f *fakeExecer) Exec(ctx context.Context, id string, cmd []string) (int, []byte, error) {
	f.calls = append(f.calls, execCall{id, cmd})
	if f.hang {
		<-ctx.Done()
		return 0, nil, ctx.Err()
	}
	return f.code, []byte(f.output), f.err
}

func TestRunExec(t *testing.T) {
	cmd := []string{"cat", "/tmp/healthy"}
	p := &core.Probe{ProbeHandler: core.ProbeHandler{Exec: &core.ExecAction{Command: cmd}}, TimeoutSeconds: 1}
	tests := []struct {
		name    string
		exec    *fakeExecer
		want    Result
		wantMsg string
	}{
		{name: "exit 0", exec: &fakeExecer{}, want: Success},
		{name: "exit 1 with output", exec: &fakeExecer{code: 1, output: "no such file\n"}, want: Failure, wantMsg: "exited with 1: no such file"},
		{name: "exit 2 silent", exec: &fakeExecer{code: 2}, want: Failure, wantMsg: "exited with 2"},
		{name: "runtime error", exec: &fakeExecer{err: errors.New("container not running")}, want: Unknown, wantMsg: "container not running"},
		{name: "timeout", exec: &fakeExecer{hang: true}, want: Failure, wantMsg: "timed out after 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := Run(context.Background(), p, Target{ContainerID: "c1"}, tt.exec)
			if got != tt.want {
				t.Errorf("got %v (%q), want %v", got, msg, tt.want)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got message %q, want it to contain %q", msg, tt.wantMsg)
			}
			if diff := cmp.Diff([]execCall{{"c1", cmd}}, tt.exec.calls); diff != "" {
				t.Errorf("exec calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunOther(t *testing.T) {
	tests := []struct {
		name    string
		probe   *core.Probe
		want    Result
		wantMsg string
	}{
		{name: "grpc", probe: &core.Probe{ProbeHandler: core.ProbeHandler{GRPC: &core.GRPCAction{Port: 9000}}}, want: Failure, wantMsg: "grpc probes are not supported"},
		{name: "no handler", probe: &core.Probe{}, want: Unknown, wantMsg: "missing probe handler"},
		{name: "exec without runtime", probe: &core.Probe{ProbeHandler: core.ProbeHandler{Exec: &core.ExecAction{Command: []string{"true"}}}}, want: Unknown, wantMsg: "container runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := Run(context.Background(), tt.probe, Target{}, nil)
			if got != tt.want || msg != tt.wantMsg && !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got %v %q, want %v %q", got, msg, tt.want, tt.wantMsg)
			}
		})
	}
}

func TestResultString(t *testing.T) {
	for r, want := range map[Result]string{Unknown: "Unknown", Success: "Success", Failure: "Failure"} {
		if got := r.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
