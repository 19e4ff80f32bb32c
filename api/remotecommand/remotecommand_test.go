package remotecommand

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wharf/wharf/api/errdefs"
)

// testTimeout bounds every session: a protocol bug shows as a hang.
const testTimeout = 20 * time.Second

// execServer serves ServeExec at /exec with run, parsing the stream flags
// from the query as the node agent does.
func execServer(t *testing.T, run RunFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts, err := ParseOptions(r.URL.Query())
		if err != nil {
			writeStatus(w, errdefs.ToStatus(err))
			return
		}
		ServeExec(w, r, opts, run) //nolint:errcheck // the client sees what matters
	}))
	t.Cleanup(srv.Close)
	return srv
}

func executor(srv *httptest.Server, o Options) *Executor {
	q := url.Values{}
	o.AddTo(q)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &Executor{
		URL:       srv.URL + "/exec?" + q.Encode(),
		TLSConfig: &tls.Config{RootCAs: pool},
	}
}

func stream(t *testing.T, e *Executor, s StreamOptions) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return e.Stream(ctx, s)
}

// within waits for ch to deliver, failing the test when it has not within
// testTimeout; what names what was awaited.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("waited %s for %s", testTimeout, what)
	}
	var zero T
	return zero
}

// echoSizes is a terminal session's command: it prints the first two
// sizes it gets and hands them to sizes. A stderr stream, which a terminal
// does not have, fails it.
func echoSizes(sizes chan<- TerminalSize) RunFunc {
	return func(ctx context.Context, s Streams) (int, error) {
		if s.Stderr != nil {
			return 1, errors.New("a terminal has no stderr")
		}
		for range 2 {
			select {
			case sz, ok := <-s.Resize:
				if !ok {
					return 1, nil
				}
				fmt.Fprintf(s.Stdout, "%dx%d\n", sz.Width, sz.Height)
				sizes <- sz
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		return 0, nil
	}
}

// untilCancelled is a command that closes started, then runs until its
// context ends and reports that context's error on ended.
func untilCancelled(started chan<- struct{}, ended chan<- error) RunFunc {
	return func(ctx context.Context, s Streams) (int, error) {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return 0, ctx.Err()
	}
}

// syncBuffer is a bytes.Buffer safe to read while a session writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestExecResult(t *testing.T) {
	tests := []struct {
		name    string
		code    int
		err     error
		check   func(error) bool
		wantMsg string
	}{
		{"success", 0, nil, func(err error) bool { return err == nil }, ""},
		{"non-zero exit", 3, nil, func(err error) bool {
			var ee ExitError
			return errors.As(err, &ee) && ee.Code == 3
		}, "command terminated with exit code 3"},
		{"exit code beyond a byte", 300, nil, func(err error) bool {
			var ee ExitError
			return errors.As(err, &ee) && ee.Code == 255
		}, "command terminated with exit code 255"},
		{"the command could not run", 0, errdefs.NotFound(errdefs.Resource{Resource: "pods"}, "web"), func(err error) bool {
			return errors.Is(err, errdefs.ErrNotFound)
		}, `pods "web" not found`},
		{"an unexpected failure", 0, errors.New("shim died"), func(err error) bool {
			return errors.Is(err, errdefs.ErrInternal)
		}, "Internal error occurred: shim died"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
				fmt.Fprint(s.Stdout, "ran")
				return tt.code, tt.err
			})
			var out bytes.Buffer
			err := stream(t, executor(srv, Options{Stdout: true}), StreamOptions{Stdout: &out})
			if !tt.check(err) {
				t.Fatalf("got error %v (%T), want %s", err, err, tt.name)
			}
			if err != nil && err.Error() != tt.wantMsg {
				t.Errorf("got message %q, want %q", err.Error(), tt.wantMsg)
			}
			if out.String() != "ran" {
				t.Errorf("got stdout %q, want %q", out.String(), "ran")
			}
		})
	}
}

func TestExitErrorCode(t *testing.T) {
	var err error = fmt.Errorf("exec: %w", ExitError{Code: 7})
	var coded interface{ ExitCode() int }
	if !errors.As(err, &coded) || coded.ExitCode() != 7 {
		t.Fatalf("got %v, want an error with ExitCode() 7", err)
	}
}

func TestStdinEndReachesTheCommand(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		// ReadAll returns only when the client's close signal arrives.
		b, err := io.ReadAll(s.Stdin)
		if err != nil {
			return 0, err
		}
		fmt.Fprint(s.Stdout, strings.ToUpper(string(b)))
		return 0, nil
	})
	// More than one stdin message's worth.
	in := strings.Repeat("hello ", 20000)
	var out bytes.Buffer
	err := stream(t, executor(srv, Options{Stdin: true, Stdout: true}), StreamOptions{Stdin: strings.NewReader(in), Stdout: &out})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if got, want := out.String(), strings.ToUpper(in); got != want {
		t.Errorf("got %d bytes of stdout, want %d (%q...)", len(got), len(want), want[:12])
	}
}

func TestStdoutAndStderrStaySeparate(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		for i := range 3 {
			fmt.Fprintf(s.Stdout, "out%d\n", i)
			fmt.Fprintf(s.Stderr, "err%d\n", i)
		}
		return 0, nil
	})
	var out, errOut bytes.Buffer
	err := stream(t, executor(srv, Options{Stdout: true, Stderr: true}), StreamOptions{Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if got, want := out.String(), "out0\nout1\nout2\n"; got != want {
		t.Errorf("got stdout %q, want %q", got, want)
	}
	if got, want := errOut.String(), "err0\nerr1\nerr2\n"; got != want {
		t.Errorf("got stderr %q, want %q", got, want)
	}
}

func TestTerminalResizesReachTheCommand(t *testing.T) {
	sizes := make(chan TerminalSize)
	srv := execServer(t, echoSizes(sizes))
	resize := make(chan TerminalSize)
	var out syncBuffer
	errc := make(chan error, 1)
	go func() {
		// stdin stays open, as a terminal's does.
		stdin, w := io.Pipe()
		defer w.Close()
		errc <- stream(t, executor(srv, Options{Stdin: true, Stdout: true, Stderr: true, TTY: true}),
			StreamOptions{Stdin: stdin, Stdout: &out, Resize: resize})
	}()
	// Each size goes once the command has taken the one before, so that
	// the one-slot channel never has to drop one.
	var got []TerminalSize
	for _, sz := range []TerminalSize{{80, 24}, {120, 40}} {
		select {
		case resize <- sz:
		case err := <-errc:
			t.Fatalf("the session ended (%v) before size %v was sent", err, sz)
		}
		got = append(got, within(t, sizes, fmt.Sprintf("the command to get size %v", sz)))
	}
	if err := <-errc; err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if diff := cmp.Diff([]TerminalSize{{80, 24}, {120, 40}}, got); diff != "" {
		t.Errorf("sizes (-want +got):\n%s", diff)
	}
	if got, want := out.String(), "80x24\n120x40\n"; got != want {
		t.Errorf("got stdout %q, want %q", got, want)
	}
}

func TestClientCancelEndsTheCommand(t *testing.T) {
	started := make(chan struct{})
	ended := make(chan error, 1)
	srv := execServer(t, untilCancelled(started, ended))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- executor(srv, Options{Stdout: true}).Stream(ctx, StreamOptions{Stdout: io.Discard}) }()
	within(t, started, "the command to start")
	cancel()
	if err := within(t, errc, "Stream to return after its context was cancelled"); !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if err := within(t, ended, "the command's context to end when the client went away"); err == nil {
		t.Errorf("got a live context in the command, want it ended")
	}
}

func TestV4Session(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) {
		fmt.Fprint(s.Stdout, "old")
		return 2, nil
	})
	e := executor(srv, Options{Stdout: true})
	e.Protocols = []string{ProtocolV4}
	var out bytes.Buffer
	err := stream(t, e, StreamOptions{Stdout: &out})
	var ee ExitError
	if !errors.As(err, &ee) || ee.Code != 2 {
		t.Fatalf("got error %v, want exit code 2", err)
	}
	if out.String() != "old" {
		t.Errorf("got stdout %q, want %q", out.String(), "old")
	}
}

func TestRefusedUpgrades(t *testing.T) {
	run := func(ctx context.Context, s Streams) (int, error) { return 0, nil }
	tests := []struct {
		name      string
		protocols []string
		query     string
		wantCode  int
		wantIn    string
	}{
		{"no stream asked for", nil, "tty=true", http.StatusBadRequest, "at least 1 of stdin, stdout, stderr"},
		{"a bad flag", nil, "stdout=maybe", http.StatusBadRequest, `invalid stdout value "maybe"`},
		{"an unknown subprotocol", []string{"channel.k8s.io"}, "stdout=true", http.StatusBadRequest, "v5.channel.k8s.io"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := execServer(t, run)
			e := executor(srv, Options{})
			e.URL = srv.URL + "/exec?" + tt.query
			e.Protocols = tt.protocols
			err := stream(t, e, StreamOptions{Stdout: io.Discard})
			var ae *errdefs.Error
			if !errors.As(err, &ae) {
				t.Fatalf("got error %v (%T), want an *errdefs.Error", err, err)
			}
			if ae.Code != tt.wantCode || !strings.Contains(ae.Message, tt.wantIn) {
				t.Errorf("got %d %q, want %d and a message containing %q", ae.Code, ae.Message, tt.wantCode, tt.wantIn)
			}
		})
	}
}

func TestPlainRequestGetsAStatus(t *testing.T) {
	srv := execServer(t, func(ctx context.Context, s Streams) (int, error) { return 0, nil })
	resp, err := srv.Client().Post(srv.URL+"/exec?stdout=true", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"reason":"BadRequest"`) {
		t.Errorf("got %d %s, want 400 with a BadRequest Status", resp.StatusCode, b)
	}
}

func TestIsUpgradeRequest(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   bool
	}{
		{"websocket", http.Header{"Connection": {"keep-alive, Upgrade"}, "Upgrade": {"websocket"}}, true},
		{"SPDY", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"SPDY/3.1"}}, true},
		{"no upgrade", http.Header{"Connection": {"keep-alive"}}, false},
		{"upgrade without Connection", http.Header{"Upgrade": {"websocket"}}, false},
		{"another protocol", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"h2c"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/exec", nil)
			r.Header = tt.header
			if got := IsUpgradeRequest(r); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		query   string
		want    Options
		wantErr bool
	}{
		{"stdout=true&stderr=true", Options{Stdout: true, Stderr: true}, false},
		{"stdin=1&stdout=1&tty=1", Options{Stdin: true, Stdout: true, TTY: true}, false},
		{"input=1&output=1&error=1", Options{Stdin: true, Stdout: true, Stderr: true}, false},
		{"stdin=true&stdout=true&stderr=true&tty=true", Options{Stdin: true, Stdout: true, TTY: true}, false},
		{"stdout=true&stdin=false", Options{Stdout: true}, false},
		{"tty=true", Options{}, true},
		{"", Options{}, true},
		{"stdout=yes", Options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := ParseOptions(q)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errdefs.ErrBadRequest) {
				t.Errorf("got error %v, want a BadRequest", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOptionsAddTo(t *testing.T) {
	q := url.Values{}
	Options{Stdin: true, Stdout: true, TTY: true}.AddTo(q)
	if got, want := q.Encode(), "stdin=true&stdout=true&tty=true"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
