package ctl

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wharf/wharf/api/core"
	"github.com/wharf/wharf/api/errdefs"
	"github.com/wharf/wharf/api/kubeconfig"
	"github.com/wharf/wharf/api/meta"
	"github.com/wharf/wharf/api/remotecommand"
)

const (
	execTestToken   = "exec-token"
	execTestTimeout = 20 * time.Second
)

// execAPI is an API server that knows some pods and serves their exec
// subresource with api/remotecommand, running a few pretend commands.
type execAPI struct {
	srv  *httptest.Server
	pods map[string]*core.Pod // by "namespace/name"
	// tty, when set, runs the command "tty".
	tty func(ctx context.Context, s remotecommand.Streams) (int, error)

	mu      sync.Mutex
	queries []url.Values
}

func newExecAPI(t *testing.T, pods ...*core.Pod) *execAPI {
	t.Helper()
	a := &execAPI{pods: map[string]*core.Pod{}}
	for _, p := range pods {
		a.pods[p.Namespace+"/"+p.Name] = p
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}", a.getPod)
	mux.HandleFunc("GET /api/v1/namespaces/{ns}/pods/{name}/exec", a.exec)
	mux.HandleFunc("POST /api/v1/namespaces/{ns}/pods/{name}/exec", a.exec)
	a.srv = httptest.NewTLSServer(mux)
	t.Cleanup(a.srv.Close)
	return a
}

func execReply(w http.ResponseWriter, err error) {
	st := errdefs.ToStatus(err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	json.NewEncoder(w).Encode(st) //nolint:errcheck
}

func (a *execAPI) getPod(w http.ResponseWriter, r *http.Request) {
	p, ok := a.pods[r.PathValue("ns")+"/"+r.PathValue("name")]
	if !ok {
		execReply(w, errdefs.NotFound(errdefs.Resource{Resource: "pods"}, r.PathValue("name")))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(p) //nolint:errcheck
}

func (a *execAPI) exec(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+execTestToken {
		execReply(w, errdefs.Unauthorized("Unauthorized"))
		return
	}
	q := r.URL.Query()
	a.mu.Lock()
	a.queries = append(a.queries, q)
	a.mu.Unlock()
	opts, err := remotecommand.ParseOptions(q)
	if err != nil {
		execReply(w, err)
		return
	}
	cmd := q["command"]
	remotecommand.ServeExec(w, r, opts, func(ctx context.Context, s remotecommand.Streams) (int, error) { //nolint:errcheck
		switch cmd[0] {
		case "echo":
			fmt.Fprintln(s.Stdout, strings.Join(cmd[1:], " "))
			return 0, nil
		case "cat":
			_, err := io.Copy(s.Stdout, s.Stdin)
			return 0, err
		case "exit":
			fmt.Fprintln(s.Stderr, "bye")
			return strconv.Atoi(cmd[1])
		case "tty":
			if a.tty != nil {
				return a.tty(ctx, s)
			}
		}
		return 0, fmt.Errorf("%s: executable file not found in $PATH", cmd[0])
	})
}

func (a *execAPI) lastQuery() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.queries) == 0 {
		return nil
	}
	return a.queries[len(a.queries)-1]
}

// kubeconfig writes a kubeconfig for the server and returns its path.
func (a *execAPI) kubeconfig(t *testing.T) string {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.srv.Certificate().Raw})
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := kubeconfig.New("test", a.srv.URL, ca, execTestToken).Write(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func execPod(name string, phase core.PodPhase, containers ...string) *core.Pod {
	p := &core.Pod{
		TypeMeta:   meta.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: meta.ObjectMeta{Name: name, Namespace: "default"},
		Status:     core.PodStatus{Phase: phase},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, core.Container{Name: c, Image: "wharf.local/wharf-test:1"})
	}
	return p
}

// wharfExec runs `wharf exec args...` against a and returns the command's
// error and what it printed.
func (a *execAPI) wharfExec(t *testing.T, in io.Reader, args ...string) (err error, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = a.wharfExecStreams(t, streams{in: in, out: &out, errOut: &errOut}, args...)
	return err, out.String(), errOut.String()
}

func (a *execAPI) wharfExecStreams(t *testing.T, s streams, args ...string) error {
	t.Helper()
	g := &globalOptions{kubeconfig: a.kubeconfig(t), requestTimeout: "0"}
	cmd := newExecCommand(g, s)
	cmd.SetArgs(args)
	cmd.SetIn(s.in)
	cmd.SetOut(s.out)
	cmd.SetErr(s.errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	ctx, cancel := context.WithTimeout(context.Background(), execTestTimeout)
	defer cancel()
	return cmd.ExecuteContext(ctx)
}

func TestExecCommand(t *testing.T) {
	a := newExecAPI(t,
		execPod("web", core.PodRunning, "app"),
		execPod("duo", core.PodRunning, "main", "sidecar"),
		execPod("done", core.PodSucceeded, "app"),
	)
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantOut    string
		wantErrOut string
		wantQuery  url.Values
	}{
		{
			name:      "the pod's only container",
			args:      []string{"web", "--", "echo", "hello", "-n"},
			wantOut:   "hello -n\n",
			wantQuery: url.Values{"command": {"echo", "hello", "-n"}, "container": {"app"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:      "stdin reaches the command and ends",
			stdin:     "some input\n",
			args:      []string{"-i", "web", "--", "cat"},
			wantOut:   "some input\n",
			wantQuery: url.Values{"command": {"cat"}, "container": {"app"}, "stdin": {"true"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:       "a container of several says which it picked",
			args:       []string{"duo", "--", "echo", "hi"},
			wantOut:    "hi\n",
			wantErrOut: `Defaulted container "main" out of: main, sidecar` + "\n",
			wantQuery:  url.Values{"command": {"echo", "hi"}, "container": {"main"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:      "-c picks the container, flags after the pod",
			args:      []string{"duo", "-c", "sidecar", "--", "echo", "hi"},
			wantOut:   "hi\n",
			wantQuery: url.Values{"command": {"echo", "hi"}, "container": {"sidecar"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:      "-q keeps the picking quiet",
			args:      []string{"-q", "duo", "--", "echo", "hi"},
			wantOut:   "hi\n",
			wantQuery: url.Values{"command": {"echo", "hi"}, "container": {"main"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:      "the command without --",
			args:      []string{"web", "echo", "old", "style"},
			wantOut:   "old style\n",
			wantQuery: url.Values{"command": {"echo", "old", "style"}, "container": {"app"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:       "-t without a terminal warns and goes on without",
			stdin:      "typed\n",
			args:       []string{"-it", "web", "--", "cat"},
			wantOut:    "typed\n",
			wantErrOut: "Unable to use a TTY - input is not a terminal or the right kind of file\n",
			wantQuery:  url.Values{"command": {"cat"}, "container": {"app"}, "stdin": {"true"}, "stdout": {"true"}, "stderr": {"true"}},
		},
		{
			name:      "-t without -i asks for no terminal",
			args:      []string{"-t", "web", "--", "echo", "x"},
			wantOut:   "x\n",
			wantQuery: url.Values{"command": {"echo", "x"}, "container": {"app"}, "stdout": {"true"}, "stderr": {"true"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, out, errOut := a.wharfExec(t, strings.NewReader(tt.stdin), tt.args...)
			if err != nil {
				t.Fatalf("got error %v, want none (stderr %q)", err, errOut)
			}
			if out != tt.wantOut {
				t.Errorf("got stdout %q, want %q", out, tt.wantOut)
			}
			if errOut != tt.wantErrOut {
				t.Errorf("got stderr %q, want %q", errOut, tt.wantErrOut)
			}
			if got := a.lastQuery(); got.Encode() != tt.wantQuery.Encode() {
				t.Errorf("got query %s, want %s", got.Encode(), tt.wantQuery.Encode())
			}
		})
	}
}

func TestExecExitCode(t *testing.T) {
	a := newExecAPI(t, execPod("web", core.PodRunning, "app"))
	err, _, errOut := a.wharfExec(t, strings.NewReader(""), "web", "--", "exit", "3")
	var coded interface{ ExitCode() int }
	if !errors.As(err, &coded) || coded.ExitCode() != 3 {
		t.Fatalf("got error %v, want one carrying exit code 3", err)
	}
	if err.Error() != "command terminated with exit code 3" {
		t.Errorf("got message %q, want kubectl's %q", err.Error(), "command terminated with exit code 3")
	}
	if errOut != "bye\n" {
		t.Errorf("got stderr %q, want the command's %q", errOut, "bye\n")
	}
}

func TestExecFailures(t *testing.T) {
	a := newExecAPI(t, execPod("web", core.PodRunning, "app"), execPod("done", core.PodSucceeded, "app"))
	tests := []struct {
		name   string
		args   []string
		wantIs error
		wantIn string
	}{
		{"no pod", []string{"--", "date"}, nil, "pod or type/name must be specified"},
		{"no arguments", nil, nil, "pod or type/name must be specified"},
		{"no command", []string{"web"}, nil, "at least one command"},
		{"two pods", []string{"web", "db", "--", "date"}, nil, "exactly one pod"},
		{"a missing pod", []string{"gone", "--", "date"}, errdefs.ErrNotFound, `pods "gone" not found`},
		{"a completed pod", []string{"done", "--", "date"}, nil, "cannot exec into a container in a completed pod; current phase is Succeeded"},
		{"a command the container lacks", []string{"web", "--", "nope"}, errdefs.ErrInternal, "nope: executable file not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, _, _ := a.wharfExec(t, strings.NewReader(""), tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantIn)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("got error %v, want %v", err, tt.wantIs)
			}
		})
	}
}

// openPTY opens a pseudo-terminal pair, non-blocking so that closing
// either end ends reads in progress.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		unix.Close(mfd)
		t.Fatalf("naming the pty: %v", err)
	}
	sfd, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(mfd)
		t.Fatalf("opening the pty's terminal: %v", err)
	}
	master, slave = os.NewFile(uintptr(mfd), "ptmx"), os.NewFile(uintptr(sfd), "pts")
	t.Cleanup(func() {
		master.Close()
		slave.Close()
	})
	return master, slave
}

func TestExecWithTerminal(t *testing.T) {
	master, slave := openPTY(t)
	fd, ok := fdOf(slave)
	if !ok {
		t.Fatal("no file descriptor behind the pty")
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Col: 100, Row: 30}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}

	type observed struct {
		raw, stderr bool
		size        remotecommand.TerminalSize
	}
	seen := make(chan observed)
	a := newExecAPI(t, execPod("web", core.PodRunning, "app"))
	a.tty = func(ctx context.Context, s remotecommand.Streams) (int, error) {
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return 0, err
		}
		raw := tio.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) == 0
		for range 2 {
			select {
			case sz := <-s.Resize:
				fmt.Fprintf(s.Stdout, "%dx%d\r\n", sz.Width, sz.Height)
				seen <- observed{raw: raw, stderr: s.Stderr != nil, size: sz}
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		return 7, nil
	}

	// The terminal shows what the session prints; drain it so that
	// writes never block.
	var shown syncBuffer
	go io.Copy(&shown, master) //nolint:errcheck // ends when the pty closes

	var errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- a.wharfExecStreams(t, streams{in: slave, out: slave, errOut: &errOut}, "-it", "web", "--", "tty")
	}()
	want := observed{raw: true, stderr: false, size: remotecommand.TerminalSize{Width: 100, Height: 30}}
	select {
	case got := <-seen:
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	case <-time.After(execTestTimeout):
		t.Fatal("the command never got the terminal's size")
	}

	// A resized window sends the new size.
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Col: 120, Row: 40}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(os.Getpid(), unix.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	want.size = remotecommand.TerminalSize{Width: 120, Height: 40}
	select {
	case got := <-seen:
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	case <-time.After(execTestTimeout):
		t.Fatal("the command never got the new size")
	}

	var coded interface{ ExitCode() int }
	if err := <-done; !errors.As(err, &coded) || coded.ExitCode() != 7 {
		t.Fatalf("got error %v, want exit code 7", err)
	}
	q := a.lastQuery()
	if q.Get("tty") != "true" || q.Get("stdin") != "true" || q.Has("stderr") {
		t.Errorf("got query %s, want tty and stdin and no stderr", q.Encode())
	}
	if errOut.Len() != 0 {
		t.Errorf("got stderr %q, want nothing", errOut.String())
	}
	after, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("got terminal flags %+v after the session, want them restored to %+v", after, before)
	}
	deadline := time.Now().Add(execTestTimeout)
	for !strings.Contains(shown.String(), "120x40") {
		if time.Now().After(deadline) {
			t.Fatalf("got terminal output %q, want both sizes shown", shown.String())
		}
		time.Sleep(10 * time.Millisecond) // polls a condition with a deadline
	}
}
